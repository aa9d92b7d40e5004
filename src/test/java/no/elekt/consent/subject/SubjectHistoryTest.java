package no.elekt.consent.subject;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.Decision;
import no.elekt.consent.ledger.ConsentRecord;
import no.elekt.consent.rights.RequestStatus;
import no.elekt.consent.rights.RequestType;
import no.elekt.consent.rights.RequestView;

/** A subject's history: its ledger rows and, in time order among them, the purge after each erasure. */
@Tag("unit")
class SubjectHistoryTest {

    static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");

    static ConsentRecord record(ChangeKind kind, Decision decision, Instant recordedAt, UUID requestId) {
        return new ConsentRecord(UUID.randomUUID(), "s", "newsletter", kind, decision, 1, recordedAt, recordedAt,
                "app-android", null, requestId, true);
    }

    static RequestView erasure(UUID requestId, Instant purgedAt) {
        return new RequestView(requestId, "s", RequestType.ERASURE, List.of("newsletter"), T0, T0.plusSeconds(60),
                RequestStatus.COMPLETED, false, purgedAt, Map.of(), List.of());
    }

    @Test
    void aPurgeStandsBetweenTheChangesBeforeAndAfterIt() {
        UUID erasureId = UUID.randomUUID();
        List<HistoryEntry> history = SubjectReads.history(List.of(
                record(ChangeKind.DECISION, Decision.GRANTED, T0, null),
                record(ChangeKind.ERASURE, Decision.WITHDRAWN, T0.plusSeconds(10), erasureId),
                record(ChangeKind.DECISION, Decision.GRANTED, T0.plusSeconds(30), null)),
                List.of(erasure(erasureId, T0.plusSeconds(20))));
        assertThat(history).extracting(HistoryEntry::kind)
                .containsExactly("DECISION", "ERASURE", HistoryEntry.IDENTIFIERS_PURGED, "DECISION");
        assertThat(history.get(2).requestId()).isEqualTo(erasureId);
        assertThat(history.get(2).inForce()).isNull();
    }

    @Test
    void aRequestNotPurgedAddsNothing() {
        assertThat(SubjectReads.history(List.of(record(ChangeKind.RESTRICTION, null, T0, UUID.randomUUID())),
                List.of(erasure(UUID.randomUUID(), null)))).hasSize(1);
    }
}
