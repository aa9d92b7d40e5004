package no.elekt.consent.retention;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.IntFunction;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.adapter.HandledDirectives;
import no.elekt.consent.config.CoreDisabled;
import no.elekt.consent.config.RoleSwitches;
import no.elekt.consent.config.Stopping;
import no.elekt.consent.idempotency.IdempotencyRepository;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.propagation.PropagationRepository;

/**
 * Bounded tables: what only serves for a while is removed after its configured period, a chunk per statement (so no
 * long transaction or lock), and counted in {@code consent_retention_removed_total{table}}. The ledger is proof and
 * stays; so do open propagations, the adapters' applied versions and rights requests. See the README's data retention.
 */
@ApplicationScoped
public class RetentionJobs {

    private static final Logger LOG = Logger.getLogger(RetentionJobs.class);
    static final int CHUNK = 5000;

    private final IdempotencyRepository idempotencyKeys;
    private final PropagationRepository propagations;
    private final HandledDirectives handledDirectives;
    private final Pool pool;
    private final MeterRegistry metrics;
    private final List<String> adaptersHere;
    private final Duration idempotencyKeysFor;
    private final Duration closedPropagationsFor;
    private final Duration adapterReceiptsFor;

    RetentionJobs(IdempotencyRepository idempotencyKeys, PropagationRepository propagations,
            HandledDirectives handledDirectives, Pool pool, MeterRegistry metrics, RoleSwitches roles, Policy policy,
            @ConfigProperty(name = "consent.retention.idempotency-keys",
                    defaultValue = "P30D") Duration idempotencyKeysFor,
            @ConfigProperty(name = "consent.retention.closed-propagations",
                    defaultValue = "P400D") Duration closedPropagationsFor,
            @ConfigProperty(name = "consent.retention.adapter-receipts",
                    defaultValue = "P90D") Duration adapterReceiptsFor) {
        this.idempotencyKeys = idempotencyKeys;
        this.propagations = propagations;
        this.handledDirectives = handledDirectives;
        this.pool = pool;
        this.metrics = metrics;
        this.adaptersHere = policy.processors().keySet().stream().filter(roles::adapterRuns).sorted().toList();
        this.idempotencyKeysFor = idempotencyKeysFor;
        this.closedPropagationsFor = closedPropagationsFor;
        this.adapterReceiptsFor = adapterReceiptsFor;
    }

    @Scheduled(every = "${consent.retention.every:1h}", delayed = "${consent.retention.delay:5m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = CoreDisabled.class)
    Uni<Void> core() {
        Instant now = Instant.now();
        return remove("idempotency_key",
                limit -> idempotencyKeys.deleteClaimedBefore(pool, now.minus(idempotencyKeysFor), limit))
                .chain(() -> remove("propagation",
                        limit -> propagations.deleteClosedBefore(pool, now.minus(closedPropagationsFor), limit)))
                .replaceWithVoid();
    }

    @Scheduled(every = "${consent.retention.every:1h}", delayed = "${consent.retention.delay:5m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = NoAdapterHere.class)
    Uni<Void> adapters() {
        Instant cutoff = Instant.now().minus(adapterReceiptsFor);
        return remove("adapter_directive",
                limit -> handledDirectives.deleteCompletedBefore(adaptersHere, cutoff, limit)).replaceWithVoid();
    }

    /** Removes chunk after chunk until one comes back short; answers how many rows in all. */
    Uni<Long> remove(String table, IntFunction<Uni<Integer>> chunk) {
        return chunk.apply(CHUNK)
                .chain(removed -> {
                    metrics.counter("consent_retention_removed", "table", table).increment(removed);
                    return removed < CHUNK ? Uni.createFrom().item((long) removed)
                            : remove(table, chunk).map(more -> more + removed);
                })
                .invoke(total -> {
                    if (total > 0) {
                        LOG.infof("Retention removed %d rows from %s", total, table);
                    }
                });
    }

    /** Skips the adapters' retention in an instance that runs no adapter, and in one that is stopping. */
    @Singleton
    static class NoAdapterHere implements Scheduled.SkipPredicate {

        private final boolean none;
        private final Stopping stopping;

        NoAdapterHere(RoleSwitches roles, Policy policy, Stopping stopping) {
            this.none = policy.processors().keySet().stream().noneMatch(roles::adapterRuns);
            this.stopping = stopping;
        }

        @Override
        public boolean test(ScheduledExecution execution) {
            return none || stopping.now();
        }
    }
}
