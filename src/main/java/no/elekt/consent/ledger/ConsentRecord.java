package no.elekt.consent.ledger;

import java.time.Instant;
import java.util.UUID;

import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.Decision;

/**
 * One entry of the append-only consent ledger: a change of one subject and purpose, with its version.
 *
 * @param inForce false for a change that occurred before the decision in force: kept as proof, propagated nowhere
 */
public record ConsentRecord(UUID changeId, String subjectId, String purpose, ChangeKind kind, Decision decision,
        long version, Instant occurredAt, Instant recordedAt, String source, String policyVersion, UUID requestId,
        boolean inForce) {
}
