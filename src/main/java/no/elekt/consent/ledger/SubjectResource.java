package no.elekt.consent.ledger;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import io.smallrye.mutiny.Uni;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.Decision;
import no.elekt.consent.security.Roles;

@Path("/v1/subjects/{subjectId}")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({ Roles.READER, Roles.OPS })
public class SubjectResource {

    public record CurrentConsent(String purpose, Decision decision, long version, UUID changeId, Instant updatedAt) {
    }

    public record HistoryEntry(UUID changeId, String purpose, ChangeKind kind, Decision decision, long version,
            Instant occurredAt, Instant recordedAt, String source, String policyVersion, UUID requestId) {
    }

    private final LedgerService ledger;

    SubjectResource(LedgerService ledger) {
        this.ledger = ledger;
    }

    @GET
    @Path("/consents")
    @Operation(summary = "The decision in force for each purpose the subject has decided on")
    public Uni<List<CurrentConsent>> consents(@PathParam("subjectId") @Pattern(regexp = ConsentChangeRequest.SUBJECT_ID,
            message = ConsentChangeRequest.SUBJECT_ID_MESSAGE) String subjectId) {
        return ledger.currentConsents(subjectId).map(states -> states.stream()
                .map(s -> new CurrentConsent(s.purpose, s.decision, s.version, s.changeId, s.updatedAt))
                .toList());
    }

    @GET
    @Path("/history")
    @Operation(summary = "The subject's whole ledger, oldest first")
    public Uni<List<HistoryEntry>> history(@PathParam("subjectId") @Pattern(regexp = ConsentChangeRequest.SUBJECT_ID,
            message = ConsentChangeRequest.SUBJECT_ID_MESSAGE) String subjectId) {
        return ledger.history(subjectId).map(records -> records.stream()
                .map(r -> new HistoryEntry(r.changeId, r.purpose, r.kind, r.decision, r.version, r.occurredAt,
                        r.recordedAt, r.source, r.policyVersion, r.requestId))
                .toList());
    }
}
