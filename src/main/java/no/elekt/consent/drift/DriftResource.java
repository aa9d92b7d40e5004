package no.elekt.consent.drift;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import io.smallrye.mutiny.Uni;
import no.elekt.consent.audit.OpsAction;
import no.elekt.consent.audit.OpsAudit;
import no.elekt.consent.security.Roles;

/** Drift the processors' reconciliations found (ids only), and its repair, for ops. */
@Path("/v1/ops/drift/{processor}")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.OPS)
public class DriftResource {

    private final DriftService drift;
    private final OpsAudit audit;

    DriftResource(DriftService drift, OpsAudit audit) {
        this.drift = drift;
        this.audit = audit;
    }

    @GET
    @Operation(summary = "Open drift at a processor, by subject id and purpose; page on with afterSubject and "
            + "afterPurpose of the last row")
    public Uni<List<Drift>> open(@PathParam("processor") String processor,
            @QueryParam("afterSubject") @DefaultValue("") String afterSubject,
            @QueryParam("afterPurpose") @DefaultValue("") String afterPurpose,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(1000) int limit) {
        return drift.open(processor, afterSubject, afterPurpose, limit);
    }

    @POST
    @Path("/repair")
    @Operation(summary = "Issue the directive in force again for each open drift at the processor (at most limit "
            + "per call; call again while 'more' is true); a drift ends when the next reconciliation agrees")
    public Uni<DriftService.Repair> repair(@PathParam("processor") String processor,
            @QueryParam("limit") @DefaultValue("500") @Min(1) @Max(1000) int limit) {
        OpsAudit.Actor actor = audit.actor();
        return drift.repair(processor, limit, actor.principal())
                .call(repair -> actor.record(OpsAction.DRIFT_REPAIR, "drift at " + processor,
                        repair.directivesIssued() + " directive(s) issued again for " + repair.drifts() + " drift(s)"));
    }
}
