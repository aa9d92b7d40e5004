package no.elekt.consent.propagation;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.config.CoreDisabled;
import no.elekt.consent.policy.Policy;

/**
 * Gauges ops alert on: open and overdue propagations per processor. Each propagation that passes its deadline is
 * logged once as a warning (ids only).
 */
@ApplicationScoped
public class PropagationMonitor {

    private static final Logger LOG = Logger.getLogger(PropagationMonitor.class);

    private final Map<String, AtomicLong> pending = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> overdue = new ConcurrentHashMap<>();
    private final PropagationRepository propagations;
    private final Pool pool;

    PropagationMonitor(MeterRegistry metrics, Policy policy, PropagationRepository propagations, Pool pool) {
        this.propagations = propagations;
        this.pool = pool;
        for (String processor : policy.processors().keySet()) {
            pending.put(processor, new AtomicLong());
            overdue.put(processor, new AtomicLong());
            Gauge.builder("consent_propagations_pending", pending.get(processor), AtomicLong::get)
                    .tag("processor", processor).description("Open propagations (" + PropagationStatus.OPEN + ")")
                    .register(metrics);
            Gauge.builder("consent_propagations_overdue", overdue.get(processor), AtomicLong::get)
                    .tag("processor", processor).description("Open propagations past their deadline")
                    .register(metrics);
        }
    }

    @Scheduled(every = "${consent.monitor.interval:15s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = CoreDisabled.class)
    Uni<Void> refresh() {
        return propagations.openWork(pool)
                .invoke(this::updateGauges)
                .chain(() -> propagations.reportOverdue(pool))
                .invoke(reported -> reported.forEach(p -> LOG.warnf(
                        "Propagation %s to %s for subject %s is overdue: past its deadline and not confirmed",
                        p.directiveId(), p.processor(), p.subjectId())))
                .replaceWithVoid();
    }

    private void updateGauges(List<PropagationRepository.OpenWork> work) {
        pending.values().forEach(g -> g.set(0));
        overdue.values().forEach(g -> g.set(0));
        for (PropagationRepository.OpenWork w : work) {
            pending.computeIfAbsent(w.processor(), k -> new AtomicLong()).set(w.open());
            overdue.computeIfAbsent(w.processor(), k -> new AtomicLong()).set(w.overdue());
        }
    }
}
