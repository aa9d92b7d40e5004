package no.elekt.consent.rights;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.hibernate.reactive.mutiny.Mutiny;
import org.jboss.logging.Logger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.propagation.PropagationMonitor;

/**
 * Purges a subject's identifiers once an erasure is closed at every processor: all its propagations CONFIRMED,
 * NOT_APPLICABLE or SUPERSEDED (AWAITING_MANUAL counts as open until ops confirm it).
 * <p>
 * A sweep on the monitor's interval rather than a hook where propagations close: it reads only committed state, so
 * two propagations closing at once cannot both miss the last one, and it survives restarts with nothing to replay
 * (the state is the database). Each erasure is purged in one transaction with {@code purged_at}, row-locked with
 * SKIP LOCKED so replicas share the work.
 * <p>
 * What goes: every {@code subject_identifier} row of the subject (also any sent after the erasure was asked for: the
 * subject asked to be forgotten). What stays: the ledger (pseudonymous subjectId, decisions, as proof), the
 * propagations and adapters' bookkeeping (ids and statuses only), and the purge itself ({@code purged_at}, shown in
 * the history and the export). Outbox rows are not touched: they are encrypted, and a closed propagation's directive
 * has necessarily been relayed and deleted already (rows of later changes must still be delivered).
 */
@ApplicationScoped
public class ErasurePurge {

    private static final Logger LOG = Logger.getLogger(ErasurePurge.class);
    private static final int BATCH = 100;

    @Scheduled(every = "${consent.monitor.interval:15s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = PropagationMonitor.CoreDisabled.class)
    Uni<Void> sweep() {
        return Panache.withTransaction(() -> Panache.getSession().chain(session -> session.createNativeQuery("""
                select r.request_id, r.subject_id from rights_request r
                where r.type = 'ERASURE' and r.purged_at is null
                  and not exists (select 1 from consent_record c join propagation p on p.change_id = c.change_id
                                  where c.request_id = r.request_id
                                    and p.status in ('PENDING', 'AWAITING_MANUAL', 'FAILED'))
                order by r.received_at
                limit :batch
                for update of r skip locked""", Object[].class)
                .setParameter("batch", BATCH)
                .getResultList()
                .chain(closed -> Multi.createFrom().iterable(closed)
                        .onItem().transformToUniAndConcatenate(row -> purge(session, (UUID) row[0], (String) row[1]))
                        .collect().asList())))
                .replaceWithVoid();
    }

    private static Uni<Void> purge(Mutiny.Session session, UUID requestId, String subjectId) {
        return session.createNativeQuery("delete from subject_identifier where subject_id = :subject")
                .setParameter("subject", subjectId)
                .executeUpdate()
                .chain(deleted -> session.createNativeQuery(
                        "update rights_request set purged_at = now() where request_id = :request")
                        .setParameter("request", requestId)
                        .executeUpdate()
                        .invoke(x -> LOG.infof("Erasure %s closed at every processor: %d identifiers of subject %s "
                                + "purged", requestId, deleted, subjectId)))
                .replaceWithVoid();
    }
}
