package no.elekt.consent.backfill;

import java.net.URI;
import java.util.List;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import io.smallrye.mutiny.Uni;
import no.elekt.consent.audit.OpsAction;
import no.elekt.consent.audit.OpsAudit;
import no.elekt.consent.security.Roles;

/** Backfills, for ops: a processor added to the policy, a mapping changed, or a processor that lost data. */
@Path("/v1/ops/backfills")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.OPS)
public class BackfillResource {

    private final BackfillService backfills;
    private final OpsAudit audit;

    BackfillResource(BackfillService backfills, OpsAudit audit) {
        this.backfills = backfills;
        this.audit = audit;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Issue the directive in force for every subject of some purposes to one processor again")
    @APIResponse(responseCode = "202", description = "Started; follow it at Location")
    @APIResponse(responseCode = "400",
            description = "Unknown processor or purpose, or a purpose the processor does not serve")
    public Uni<Response> start(@NotNull(message = "a JSON body is required") @Valid BackfillRequest request) {
        OpsAudit.Actor actor = audit.actor();
        return backfills.start(request, actor.principal())
                .call(view -> actor.record(OpsAction.BACKFILL_START, "backfill " + view.backfillId(),
                        "processor " + request.processor() + ", purposes " + request.purposes()))
                .map(view -> Response.accepted(view).location(URI.create("/v1/ops/backfills/" + view.backfillId()))
                        .build());
    }

    @GET
    @Operation(summary = "Backfills, newest first")
    public Uni<List<BackfillView>> list(@QueryParam("limit") @DefaultValue("50") @Min(1) @Max(500) int limit) {
        return backfills.list(limit);
    }

    @GET
    @Path("/{backfillId}")
    @Operation(summary = "A backfill's progress: issued of total, closed and failed, rate, estimated end")
    public Uni<BackfillView> get(@PathParam("backfillId") UUID backfillId) {
        return backfills.find(backfillId);
    }

    @POST
    @Path("/{backfillId}/cancel")
    @Operation(summary = "Stop a running backfill after its current page; what it issued stays issued")
    @APIResponse(responseCode = "409", description = "The backfill is not running")
    public Uni<BackfillView> cancel(@PathParam("backfillId") UUID backfillId) {
        OpsAudit.Actor actor = audit.actor();
        return backfills.cancel(backfillId, actor.principal())
                .call(() -> actor.record(OpsAction.BACKFILL_CANCEL, "backfill " + backfillId, null));
    }
}
