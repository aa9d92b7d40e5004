package no.elekt.consent.propagation;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.policy.Policy;

/**
 * Gauges ops alert on: open and overdue propagations per processor, and how far the outbox lags.
 * Each propagation that passes its deadline is logged once as a warning (ids only).
 */
@ApplicationScoped
public class PropagationMonitor {

    private static final Logger LOG = Logger.getLogger(PropagationMonitor.class);

    private final Map<String, AtomicLong> pending = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> overdue = new ConcurrentHashMap<>();
    private final AtomicLong outboxPending = new AtomicLong();
    private final AtomicLong outboxOldestAgeSeconds = new AtomicLong();

    PropagationMonitor(MeterRegistry metrics, Policy policy) {
        for (String processor : policy.processors().keySet()) {
            pending.put(processor, new AtomicLong());
            overdue.put(processor, new AtomicLong());
            Gauge.builder("consent_propagations_pending", pending.get(processor), AtomicLong::get)
                    .tag("processor", processor).description("Open propagations (PENDING, AWAITING_MANUAL, FAILED)")
                    .register(metrics);
            Gauge.builder("consent_propagations_overdue", overdue.get(processor), AtomicLong::get)
                    .tag("processor", processor).description("Open propagations past their deadline")
                    .register(metrics);
        }
        Gauge.builder("consent_outbox_pending", outboxPending, AtomicLong::get)
                .description("Events written but not yet relayed to Kafka").register(metrics);
        Gauge.builder("consent_outbox_oldest_age_seconds", outboxOldestAgeSeconds, AtomicLong::get)
                .description("Age of the oldest event waiting in the outbox").register(metrics);
    }

    @Scheduled(every = "${consent.monitor.interval:15s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = CoreDisabled.class)
    Uni<Void> refresh() {
        return Panache.withTransaction(() -> Panache.getSession().chain(session -> session.createNativeQuery("""
                select processor,
                       count(*),
                       count(*) filter (where deadline < now())
                from propagation where status in ('PENDING', 'AWAITING_MANUAL', 'FAILED')
                group by processor""", Object[].class).getResultList()
                .invoke(this::updatePropagationGauges)
                .chain(() -> session.createNativeQuery("""
                        select count(*), coalesce(extract(epoch from now() - min(created_at)), 0)::bigint
                        from outbox_event""", Object[].class).getSingleResult())
                .invoke(row -> {
                    outboxPending.set(((Number) row[0]).longValue());
                    outboxOldestAgeSeconds.set(((Number) row[1]).longValue());
                })
                .chain(() -> session.createNativeQuery("""
                        update propagation set overdue_reported_at = now()
                        where overdue_reported_at is null and deadline < now()
                          and status in ('PENDING', 'AWAITING_MANUAL', 'FAILED')
                        returning cast(directive_id as varchar), processor, subject_id""", Object[].class)
                        .getResultList())
                .invoke(rows -> rows.forEach(r -> LOG.warnf(
                        "Propagation %s to %s for subject %s is overdue: past its deadline and not confirmed",
                        r[0], r[1], r[2])))))
                .replaceWithVoid();
    }

    private void updatePropagationGauges(List<Object[]> rows) {
        pending.values().forEach(g -> g.set(0));
        overdue.values().forEach(g -> g.set(0));
        for (Object[] row : rows) {
            pending.computeIfAbsent((String) row[0], k -> new AtomicLong()).set(((Number) row[1]).longValue());
            overdue.computeIfAbsent((String) row[0], k -> new AtomicLong()).set(((Number) row[2]).longValue());
        }
    }

    /** Only the core tracks propagations. */
    public static class CoreDisabled implements Scheduled.SkipPredicate {
        @Override
        public boolean test(io.quarkus.scheduler.ScheduledExecution execution) {
            return !org.eclipse.microprofile.config.ConfigProvider.getConfig()
                    .getOptionalValue("consent.core.enabled", Boolean.class).orElse(true);
        }
    }

}
