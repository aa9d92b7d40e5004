package no.elekt.consent.audit;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import io.smallrye.mutiny.Uni;
import no.elekt.consent.security.Roles;

/** What ops did: the audit trail of ops actions. */
@Path("/v1/ops/audit")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.OPS)
public class AuditResource {

    private final OpsAudit audit;

    AuditResource(OpsAudit audit) {
        this.audit = audit;
    }

    @GET
    @Operation(summary = "Ops actions (retry, confirm, dead-letter replay, export, backfill start and cancel), newest "
            + "first; pass the answer's next as before for the following page")
    public Uni<OpsAudit.Page> list(@QueryParam("before") @Min(1) Long before,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(1000) int limit) {
        return audit.page(before, limit);
    }
}
