package no.elekt.consent.outbox;

import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.config.CoreDisabled;

/** Gauges of how far the relay lags: events waiting in the outbox, the age of the oldest, and parked rows. */
@ApplicationScoped
public class OutboxMonitor {

    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong oldestAgeSeconds = new AtomicLong();
    private final AtomicLong parked = new AtomicLong();
    private final Outbox outbox;
    private final Pool pool;

    OutboxMonitor(MeterRegistry metrics, Outbox outbox, Pool pool) {
        this.outbox = outbox;
        this.pool = pool;
        Gauge.builder("consent_outbox_pending", pending, AtomicLong::get)
                .description("Events written but not yet relayed to Kafka").register(metrics);
        Gauge.builder("consent_outbox_oldest_age_seconds", oldestAgeSeconds, AtomicLong::get)
                .description("Age of the oldest event waiting in the outbox").register(metrics);
        Gauge.builder("consent_outbox_parked_rows", parked, AtomicLong::get)
                .description("Outbox rows parked, each holding back its subject, until ops retry them")
                .register(metrics);
    }

    @Scheduled(every = "${consent.monitor.interval:15s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = CoreDisabled.class)
    Uni<Void> refresh() {
        return outbox.backlog(pool).invoke(backlog -> {
            pending.set(backlog.events());
            oldestAgeSeconds.set(backlog.oldestAgeSeconds());
        }).chain(() -> outbox.parkedCount(pool)).invoke(parked::set).replaceWithVoid();
    }
}
