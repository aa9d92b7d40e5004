package no.elekt.consent.propagation;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;

/**
 * The only code that reads or writes the {@code propagation} table. Every update names the status it expects to
 * change, so a closed propagation stays closed whoever writes. Pass a transaction's connection or the pool.
 */
@ApplicationScoped
public class PropagationRepository {

    static final String REISSUED = "re-issued by ops";

    /** A receipt's effect on one propagation. */
    record ReceiptUpdate(UUID directiveId, PropagationStatus status, int attempts, String detail, Proof proof) {

        ReceiptUpdate(UUID directiveId, PropagationStatus status, int attempts, String detail) {
            this(directiveId, status, attempts, detail, Proof.NONE);
        }
    }

    /** A propagation whose state a statement changed. */
    record Changed(UUID directiveId, String processor, String subjectId, PropagationStatus status) {
    }

    /** Open work at one processor. */
    record OpenWork(String processor, long open, long overdue) {
    }

    public Uni<Void> insertAll(SqlClient client, List<Propagation> propagations) {
        if (propagations.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return client.preparedQuery("""
                insert into propagation (directive_id, change_id, subject_id, processor, action, status, deadline,
                    created_at, updated_at, attempts, purpose, version, kind, issued_at, request_id)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)""")
                .executeBatch(propagations.stream().map(p -> Tuple.from(Arrays.asList(p.directiveId(), p.changeId(),
                        p.subjectId(), p.processor(), p.action().name(), p.status().name(), utc(p.deadline()),
                        utc(p.createdAt()), utc(p.updatedAt()), p.attempts(), p.purpose(), p.version(),
                        p.kind().name(), utc(p.issuedAt()), p.requestId()))).toList())
                .replaceWithVoid();
    }

    /** The propagations of one page of a backfill, marked as its own so its progress can be read. */
    public Uni<Void> insertForBackfill(SqlClient client, UUID backfillId, List<Propagation> propagations) {
        if (propagations.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return client.preparedQuery("""
                insert into propagation (directive_id, change_id, subject_id, processor, action, status, deadline,
                    created_at, updated_at, attempts, purpose, version, kind, issued_at, request_id, backfill_id)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)""")
                .executeBatch(propagations.stream().map(p -> Tuple.from(Arrays.asList(p.directiveId(), p.changeId(),
                        p.subjectId(), p.processor(), p.action().name(), p.status().name(), utc(p.deadline()),
                        utc(p.createdAt()), utc(p.updatedAt()), p.attempts(), p.purpose(), p.version(),
                        p.kind().name(), utc(p.issuedAt()), p.requestId(), backfillId))).toList())
                .replaceWithVoid();
    }

    /** How a backfill's propagations stand: how many are closed and how many FAILED. */
    public record BackfillProgress(long closed, long failed, long unanswered) {
    }

    public Uni<BackfillProgress> progressOfBackfill(SqlClient client, UUID backfillId) {
        return client.preparedQuery("""
                select count(*) filter (where not (status = any($2))), count(*) filter (where status = 'FAILED'),
                    count(*) filter (where status = 'PENDING')
                from propagation where backfill_id = $1""")
                .execute(Tuple.of(backfillId, PropagationStatus.openNames()))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new BackfillProgress(row.getLong(0), row.getLong(1), row.getLong(2));
                });
    }

    /** A backfill's directives issued and not yet answered by the processor's adapter (PENDING). */
    public Uni<Long> pendingOfBackfill(SqlClient client, UUID backfillId) {
        return client.preparedQuery("select count(*) from propagation where backfill_id = $1 and status = 'PENDING'")
                .execute(Tuple.of(backfillId)).map(rows -> rows.iterator().next().getLong(0));
    }

    public Uni<Propagation> find(SqlClient client, UUID directiveId) {
        return client.preparedQuery("select * from propagation where directive_id = $1")
                .execute(Tuple.of(directiveId))
                .map(rows -> rows.size() == 0 ? null : of(rows.iterator().next()));
    }

