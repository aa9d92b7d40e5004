package no.elekt.consent.rights;

import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.config.CoreDisabled;
import no.elekt.consent.propagation.PropagationRepository;

/**
 * Rights requests past their deadline (30 days, §11.0) with some propagation still open: the gauge
 * {@code consent_rights_requests_overdue}, and each one logged once as a warning (ids only, never an identifier).
 */
@ApplicationScoped
public class RightsMonitor {

    private static final Logger LOG = Logger.getLogger(RightsMonitor.class);

    private final AtomicLong overdue = new AtomicLong();
    private final RightsRequestRepository requests;
    private final PropagationRepository propagations;
    private final Pool pool;

    RightsMonitor(MeterRegistry metrics, RightsRequestRepository requests, PropagationRepository propagations,
            Pool pool) {
        this.requests = requests;
        this.propagations = propagations;
        this.pool = pool;
        Gauge.builder("consent_rights_requests_overdue", overdue, AtomicLong::get)
                .description("Rights requests past their deadline and not closed at every processor")
                .register(metrics);
    }

    @Scheduled(every = "${consent.monitor.interval:15s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = CoreDisabled.class)
    Uni<Void> refresh() {
        return pool.withTransaction(connection -> propagations.requestsWithOpenWork(connection)
                .chain(open -> requests.countPastDeadline(connection, open).invoke(overdue::set)
                        .chain(() -> requests.reportPastDeadline(connection, open))))
                .invoke(reported -> reported.forEach(r -> LOG.warnf(
                        "Rights request %s (%s) for subject %s is overdue: past its deadline and not closed at "
                                + "every processor",
                        r.requestId(), r.type(), r.subjectId())))
                .replaceWithVoid();
    }
}
