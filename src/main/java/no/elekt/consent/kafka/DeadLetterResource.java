package no.elekt.consent.kafka;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import io.smallrye.mutiny.Uni;
import no.elekt.consent.audit.OpsAction;
import no.elekt.consent.audit.OpsAudit;
import no.elekt.consent.security.Roles;

/** Ops send dead letters back once the cause is fixed. */
@Path("/v1/ops/dead-letters")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.OPS)
public class DeadLetterResource {

    private final DeadLetterReplay replay;
    private final OpsAudit audit;

    DeadLetterResource(DeadLetterReplay replay, OpsAudit audit) {
        this.replay = replay;
        this.audit = audit;
    }

    @POST
    @Path("/replay")
    @Operation(summary = "Send the dead letters of one DLQ topic back to the topic they came from")
    public Uni<DeadLetterReplay.Replayed> replay(@QueryParam("topic") String dlqTopic,
            @QueryParam("max") @DefaultValue("1000") @Min(1) @Max(100000) int max) {
        return replay.replay(dlqTopic, max).call(replayed -> audit.record(OpsAction.DEAD_LETTER_REPLAY, dlqTopic,
                "replayed " + replayed.replayed()));
    }
}
