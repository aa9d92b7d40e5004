package no.elekt.consent.subject;

import java.time.Instant;
import java.util.UUID;

import no.elekt.consent.events.Decision;
import no.elekt.consent.ledger.ConsentState;

/** The decision in force for one purpose, as the API shows it. */
public record CurrentConsent(String purpose, Decision decision, long version, UUID changeId, Instant occurredAt,
        Instant updatedAt) {

    static CurrentConsent of(ConsentState s) {
        return new CurrentConsent(s.purpose(), s.decision(), s.version(), s.changeId(), s.occurredAt(),
                s.updatedAt());
    }
}
