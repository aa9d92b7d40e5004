package no.elekt.consent.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;

/** Issue 14: nothing retries forever; only what waiting cures is retried, within a budget, and counted. */
@Tag("unit")
class TransientRetryTest {

    final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    final TransientRetry retry = new TransientRetry(metrics, Duration.ofSeconds(5));
    final TransientRetry shortBudget = new TransientRetry(metrics, Duration.ofMillis(500));

    double retries(String step) {
        return metrics.counter("consent_transient_retries", "step", step).count();
    }

    @Test
    void theDatabaseAwayIsRetriedUntilItIsBack() {
        AtomicInteger attempts = new AtomicInteger();
        Uni<String> work = Uni.createFrom().item(() -> {
            if (attempts.incrementAndGet() < 3) {
                throw new IllegalStateException(new ConnectException("refused"));
            }
            return "recorded";
        });

        assertThat(retry.retried("receipts", Failures::isTransient, () -> work).await().atMost(Duration.ofSeconds(5)))
                .isEqualTo("recorded");
        assertThat(retries("receipts")).isEqualTo(2);
    }

    @Test
    void pastTheBudgetTheFailureStandsInsteadOfRetryingForever() {
        Uni<String> away = Uni.createFrom().failure(new IllegalStateException(new ConnectException("refused")));

        assertThatThrownBy(() -> shortBudget.retried("change request", Failures::isTransient, () -> away).await()
                .atMost(Duration.ofSeconds(10))).hasRootCauseInstanceOf(ConnectException.class);
        assertThat(retries("change request")).isPositive();
    }

    @Test
    void whatWaitingDoesNotCureIsNotRetried() {
        AtomicInteger attempts = new AtomicInteger();
        Uni<String> bad = Uni.createFrom().item(() -> {
            attempts.incrementAndGet();
            throw new InvalidFieldException("source", "not a source of this backend");
        });

        assertThatThrownBy(() -> retry.retried("change request", Failures::isTransient, () -> bad).await()
                .atMost(Duration.ofSeconds(5))).isInstanceOf(InvalidFieldException.class);
        assertThat(attempts).hasValue(1);
        assertThat(retries("change request")).isZero();
    }
}
