package no.elekt.consent.kafka;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

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
    @Operation(summary = "Send the dead letters of one DLQ topic (<topic>.dlq) back to <topic>, each acknowledged "
            + "before it counts as done; at most max (default and ceiling consent.dead-letters.replay.max-per-call) a "
            + "call, answering how many are left")
    @APIResponse(responseCode = "400", description = "Not a dead-letter topic, or max out of bounds")
    @APIResponse(responseCode = "503", description = "Kafka did not acknowledge a send: what was sent before is kept")
    public Uni<DeadLetterReplay.Replayed> replay(@QueryParam("topic") String dlqTopic,
            @QueryParam("max") Integer max) {
        OpsAudit.Actor actor = audit.actor();
        return replay.replay(dlqTopic, max).call(replayed -> actor.record(OpsAction.DEAD_LETTER_REPLAY, dlqTopic,
                "replayed " + replayed.replayed() + " to " + replayed.target() + ", " + replayed.remaining()
                        + " left"));
    }
}
