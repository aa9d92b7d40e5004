package no.elekt.consent.propagation;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestResponse;

import io.smallrye.mutiny.Uni;
import no.elekt.consent.audit.OpsAction;
import no.elekt.consent.audit.OpsAudit;
import no.elekt.consent.problem.InvalidFieldException;
import no.elekt.consent.security.Roles;

/** What ops need to see that every processor honoured every change, and to act when one did not. */
@Path("/v1/ops")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.OPS)
public class OpsResource {

    public record PropagationRow(UUID directiveId, UUID changeId, String subjectId, String processor, String action,
            PropagationStatus status, Instant deadline, boolean overdue, int attempts, String detail,
            Instant updatedAt, Proof proof) {

        static PropagationRow of(Propagation p, Instant now) {
            return new PropagationRow(p.directiveId(), p.changeId(), p.subjectId(), p.processor(), p.action().name(),
                    p.status(), p.deadline(), p.overdue(now), p.attempts(), p.detail(), p.updatedAt(), p.proof());
        }
    }

    /** The note ends up in the propagation's detail (512 characters) after "confirmed by ops: ". */
    public record Confirmation(@Size(max = MAX_NOTE, message = "at most " + MAX_NOTE + " characters") String note) {
    }

    static final int MAX_NOTE = 400;

    private final PropagationTracker tracker;
    private final OpsAudit audit;

    OpsResource(PropagationTracker tracker, OpsAudit audit) {
        this.tracker = tracker;
        this.audit = audit;
    }

    @GET
    @Path("/propagations")
    @Operation(summary = "Propagations by status, processor and overdue flag, earliest deadline first, a page at a "
            + "time (the next page's address in the Link header, rel=next)")
    public Uni<RestResponse<List<PropagationRow>>> propagations(@QueryParam("status") PropagationStatus status,
            @QueryParam("processor") String processor, @QueryParam("overdue") boolean overdue,
            @QueryParam("after") String after,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(1000) int limit, @Context UriInfo uri) {
        Instant now = Instant.now();
        Position from = Position.decode(after);
        return tracker.list(status, processor, overdue, from == null ? null : from.deadline(),
                from == null ? null : from.directiveId(), limit).map(rows -> {
                    RestResponse.ResponseBuilder<List<PropagationRow>> answer = RestResponse.ResponseBuilder
                            .ok(rows.stream().map(p -> PropagationRow.of(p, now)).toList());
                    if (rows.size() == limit) {
                        Propagation last = rows.get(rows.size() - 1);
                        answer.header("Link", "<" + uri.getRequestUriBuilder().replaceQueryParam("after",
                                new Position(last.deadline(), last.directiveId()).encode()).build()
                                + ">; rel=\"next\"");
                    }
                    return answer.build();
                });
    }

    /** Where a page of the ops list ended, opaque to clients. */
    record Position(Instant deadline, UUID directiveId) {

        String encode() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString((deadline.getEpochSecond() + "."
                    + deadline.getNano() + ":" + directiveId).getBytes(StandardCharsets.UTF_8));
        }

        static Position decode(String encoded) {
            if (encoded == null || encoded.isBlank()) {
                return null;
            }
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8).split(":");
                String[] instant = parts[0].split("\\.");
                return new Position(Instant.ofEpochSecond(Long.parseLong(instant[0]), Long.parseLong(instant[1])),
                        UUID.fromString(parts[1]));
            } catch (RuntimeException e) {
                throw new InvalidFieldException("after",
                        "not a position this service gave (use the Link header's next)");
            }
        }
    }

    @POST
    @Path("/propagations/{directiveId}/retry")
    @Operation(summary = "Re-issue the directive of an open propagation (e.g. FAILED after the processor recovered)")
    public Uni<PropagationRow> retry(@PathParam("directiveId") UUID directiveId) {
        OpsAudit.Actor actor = audit.actor();
        return tracker.retry(directiveId)
                .call(() -> actor.record(OpsAction.RETRY, "propagation " + directiveId, null))
                .map(p -> PropagationRow.of(p, Instant.now()));
    }

    @POST
    @Path("/propagations/{directiveId}/confirm")
    @Operation(summary = "Confirm a propagation done by hand (AWAITING_MANUAL only), such as an AddApptr deletion "
            + "request answered by e-mail")
    @APIResponse(responseCode = "409", description = "The propagation is not awaiting manual confirmation")
    public Uni<PropagationRow> confirm(@PathParam("directiveId") UUID directiveId, @Valid Confirmation confirmation) {
        OpsAudit.Actor actor = audit.actor();
        String note = confirmation == null ? null : confirmation.note();
        return tracker.confirm(directiveId, note)
                .call(() -> actor.record(OpsAction.CONFIRM, "propagation " + directiveId, note))
                .map(p -> PropagationRow.of(p, Instant.now()));
    }
}
