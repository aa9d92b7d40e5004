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
import no.elekt.consent.events.Decision;
import no.elekt.consent.security.Roles;

@Path("/v1/subjects/{subjectId}")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({ Roles.READER, Roles.OPS })
public class SubjectResource {

    public record CurrentConsent(String purpose, Decision decision, long version, UUID changeId, Instant occurredAt,
            Instant updatedAt) {

        public static CurrentConsent of(ConsentState s) {
            return new CurrentConsent(s.purpose, s.decision, s.version, s.changeId, s.occurredAt, s.updatedAt);
        }
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
        return ledger.currentConsents(subjectId).map(states -> states.stream().map(CurrentConsent::of).toList());
    }

    @GET
    @Path("/history")
    @Operation(summary = "The subject's whole ledger, oldest first, with the purge of identifiers after an erasure")
    public Uni<List<HistoryEntry>> history(@PathParam("subjectId") @Pattern(regexp = ConsentChangeRequest.SUBJECT_ID,
            message = ConsentChangeRequest.SUBJECT_ID_MESSAGE) String subjectId) {
        return ledger.history(subjectId);
    }
}
