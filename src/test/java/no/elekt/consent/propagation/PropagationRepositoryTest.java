package no.elekt.consent.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.propagation.PropagationRepository.ReceiptUpdate;
import no.elekt.consent.testinfra.ComponentDatabase;

/**
 * The owner of the propagation table against a real PostgreSQL with the migrations applied: every write checks the
 * state it changes, so a closed propagation stays closed whoever writes.
 */
@Tag("component")
class PropagationRepositoryTest {

    static final Pool POOL = ComponentDatabase.pool();
    static final PropagationRepository REPOSITORY = new PropagationRepository();

    static Propagation stored(UUID requestId) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Propagation p = Propagation.planned(UUID.randomUUID(), "subject-" + UUID.randomUUID(), "eliq",
                DirectiveAction.DELETE, now.plusSeconds(3600), "energy-insights", 3, ChangeKind.ERASURE, requestId,
                now);
        REPOSITORY.insertAll(POOL, List.of(p)).await().indefinitely();
        return p;
    }

    static PropagationStatus statusOf(Propagation p) {
        return REPOSITORY.find(POOL, p.directiveId()).await().indefinitely().status();
    }

    @Test
    void aPropagationReadBackIsTheOneWritten() {
        Propagation p = stored(UUID.randomUUID());
        assertThat(REPOSITORY.find(POOL, p.directiveId()).await().indefinitely()).isEqualTo(p);
    }

    @Test
    void aReceiptClosesAnOpenPropagationAndALaterOneChangesNothing() {
        Propagation p = stored(null);
        assertThat(REPOSITORY.applyReceipts(POOL, List.of(new ReceiptUpdate(p.directiveId(),
                PropagationStatus.CONFIRMED, 1, "done"))).await().indefinitely()).hasSize(1);
        assertThat(REPOSITORY.applyReceipts(POOL, List.of(new ReceiptUpdate(p.directiveId(),
                PropagationStatus.FAILED, 5, "late failure"))).await().indefinitely()).isEmpty();
        assertThat(statusOf(p)).isEqualTo(PropagationStatus.CONFIRMED);
    }

    @Test
    void opsConfirmOnlyAPropagationAwaitingManualConfirmation() {
        Propagation p = stored(null);
        assertThat(REPOSITORY.confirm(POOL, p.directiveId(), "pending").await().indefinitely()).as("PENDING").isNull();
        setStatus(p, PropagationStatus.FAILED);
        assertThat(REPOSITORY.confirm(POOL, p.directiveId(), "failed").await().indefinitely()).as("FAILED").isNull();
        assertThat(statusOf(p)).isEqualTo(PropagationStatus.FAILED);

        setStatus(p, PropagationStatus.AWAITING_MANUAL);
        assertThat(REPOSITORY.confirm(POOL, p.directiveId(), "by hand").await().indefinitely().status())
                .isEqualTo(PropagationStatus.CONFIRMED);
        assertThat(REPOSITORY.confirm(POOL, p.directiveId(), "again").await().indefinitely()).isNull();
        assertThat(statusOf(p)).isEqualTo(PropagationStatus.CONFIRMED);
    }

    static void setStatus(Propagation p, PropagationStatus status) {
        REPOSITORY.applyReceipts(POOL, List.of(new ReceiptUpdate(p.directiveId(), status, 1, "x"))).await()
                .indefinitely();
    }

    @Test
    void aRetryReopensOnlyIfTheStatusIsStillTheOneOpsSaw() {
        Propagation p = stored(null);
        REPOSITORY.applyReceipts(POOL, List.of(new ReceiptUpdate(p.directiveId(), PropagationStatus.FAILED, 6,
                "processor down"))).await().indefinitely();
        assertThat(REPOSITORY.reopen(POOL, p.directiveId(), PropagationStatus.PENDING, Instant.now())
                .await().indefinitely()).isFalse();
        assertThat(REPOSITORY.reopen(POOL, p.directiveId(), PropagationStatus.FAILED, Instant.now())
                .await().indefinitely()).isTrue();
        assertThat(REPOSITORY.find(POOL, p.directiveId()).await().indefinitely())
                .extracting(Propagation::status, Propagation::detail)
                .containsExactly(PropagationStatus.PENDING, PropagationRepository.REISSUED);
    }

    @Test
    void aRightsRequestHasOpenWorkUntilEveryPropagationIsClosed() {
        UUID open = UUID.randomUUID();
        UUID closed = UUID.randomUUID();
        stored(open);
        Propagation done = stored(closed);
        REPOSITORY.applyReceipts(POOL, List.of(new ReceiptUpdate(done.directiveId(), PropagationStatus.CONFIRMED, 1,
                null))).await().indefinitely();
        assertThat(REPOSITORY.requestsWithOpenWork(POOL, Set.of(open, closed)).await().indefinitely())
                .containsExactly(open);
        assertThat(REPOSITORY.requestsWithOpenWork(POOL).await().indefinitely()).contains(open).doesNotContain(closed);
    }
}
