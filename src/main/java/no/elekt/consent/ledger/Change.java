package no.elekt.consent.ledger;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.Decision;
import no.elekt.consent.policy.DirectivePlanner;

/**
 * A change to record, checked and planned: a consent decision (kind DECISION) or one purpose of a rights request
 * (kind = the request's type, with its requestId). A null decision keeps the one in force (a restriction).
 */
public record Change(String subjectId, String purpose, ChangeKind kind, Decision decision, Instant occurredAt,
        String source, String policyVersion, UUID requestId, Map<String, String> identifiers,
        List<DirectivePlanner.Planned> directives) {
}
