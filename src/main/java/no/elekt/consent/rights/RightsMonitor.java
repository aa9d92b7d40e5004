package no.elekt.consent.rights;

import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.propagation.PropagationMonitor;

/**
 * Rights requests past their deadline (30 days, §11.0) with some propagation still open: the gauge
 * {@code consent_rights_requests_overdue}, and each one logged once as a warning (ids only, never an identifier).
 */
@ApplicationScoped
public class RightsMonitor {

    private static final Logger LOG = Logger.getLogger(RightsMonitor.class);
    private static final String OVERDUE = """
            r.deadline < now() and exists (
                select 1 from consent_record c join propagation p on p.change_id = c.change_id
                where c.request_id = r.request_id and p.status in ('PENDING', 'AWAITING_MANUAL', 'FAILED'))""";

    private final AtomicLong overdue = new AtomicLong();

    RightsMonitor(MeterRegistry metrics) {
        Gauge.builder("consent_rights_requests_overdue", overdue, AtomicLong::get)
                .description("Rights requests past their deadline and not closed at every processor")
                .register(metrics);
    }

    @Scheduled(every = "${consent.monitor.interval:15s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = PropagationMonitor.CoreDisabled.class)
    Uni<Void> refresh() {
        return Panache.withTransaction(() -> Panache.getSession().chain(session -> session
                .createNativeQuery("select count(*) from rights_request r where " + OVERDUE, Long.class)
                .getSingleResult()
                .invoke(overdue::set)
                .chain(() -> session.createNativeQuery("update rights_request r set overdue_reported_at = now() "
                        + "where r.overdue_reported_at is null and " + OVERDUE
                        + " returning cast(r.request_id as varchar), r.type, r.subject_id", Object[].class)
                        .getResultList())
                .invoke(rows -> rows.forEach(r -> LOG.warnf(
                        "Rights request %s (%s) for subject %s is overdue: past its deadline and not closed at "
                                + "every processor", r[0], r[1], r[2])))))
                .replaceWithVoid();
    }
}
