package no.elekt.consent.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.propagation.PropagationRepository.ReceiptUpdate;
import no.elekt.consent.testinfra.ComponentDatabase;

/** The propagation owner's reads for the console, against a real PostgreSQL with the migrations applied. */
@Tag("component")
class PropagationReadsForConsoleTest {

    static final Pool POOL = ComponentDatabase.pool();
    static final PropagationRepository REPOSITORY = new PropagationRepository();

    @Test
    void aReceiptsProofOfEffectIsKeptAndReadBackWithTheSubjectsPropagations() {
        String subject = "subject-" + UUID.randomUUID();
        Propagation verified = stored(subject, "mailgun", Instant.now().minusSeconds(5));
        Propagation open = stored(subject, "addapptr", Instant.now());
        Proof proof = new Proof(Proof.Verification.VERIFIED, null, List.of(new Proof.Check(
                "GET /v3/{domain}/unsubscribes/{address}", Instant.parse("2026-12-02T10:00:00Z"),
                "200 unsubscribed from newsletter")));
        REPOSITORY.applyReceipts(POOL, List.of(new ReceiptUpdate(verified.directiveId(), PropagationStatus.CONFIRMED, 1,
                "unsubscribed", proof))).await().indefinitely();

        List<Propagation> lines = REPOSITORY.ofSubject(POOL, subject).await().indefinitely();

        assertThat(lines).extracting(Propagation::directiveId)
                .containsExactly(verified.directiveId(), open.directiveId());
        assertThat(lines.get(0).proof()).isEqualTo(proof);
        assertThat(lines.get(1).proof()).isEqualTo(Proof.NONE);
    }

    @Test
    void openWorkIsCountedPerProcessorAndStatusWithTheOverdueOnesAndClosuresTimedPerBucket() {
        String processor = "p" + UUID.randomUUID().toString().substring(0, 8);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Propagation overdue = insert(planned("s1", processor, now.minusSeconds(60), now.minusSeconds(30)));
        insert(planned("s2", processor, now.plusSeconds(3600), now));
        Propagation failed = insert(planned("s3", processor, now.plusSeconds(3600), now));
        Propagation closed = insert(planned("s4", processor, now.plusSeconds(3600), now.minusSeconds(2)));
        REPOSITORY.applyReceipts(POOL, List.of(
                new ReceiptUpdate(overdue.directiveId(), PropagationStatus.AWAITING_MANUAL, 1, "mailed"),
                new ReceiptUpdate(failed.directiveId(), PropagationStatus.FAILED, 4, "503"),
                new ReceiptUpdate(closed.directiveId(), PropagationStatus.CONFIRMED, 1, "done")))
                .await().indefinitely();

        assertThat(REPOSITORY.openByProcessorAndStatus(POOL).await().indefinitely().stream()
                .filter(c -> c.processor().equals(processor)).toList())
                .containsExactlyInAnyOrder(
                        new PropagationRepository.OpenCount(processor, PropagationStatus.PENDING, 1, 0),
                        new PropagationRepository.OpenCount(processor, PropagationStatus.AWAITING_MANUAL, 1, 1),
                        new PropagationRepository.OpenCount(processor, PropagationStatus.FAILED, 1, 0));
        List<PropagationRepository.Latency> latency = REPOSITORY.latency(POOL, now.minusSeconds(3600), 3600)
                .await().indefinitely();
        assertThat(latency).isNotEmpty();
        assertThat(latency.get(latency.size() - 1).closed()).isPositive();
        assertThat(latency.get(latency.size() - 1).p95Seconds()).isGreaterThanOrEqualTo(1.0);
    }

    private static Propagation stored(String subject, String processor, Instant createdAt) {
        return insert(planned(subject, processor, createdAt.plusSeconds(3600), createdAt));
    }

    private static Propagation planned(String subject, String processor, Instant deadline, Instant createdAt) {
        return Propagation.planned(UUID.randomUUID(), subject, processor, DirectiveAction.DELETE, deadline,
                "newsletter", 1, ChangeKind.ERASURE, null, createdAt.truncatedTo(ChronoUnit.MILLIS));
    }

    private static Propagation insert(Propagation p) {
        REPOSITORY.insertAll(POOL, List.of(p)).await().indefinitely();
        return p;
    }
}
