package no.elekt.consent.subject;

import java.time.Instant;
import java.util.UUID;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import no.elekt.consent.events.Decision;
import no.elekt.consent.ledger.ConsentRecord;

/**
 * One entry of a subject's history: a ledger row (kind DECISION, or the type of the rights request that caused it,
 * with its requestId), or the purge of the subject's identifiers after an erasure (kind IDENTIFIERS_PURGED).
 */
public record HistoryEntry(UUID changeId, String purpose,
        @Schema(description = "DECISION, ERASURE, OBJECTION, RESTRICTION, APP_UNINSTALLED or IDENTIFIERS_PURGED") String kind,
        Decision decision, Long version, Instant occurredAt, Instant recordedAt, String source, String policyVersion,
        UUID requestId,
        @Schema(description = "False for a change that occurred before the decision in force; null for a purge") Boolean inForce) {

    public static final String IDENTIFIERS_PURGED = "IDENTIFIERS_PURGED";

    static HistoryEntry of(ConsentRecord r) {
        return new HistoryEntry(r.changeId(), r.purpose(), r.kind().name(), r.decision(), r.version(),
                r.occurredAt(), r.recordedAt(), r.source(), r.policyVersion(), r.requestId(), r.inForce());
    }

    static HistoryEntry purge(UUID requestId, Instant purgedAt) {
        return new HistoryEntry(null, null, IDENTIFIERS_PURGED, null, null, purgedAt, purgedAt, "erasure", null,
                requestId, null);
    }
}