    public Uni<List<Propagation>> ofChange(SqlClient client, UUID changeId) {
        return client.preparedQuery("select * from propagation where change_id = $1 order by processor")
                .execute(Tuple.of(changeId)).map(PropagationRepository::all);
    }

    public Uni<List<Propagation>> ofRequest(SqlClient client, UUID requestId) {
        return client.preparedQuery("select * from propagation where request_id = $1")
                .execute(Tuple.of(requestId)).map(PropagationRepository::all);
    }

    /** Of the given rights requests, those with some propagation still open. */
    public Uni<Set<UUID>> requestsWithOpenWork(SqlClient client, Set<UUID> requestIds) {
        if (requestIds.isEmpty()) {
            return Uni.createFrom().item(Set.of());
        }
        return client.preparedQuery("""
                select distinct request_id from propagation where request_id = any($1) and status = any($2)""")
                .execute(Tuple.of(requestIds.toArray(UUID[]::new), PropagationStatus.openNames()))
                .map(PropagationRepository::requestIds);
    }

    /** Every rights request with some propagation still open. */
    public Uni<Set<UUID>> requestsWithOpenWork(SqlClient client) {
        return client.preparedQuery("""
                select distinct request_id from propagation where request_id is not null and status = any($1)""")
                .execute(Tuple.of((Object) PropagationStatus.openNames()))
                .map(PropagationRepository::requestIds);
    }

    /**
     * For ops: by status, processor and overdue flag, earliest deadline first (then by directive id, so pages are
     * stable), after the position of the last row of the page before (null: from the start).
     */
    Uni<List<Propagation>> list(SqlClient client, PropagationStatus status, String processor, boolean overdueOnly,
            Instant afterDeadline, UUID afterDirective, int limit) {
        return client.preparedQuery("""
                select * from propagation
                where ($1::varchar is null or status = $1) and ($2::varchar is null or processor = $2)
                  and (not $3 or (deadline < $4 and status = any($5)))
                  and ($6::timestamptz is null or (deadline, directive_id) > ($6, $7))
                order by deadline, directive_id limit $8""")
                .execute(Tuple.from(Arrays.asList(status == null ? null : status.name(), processor, overdueOnly,
                        utc(Instant.now()), PropagationStatus.openNames(),
                        afterDeadline == null ? null : utc(afterDeadline), afterDirective, limit)))
                .map(PropagationRepository::all);
    }

    /** Whose a propagation is and what it orders: a receipt must come from that processor. */
    record Target(String processor, DirectiveAction action) {
    }

    /** The target of each of these directives that has a propagation. */
    Uni<Map<UUID, Target>> targets(SqlClient client, Set<UUID> directiveIds) {
        return client
                .preparedQuery("select directive_id, processor, action from propagation where directive_id = any($1)")
                .execute(Tuple.of(directiveIds.toArray(UUID[]::new)))
                .map(rows -> {
                    Map<UUID, Target> targets = new HashMap<>();
                    rows.forEach(row -> targets.put(row.getUUID(0),
                            new Target(row.getString(1), DirectiveAction.valueOf(row.getString(2)))));
                    return targets;
                });
    }

    /** Applies receipts to the propagations still open; answers those it changed. */
    Uni<List<Changed>> applyReceipts(SqlClient client, List<ReceiptUpdate> updates) {
        OffsetDateTime now = utc(Instant.now());
        String[] open = PropagationStatus.openNames();
        return client.preparedQuery("""
                update propagation
                set status = $2, attempts = greatest(attempts, $3), detail = left(nullif($4, ''), 512), updated_at = $5,
                    verification = $7, verification_note = left($8, 512), evidence = $9::jsonb
                where directive_id = $1 and status = any($6)
                returning directive_id, processor, subject_id, status""")
                .executeBatch(updates.stream().map(u -> Tuple.from(Arrays.asList(u.directiveId(), u.status().name(),
                        u.attempts(), u.detail() == null ? "" : u.detail(), now, open, verification(u.proof()),
                        u.proof().note(), evidenceJson(u.proof())))).toList())
                .map(updated -> {
                    List<Changed> changed = new ArrayList<>();
                    for (RowSet<Row> rows = updated; rows != null; rows = rows.next()) {
                        rows.forEach(row -> changed.add(new Changed(row.getUUID("directive_id"),
                                row.getString("processor"), row.getString("subject_id"),
                                PropagationStatus.valueOf(row.getString("status")))));
                    }
                    return changed;
                });
    }

