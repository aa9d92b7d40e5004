package no.elekt.consent.rights;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import no.elekt.consent.config.CoreDisabled;
import no.elekt.consent.identifiers.IdentifierStore;
import no.elekt.consent.identifiers.SubjectKeys;
import no.elekt.consent.propagation.PropagationRepository;

/**
 * Purges a subject's identifiers once an erasure is closed at every processor: none of its propagations open
 * (AWAITING_MANUAL counts as open until ops confirm it; a deletion answered SUPERSEDED is FAILED, so open).
 * <p>
 * A sweep on the monitor's interval rather than a hook where propagations close: it reads only committed state, so
 * two propagations closing at once cannot both miss the last one, and it survives restarts with nothing to replay
 * (the state is the database). A closed propagation never opens again, so an erasure found closed stays closed.
 * Each batch is purged in one transaction with {@code purged_at}, row-locked with SKIP LOCKED so replicas share the
 * work.
 * <p>
 * What goes: every {@code subject_identifier} row of the subject (also any sent after the erasure was asked for: the
 * subject asked to be forgotten), and the subject's data key ({@code subject_key}), so the identifiers sealed in
 * every directive still on a topic, a dead-letter topic or a backup of them can no longer be read
 * (crypto-shredding). What stays: the ledger (pseudonymous subjectId, decisions, as proof), the
 * propagations and adapters' bookkeeping (ids and statuses only), and the purge itself ({@code purged_at}, shown in
 * the history and the export). Outbox rows are not touched: a directive's identifiers are sealed with the data key
 * deleted here, and rows of later changes must still be delivered.
 */
@ApplicationScoped
public class ErasurePurge {

    private static final Logger LOG = Logger.getLogger(ErasurePurge.class);
    private static final int BATCH = 100;

    private final RightsRequestRepository requests;
    private final PropagationRepository propagations;
    private final IdentifierStore identifiers;
    private final SubjectKeys subjectKeys;
    private final Pool pool;

    ErasurePurge(RightsRequestRepository requests, PropagationRepository propagations, IdentifierStore identifiers,
            SubjectKeys subjectKeys, Pool pool) {
        this.requests = requests;
        this.propagations = propagations;
        this.identifiers = identifiers;
        this.subjectKeys = subjectKeys;
        this.pool = pool;
    }

    @Scheduled(every = "${consent.monitor.interval:15s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = CoreDisabled.class)
    Uni<Void> sweep() {
        return pool.withTransaction(connection -> requests.unpurgedErasures(connection)
                .chain(erasures -> propagations.requestsWithOpenWork(connection,
                        erasures.stream().map(RightsRequest::requestId).collect(Collectors.toSet()))
                        .map(open -> closed(erasures, open)))
                .chain(closed -> closed.isEmpty() ? Uni.createFrom().item(List.<RightsRequest>of())
                        : requests.lockUnpurged(connection, closed))
                .chain(locked -> Multi.createFrom().iterable(locked)
                        .onItem().transformToUniAndConcatenate(r -> purge(connection, r))
                        .collect().asList()))
                .replaceWithVoid();
    }

    /** The oldest erasures, up to a batch, with no propagation open. */
    private static List<UUID> closed(List<RightsRequest> erasures, Set<UUID> open) {
        return erasures.stream().map(RightsRequest::requestId).filter(id -> !open.contains(id)).limit(BATCH).toList();
    }

    private Uni<Void> purge(SqlConnection connection, RightsRequest erasure) {
        return identifiers.deleteAll(connection, erasure.subjectId())
                .call(() -> subjectKeys.delete(connection, erasure.subjectId()))
                .chain(deleted -> requests.markPurged(connection, erasure.requestId())
                        .invoke(() -> LOG.infof("Erasure %s closed at every processor: %d identifiers of subject %s "
                                + "purged", erasure.requestId(), deleted, erasure.subjectId())));
    }
}
