package no.elekt.consent.propagation;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.ledger.LedgerService;
import no.elekt.consent.problem.ProblemException;

/** Moves each propagation to its end state as receipts arrive, and lets ops retry or confirm. */
@ApplicationScoped
public class PropagationTracker {

    private static final Logger LOG = Logger.getLogger(PropagationTracker.class);

    private static final Map<ReceiptOutcome, PropagationStatus> STATUS_OF = Map.of(
            ReceiptOutcome.APPLIED, PropagationStatus.CONFIRMED,
            ReceiptOutcome.ALREADY_APPLIED, PropagationStatus.CONFIRMED,
            ReceiptOutcome.NOT_APPLICABLE, PropagationStatus.NOT_APPLICABLE,
            ReceiptOutcome.SUPERSEDED, PropagationStatus.SUPERSEDED,
            ReceiptOutcome.AWAITING_MANUAL, PropagationStatus.AWAITING_MANUAL,
            ReceiptOutcome.FAILED_PERMANENT, PropagationStatus.FAILED,
            ReceiptOutcome.FAILED_RETRYABLE, PropagationStatus.PENDING);

    private final LedgerService ledger;
    private final Pool pool;

    PropagationTracker(LedgerService ledger, Pool pool) {
        this.ledger = ledger;
        this.pool = pool;
    }

    /**
     * Applies one poll of receipts in one transaction (a read, then the updates pipelined) and answers the directive
     * ids no propagation is known for. The raw pool, not Hibernate: this is the hottest write of the core after
     * intake, and runs on whatever thread the consumer is on. A closed propagation stays closed, so a redelivered
     * receipt changes nothing more. A deletion answered SUPERSEDED (an adapter of an older version) is FAILED: a
     * deletion once asked for is carried out, so it is left for ops to retry, never counted as done.
     */
    public Uni<Set<String>> applyAll(List<PropagationReceipt> receipts) {
        Set<String> unknown = new HashSet<>();
        Map<UUID, PropagationReceipt> decisive = new LinkedHashMap<>();
        Map<UUID, Integer> attempts = new HashMap<>();
        for (PropagationReceipt receipt : receipts) {
            UUID id = parse(receipt.getDirectiveId());
            if (id == null) {
                unknown.add(receipt.getDirectiveId());
                continue;
            }
            // as if applied one by one: the first receipt that closes the propagation decides, else the last
            PropagationReceipt before = decisive.get(id);
            if (before == null || STATUS_OF.get(before.getOutcome()).isOpen()) {
                decisive.put(id, receipt);
                attempts.merge(id, receipt.getAttempts(), Math::max);
            }
        }
        if (decisive.isEmpty()) {
            return Uni.createFrom().item(unknown);
        }
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        String[] open = Arrays.stream(PropagationStatus.values()).filter(PropagationStatus::isOpen)
                .map(Enum::name).toArray(String[]::new);
        List<Tuple> updates = new ArrayList<>();
        decisive.forEach((id, r) -> updates.add(Tuple.from(List.of(id, STATUS_OF.get(r.getOutcome()).name(),
                attempts.get(id), r.getDetail() == null ? "" : r.getDetail(), now, open))));
        UUID[] ids = decisive.keySet().toArray(UUID[]::new);
        return pool.withTransaction(connection -> connection
                .preparedQuery("select directive_id from propagation where directive_id = any($1)")
                .execute(Tuple.of(ids))
                .chain(known -> {
                    Set<UUID> found = new HashSet<>();
                    known.forEach(row -> found.add(row.getUUID(0)));
                    decisive.keySet().stream().filter(id -> !found.contains(id))
                            .forEach(id -> unknown.add(id.toString()));
                    return connection.preparedQuery("""
                            update propagation
                            set status = case when action = 'DELETE' and $2 = 'SUPERSEDED' then 'FAILED' else $2 end,
                                attempts = greatest(attempts, $3),
                                detail = case when action = 'DELETE' and $2 = 'SUPERSEDED'
                                              then 'the adapter skipped a deletion as superseded: a deletion never '
                                                   || 'is; retry it'
                                              else left(nullif($4, ''), 512) end,
                                updated_at = $5
                            where directive_id = $1 and status = any($6)
                            returning directive_id, processor, subject_id, status""")
                            .executeBatch(updates);
                }))
                .map(updated -> {
                    Map<String, Integer> summary = new TreeMap<>();
                    for (RowSet<Row> rows = updated; rows != null; rows = rows.next()) {
                        for (Row row : rows) {
                            summary.merge(row.getString("processor") + " " + row.getString("status"), 1, Integer::sum);
                            LOG.debugf("Propagation %s to %s for subject %s: %s", row.getUUID("directive_id"),
                                    row.getString("processor"), row.getString("subject_id"), row.getString("status"));
                        }
                    }
                    if (!summary.isEmpty()) {
                        LOG.infof("Receipts applied: %s", summary);
                    }
                    return unknown;
                });
    }

    @WithSession
    public Uni<List<Propagation>> list(PropagationStatus status, String processor, boolean overdueOnly, int limit) {
        StringBuilder query = new StringBuilder("1 = 1");
        Map<String, Object> params = new java.util.HashMap<>();
        if (status != null) {
            query.append(" and status = :status");
            params.put("status", status);
        }
        if (processor != null) {
            query.append(" and processor = :processor");
            params.put("processor", processor);
        }
        if (overdueOnly) {
            query.append(" and deadline < :now and status in :open");
            params.put("now", Instant.now());
            params.put("open", List.of(PropagationStatus.PENDING, PropagationStatus.AWAITING_MANUAL,
                    PropagationStatus.FAILED));
        }
        query.append(" order by deadline");
        return Propagation.<Propagation>find(query.toString(), params).range(0, limit - 1).list();
    }

    /** Re-issues the directive of a failed (or stuck) propagation; the adapter applies it again. */
    public Uni<Propagation> retry(UUID directiveId) {
        return Panache.withSession(() -> open(directiveId)).chain(p -> {
            if (p.status == PropagationStatus.AWAITING_MANUAL) {
                throw new ProblemException(409, "Awaiting manual confirmation",
                        "Propagation " + directiveId + " waits for ops to confirm it, not for a retry");
            }
            return ledger.reissue(p).map(x -> {
                p.status = PropagationStatus.PENDING;
                p.detail = "re-issued by ops";
                p.updatedAt = Instant.now();
                return p;
            });
        });
    }

    /** Ops confirm a propagation done by hand (a processor without an API, such as AddApptr). */
    @WithTransaction
    public Uni<Propagation> confirm(UUID directiveId, String note) {
        return open(directiveId).invoke(p -> {
            p.status = PropagationStatus.CONFIRMED;
            p.detail = note == null || note.isBlank() ? "confirmed by ops" : "confirmed by ops: " + note;
            p.updatedAt = Instant.now();
            LOG.infof("Propagation %s to %s confirmed by ops", p.directiveId, p.processor);
        });
    }

    private static Uni<Propagation> open(UUID directiveId) {
        return Propagation.<Propagation>findById(directiveId)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("Propagation " + directiveId))
                .invoke(p -> {
                    if (!p.status.isOpen()) {
                        throw new ProblemException(409, "Propagation closed",
                                "Propagation " + directiveId + " is already " + p.status);
                    }
                });
    }

    private static UUID parse(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
