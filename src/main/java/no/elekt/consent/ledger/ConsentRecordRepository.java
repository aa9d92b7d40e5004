package no.elekt.consent.ledger;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.Decision;

/** The only code that reads or writes the {@code consent_record} table (append-only: a trigger refuses the rest). */
@ApplicationScoped
public class ConsentRecordRepository {

    /** The records in one statement (a batch: each row bound and run in turn, one answer for all). */
    Uni<Void> insertAll(SqlClient client, List<ConsentRecord> records) {
        return client.preparedQuery("""
                insert into consent_record (change_id, subject_id, purpose, kind, decision, version, occurred_at,
                    recorded_at, source, policy_version, request_id, in_force)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""")
                .executeBatch(records.stream().map(r -> Tuple.from(Arrays.asList(r.changeId(), r.subjectId(),
                        r.purpose(), r.kind().name(), r.decision() == null ? null : r.decision().name(), r.version(),
                        utc(r.occurredAt()), utc(r.recordedAt()), r.source(), r.policyVersion(), r.requestId(),
                        r.inForce()))).toList())
                .replaceWithVoid();
    }

    /**
     * Where one change's writes begin inside a transaction recording several ({@link GroupCommit}); the ledger row is
     * the change's, so its owner says where the change starts and how it is undone alone.
     */
    Uni<Void> savepoint(SqlClient client) {
        return client.query("savepoint change").execute().replaceWithVoid();
    }

    /** Undoes the writes of the change since its {@link #savepoint}; the transaction goes on. */
    Uni<Void> rollbackToSavepoint(SqlClient client) {
        return client.query("rollback to savepoint change").execute().replaceWithVoid();
    }

    Uni<ConsentRecord> find(SqlClient client, UUID changeId) {
        return client.preparedQuery("select * from consent_record where change_id = $1")
                .execute(Tuple.of(changeId))
                .map(rows -> rows.size() == 0 ? null : of(rows.iterator().next()));
    }

    /**
     * A page of the subject's ledger in the order it was recorded, after the cursor (from the start if null); the
     * order key is the index consent_record_subject_page, so a page costs the same at the end of a long ledger.
     */
    Uni<List<ConsentRecord>> page(SqlClient client, String subjectId, LedgerCursor after, int limit) {
        Uni<io.vertx.mutiny.sqlclient.RowSet<Row>> rows = after == null
                ? client.preparedQuery("""
                        select * from consent_record where subject_id = $1
                        order by recorded_at, purpose, version limit $2""")
                        .execute(Tuple.of(subjectId, limit))
                : client.preparedQuery("""
                        select * from consent_record where subject_id = $1
                          and (recorded_at, purpose, version) > ($2, $3, $4)
                        order by recorded_at, purpose, version limit $5""")
                        .execute(Tuple.of(subjectId, utc(after.recordedAt()), after.purpose(), after.version(), limit));
        return rows.map(result -> {
            List<ConsentRecord> records = new ArrayList<>();
            result.forEach(row -> records.add(of(row)));
            return records;
        });
    }

    /** Changes accepted in one time bucket. */
    public record Accepted(Instant bucket, long changes) {
    }

    /** Per bucket of the given seconds since the given instant: how many changes were accepted. */
    public Uni<List<Accepted>> acceptedPerBucket(SqlClient client, Instant since, int bucketSeconds) {
        return client.preparedQuery("""
                select to_timestamp(floor(extract(epoch from recorded_at) / $2) * $2), count(*)
                from consent_record where recorded_at >= $1 group by 1 order by 1""")
                .execute(Tuple.of(utc(since), bucketSeconds))
                .map(rows -> {
                    List<Accepted> buckets = new ArrayList<>();
                    rows.forEach(row -> buckets.add(new Accepted(row.getOffsetDateTime(0).toInstant(),
                            row.getLong(1))));
                    return buckets;
                });
    }

    /** Whether the subject was erased by a request of after the given instant. */
    Uni<Boolean> erasedAfter(SqlClient client, String subjectId, Instant occurredAt) {
        return client.preparedQuery("""
                select exists (select 1 from consent_record
                               where subject_id = $1 and kind = 'ERASURE' and occurred_at > $2)""")
                .execute(Tuple.of(subjectId, utc(occurredAt)))
                .map(rows -> rows.iterator().next().getBoolean(0));
    }

    private static ConsentRecord of(Row row) {
        return new ConsentRecord(row.getUUID("change_id"), row.getString("subject_id"), row.getString("purpose"),
                ChangeKind.valueOf(row.getString("kind")),
                row.getString("decision") == null ? null : Decision.valueOf(row.getString("decision")),
                row.getLong("version"), row.getOffsetDateTime("occurred_at").toInstant(),
                row.getOffsetDateTime("recorded_at").toInstant(), row.getString("source"),
                row.getString("policy_version"), row.getUUID("request_id"), row.getBoolean("in_force"));
    }

    static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