    /** PENDING again, for a re-issue, only if it is still in the status ops saw; false if it changed meanwhile. */
    Uni<Boolean> reopen(SqlClient client, UUID directiveId, PropagationStatus seen, Instant now) {
        return client.preparedQuery("""
                update propagation set status = 'PENDING', detail = $4, updated_at = $2,
                    verification = null, verification_note = null, evidence = null
                where directive_id = $1 and status = $3""")
                .execute(Tuple.of(directiveId, utc(now), seen.name(), REISSUED))
                .map(updated -> updated.rowCount() == 1);
    }

    /** CONFIRMED by ops, only if it awaits manual confirmation; null if it does not. */
    Uni<Propagation> confirm(SqlClient client, UUID directiveId, String detail) {
        return client.preparedQuery("""
                update propagation set status = 'CONFIRMED', detail = $2, updated_at = $3,
                    verification = $4, verification_note = $5, evidence = null
                where directive_id = $1 and status = 'AWAITING_MANUAL'
                returning *""")
                .execute(Tuple.from(Arrays.asList(directiveId, detail, utc(Instant.now()),
                        verification(Proof.BY_HAND), Proof.BY_HAND.note())))
                .map(rows -> rows.size() == 0 ? null : of(rows.iterator().next()));
    }

    /** Open and overdue propagations per processor. */
    Uni<List<OpenWork>> openWork(SqlClient client) {
        return client.preparedQuery("""
                select processor, count(*), count(*) filter (where deadline < now())
                from propagation where status = any($1) group by processor""")
                .execute(Tuple.of((Object) PropagationStatus.openNames()))
                .map(rows -> {
                    List<OpenWork> work = new ArrayList<>();
                    rows.forEach(row -> work.add(new OpenWork(row.getString(0), row.getLong(1), row.getLong(2))));
                    return work;
                });
    }

    /** Marks the open propagations past their deadline not reported yet as reported; answers them. */
    Uni<List<Changed>> reportOverdue(SqlClient client) {
        return client.preparedQuery("""
                update propagation set overdue_reported_at = now()
                where overdue_reported_at is null and deadline < now() and status = any($1)
                returning directive_id, processor, subject_id, status""")
                .execute(Tuple.of((Object) PropagationStatus.openNames()))
                .map(rows -> {
                    List<Changed> reported = new ArrayList<>();
                    rows.forEach(row -> reported.add(new Changed(row.getUUID(0), row.getString(1), row.getString(2),
                            PropagationStatus.valueOf(row.getString(3)))));
                    return reported;
                });
    }

    /** Every propagation of a subject, oldest first, each with its proof of effect. */
    public Uni<List<Propagation>> ofSubject(SqlClient client, String subjectId) {
        return client.preparedQuery("select * from propagation where subject_id = $1 order by created_at, processor")
                .execute(Tuple.of(subjectId)).map(PropagationRepository::all);
    }

    /** Open propagations of one processor in one status, and how many of them are past their deadline. */
    public record OpenCount(String processor, PropagationStatus status, long count, long overdue) {
    }

    public Uni<List<OpenCount>> openByProcessorAndStatus(SqlClient client) {
        return client.preparedQuery("""
                select processor, status, count(*), count(*) filter (where deadline < now())
                from propagation where status = any($1) group by processor, status""")
                .execute(Tuple.of((Object) PropagationStatus.openNames()))
                .map(rows -> {
                    List<OpenCount> counts = new ArrayList<>();
                    rows.forEach(row -> counts.add(new OpenCount(row.getString(0),
                            PropagationStatus.valueOf(row.getString(1)), row.getLong(2), row.getLong(3))));
                    return counts;
                });
    }

    /** Propagations closed in one time bucket, and their time from the accepted change to the close. */
    public record Latency(Instant bucket, long closed, double p50Seconds, double p95Seconds) {
    }

