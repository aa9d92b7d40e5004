package no.elekt.consent.problem;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;

/**
 * The core's retry of what waiting cures (the database or Kafka away): with backoff, within a budget, each retry
 * counted in {@code consent_transient_retries_total{step}}. Past the budget the failure stands and the caller's
 * dead-letter path takes the work, where ops see it; anything else is never retried.
 */
@ApplicationScoped
public class TransientRetry {

    private static final Logger LOG = Logger.getLogger(TransientRetry.class);

    private final MeterRegistry metrics;
    private final Duration budget;

    TransientRetry(MeterRegistry metrics,
            @ConfigProperty(name = "consent.retry.transient-budget", defaultValue = "10m") Duration budget) {
        this.metrics = metrics;
        this.budget = budget;
    }

    public <T> Uni<T> retried(String step, Predicate<Throwable> transientFailure, Supplier<Uni<T>> work) {
        return Uni.createFrom().<T>deferred(() -> work.get())
                .onFailure(transientFailure).invoke(e -> {
                    metrics.counter("consent_transient_retries", "step", step).increment();
                    LOG.warnf("%s not done yet, retrying: %s", step, e.toString());
                })
                .onFailure(transientFailure).retry()
                .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(10)).expireIn(budget.toMillis());
    }
}
