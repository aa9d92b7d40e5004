package no.elekt.consent.retention;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import no.elekt.consent.testinfra.Db;

/**
 * What serves only for a while goes after its period, counted; what is young, open, or a rights request's stays.
 */
@QuarkusTest
class RetentionTest {

    @Inject
    RetentionJobs jobs;

    @Inject
    MeterRegistry metrics;

    @Test
    void oldIdempotencyKeysClosedPropagationsAndAdapterReceiptsAreRemovedTheRestStays() {
        String subject = "retention-" + UUID.randomUUID();
        for (String age : new String[]{ "31 days", "1 day" }) {
            Db.update(
                    """
                            insert into idempotency_key (caller, endpoint, idempotency_key, request_hash, resource_id, created_at)
                            values ('retention-test', 'changes', ?, 'hash', gen_random_uuid(), now() - ?::interval)""",
                    subject + age, age);
        }
        // closed and old; open and old; closed and young; closed, old, of a rights request
        propagation(subject, "CONFIRMED", "401 days", null);
        propagation(subject, "FAILED", "500 days", null);
        propagation(subject, "CONFIRMED", "10 days", null);
        propagation(subject, "NOT_APPLICABLE", "401 days", UUID.randomUUID());
        for (String age : new String[]{ "91 days", "1 day" }) {
            Db.update("""
                    insert into adapter_directive (processor, directive_id, change_id, subject_id, receipt_id, outcome,
                        attempts, completed_at)
                    values ('mailgun', ?, 'c', ?, gen_random_uuid(), 'APPLIED', 1, now() - ?::interval)""",
                    UUID.randomUUID().toString(), subject, age);
        }
        double before = removed("idempotency_key") + removed("propagation") + removed("adapter_directive");

        jobs.core().await().atMost(Duration.ofSeconds(30));
        jobs.adapters().await().atMost(Duration.ofSeconds(30));

        assertThat(Db.count("select count(*) from idempotency_key where idempotency_key like ?", subject + "%"))
                .isEqualTo(1);
        assertThat(Db.count("select count(*) from idempotency_key where idempotency_key = ?", subject + "1 day"))
                .isEqualTo(1);
        // the open one stays however old: FAILED is open (ops retry it); the young and the request's stay
        assertThat(Db.count("select count(*) from propagation where subject_id = ?", subject)).isEqualTo(3);
        assertThat(Db.count("select count(*) from propagation where subject_id = ? and status = 'CONFIRMED'",
                subject)).isEqualTo(1);
        assertThat(Db.count("select count(*) from adapter_directive where subject_id = ?", subject)).isEqualTo(1);
        assertThat(removed("idempotency_key") + removed("propagation") + removed("adapter_directive") - before)
                .isGreaterThanOrEqualTo(3);
    }

    private static void propagation(String subject, String status, String age, UUID requestId) {
        Db.update("""
                insert into propagation (directive_id, change_id, subject_id, processor, action, status, deadline,
                    created_at, updated_at, purpose, version, kind, issued_at, request_id)
                values (gen_random_uuid(), gen_random_uuid(), ?, 'mailgun', 'SUPPRESS', ?, now(),
                    now() - ?::interval, now() - ?::interval, 'newsletter', 1, 'DECISION', now() - ?::interval, ?)""",
                subject, status, age, age, age, requestId);
    }

    private double removed(String table) {
        var counter = metrics.find("consent_retention_removed").tag("table", table).counter();
        return counter == null ? 0 : counter.count();
    }
}