    /** Per bucket of the given seconds since the given instant: closures and their latency percentiles. */
    public Uni<List<Latency>> latency(SqlClient client, Instant since, int bucketSeconds) {
        return client.preparedQuery("""
                select to_timestamp(floor(extract(epoch from updated_at) / $2) * $2) as bucket, count(*),
                    percentile_cont(0.5) within group (order by extract(epoch from updated_at - created_at)),
                    percentile_cont(0.95) within group (order by extract(epoch from updated_at - created_at))
                from propagation where updated_at >= $1 and status in ('CONFIRMED', 'NOT_APPLICABLE')
                group by 1 order by 1""")
                .execute(Tuple.of(utc(since), bucketSeconds))
                .map(rows -> {
                    List<Latency> buckets = new ArrayList<>();
                    rows.forEach(row -> buckets.add(new Latency(instant(row, "bucket"), row.getLong(1),
                            row.getDouble(2), row.getDouble(3))));
                    return buckets;
                });
    }

    private static List<Propagation> all(RowSet<Row> rows) {
        List<Propagation> all = new ArrayList<>();
        rows.forEach(row -> all.add(of(row)));
        return all;
    }

    private static Set<UUID> requestIds(RowSet<Row> rows) {
        Set<UUID> ids = new HashSet<>();
        rows.forEach(row -> ids.add(row.getUUID(0)));
        return ids;
    }

    private static Propagation of(Row row) {
        return new Propagation(row.getUUID("directive_id"), row.getUUID("change_id"), row.getString("subject_id"),
                row.getString("processor"), DirectiveAction.valueOf(row.getString("action")),
                PropagationStatus.valueOf(row.getString("status")), instant(row, "deadline"),
                instant(row, "created_at"), instant(row, "updated_at"), row.getInteger("attempts"),
                row.getString("detail"), row.getString("purpose"), row.getLong("version"),
                ChangeKind.valueOf(row.getString("kind")), instant(row, "issued_at"), row.getUUID("request_id"),
                proof(row));
    }

    private static String verification(Proof proof) {
        return proof.verification() == null ? null : proof.verification().name();
    }

    /** A JsonArray, not its text: the client sends a String to a jsonb parameter as one JSON string. */
    private static JsonArray evidenceJson(Proof proof) {
        if (proof.evidence().isEmpty()) {
            return null;
        }
        JsonArray array = new JsonArray();
        proof.evidence().forEach(c -> array.add(new JsonObject().put("check", c.check())
                .put("checkedAt", c.checkedAt().toString()).put("answer", c.answer())));
        return array;
    }

    private static Proof proof(Row row) {
        String verification = row.getString("verification");
        Object evidence = row.getValue("evidence");
        List<Proof.Check> checks = new ArrayList<>();
        if (evidence instanceof JsonArray array) {
            for (int i = 0; i < array.size(); i++) {
                JsonObject c = array.getJsonObject(i);
                checks.add(new Proof.Check(c.getString("check"), Instant.parse(c.getString("checkedAt")),
                        c.getString("answer")));
            }
        }
        return verification == null && checks.isEmpty() ? Proof.NONE
                : new Proof(verification == null ? null : Proof.Verification.valueOf(verification),
                        row.getString("verification_note"), List.copyOf(checks));
    }

    private static Instant instant(Row row, String column) {
        return row.getOffsetDateTime(column).toInstant();
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    /**
     * Retention: removes at most {@code limit} propagations of consent changes closed (not in an open status) before
     * the cutoff; answers how many. Open ones are never removed, however old, nor those of a rights request, whose
     * status they make.
     */
    public Uni<Integer> deleteClosedBefore(SqlClient client, Instant cutoff, int limit) {
        return client.preparedQuery("""
                delete from propagation where ctid = any(array(
                    select ctid from propagation
                    where status <> all($1) and updated_at < $2 and request_id is null limit $3))""")
                .execute(Tuple.of(PropagationStatus.openNames(), utc(cutoff), limit))
                .map(rows -> rows.rowCount());
    }
}
