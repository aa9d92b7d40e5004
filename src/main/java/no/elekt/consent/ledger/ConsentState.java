package no.elekt.consent.ledger;

import java.time.Instant;
import java.util.UUID;

import no.elekt.consent.events.Decision;

/**
 * The decision in force for one subject and purpose: that of the change that occurred last.
 *
 * @param occurredAt when the change in force occurred: a change that occurred before it is not in force
 */
public record ConsentState(String subjectId, String purpose, Decision decision, long version, UUID changeId,
        Instant occurredAt, Instant updatedAt) {
}
