package no.elekt.consent.backfill;

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
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import no.elekt.consent.events.Decision;

/** The only code that reads or writes the {@code backfill} table. Pass a transaction's connection or the pool. */
@ApplicationScoped
public class BackfillRepository {

    Uni<Void> insert(SqlClient client, Backfill b) {
        return client.preparedQuery("""
                insert into backfill (backfill_id, processor, purposes, decision, status, rate, total, issued,
                    cursor_subject, cursor_purpose, requested_by, created_at, updated_at)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)""")
                .execute(Tuple.from(Arrays.asList(b.backfillId(), b.processor(), String.join(",", b.purposes()),
                        b.decision() == null ? null : b.decision().name(), b.status().name(), b.rate(), b.total(),
                        b.issued(), b.cursorSubject(), b.cursorPurpose(), b.requestedBy(), utc(b.createdAt()),
                        utc(b.updatedAt()))))
                .replaceWithVoid();
    }

    Uni<Backfill> find(SqlClient client, UUID backfillId) {
        return client.preparedQuery("select * from backfill where backfill_id = $1")
                .execute(Tuple.of(backfillId)).map(rows -> first(rows));
    }

    /** The newest first. */
    Uni<List<Backfill>> list(SqlClient client, int limit) {
        return client.preparedQuery("select * from backfill order by created_at desc limit $1")
                .execute(Tuple.of(limit)).map(BackfillRepository::all);
    }

    /** Directives still to issue by the running backfills, by processor. */
    Uni<java.util.Map<String, Long>> remainingByProcessor(SqlClient client) {
        return client.preparedQuery("""
                select processor, sum(greatest(total - issued, 0))::bigint from backfill where status = 'RUNNING'
                group by processor""")
                .execute().map(rows -> {
                    java.util.Map<String, Long> remaining = new java.util.HashMap<>();
                    rows.forEach(row -> remaining.put(row.getString(0), row.getLong(1)));
                    return remaining;
                });
    }

    Uni<List<UUID>> running(SqlClient client) {
        return client.preparedQuery("select backfill_id from backfill where status = 'RUNNING' order by created_at")
                .execute().map(rows -> {
                    List<UUID> ids = new ArrayList<>();
                    rows.forEach(row -> ids.add(row.getUUID(0)));
                    return ids;
                });
    }

    /**
     * Locks a running backfill for the caller's transaction; null if it is not running, or if another replica is
     * issuing its next page right now (skip locked: replicas share the work, never issue a page twice).
     */
    Uni<Backfill> lockRunning(SqlClient client, UUID backfillId) {
        return client.preparedQuery("""
                select * from backfill where backfill_id = $1 and status = 'RUNNING' for update skip locked""")
                .execute(Tuple.of(backfillId)).map(rows -> first(rows));
    }

    /** After a page: where it is now, and how many it has issued. */
    Uni<Void> advance(SqlClient client, UUID backfillId, String cursorSubject, String cursorPurpose, int issued) {
        return client.preparedQuery("""
                update backfill set cursor_subject = $2, cursor_purpose = $3, issued = issued + $4, updated_at = now()
                where backfill_id = $1 and status = 'RUNNING'""")
                .execute(Tuple.of(backfillId, cursorSubject, cursorPurpose, issued)).replaceWithVoid();
    }

    /** Ends a running backfill; false if it was not running. */
    Uni<Boolean> end(SqlClient client, UUID backfillId, Backfill.Status status) {
        return client.preparedQuery("""
                update backfill set status = $2, finished_at = now(), updated_at = now()
                where backfill_id = $1 and status = 'RUNNING'""")
                .execute(Tuple.of(backfillId, status.name())).map(updated -> updated.rowCount() == 1);
    }

    private static Backfill first(RowSet<Row> rows) {
        return rows.size() == 0 ? null : of(rows.iterator().next());
    }

    private static List<Backfill> all(RowSet<Row> rows) {
        List<Backfill> list = new ArrayList<>();
        rows.forEach(row -> list.add(of(row)));
        return list;
    }

    private static Backfill of(Row row) {
        OffsetDateTime finished = row.getOffsetDateTime("finished_at");
        return new Backfill(row.getUUID("backfill_id"), row.getString("processor"),
                List.of(row.getString("purposes").split(",")),
                row.getString("decision") == null ? null : Decision.valueOf(row.getString("decision")),
                Backfill.Status.valueOf(row.getString("status")), row.getDouble("rate"), row.getLong("total"),
                row.getLong("issued"), row.getString("cursor_subject"), row.getString("cursor_purpose"),
                row.getString("requested_by"), row.getOffsetDateTime("created_at").toInstant(),
                row.getOffsetDateTime("updated_at").toInstant(), finished == null ? null : finished.toInstant());
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
