package no.elekt.consent.drift;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The only code that reads or writes {@code adapter_drift}: an adapter's reconciliation records and ends drift here,
 * ops list it and have directives re-issued for it. One open row per processor, subject and purpose; an ended one
 * keeps {@code resolved_at} for the record.
 */
@ApplicationScoped
public class DriftRepository {

    /** Records drift found now; a drift that had ended opens again with a new detection time. */
    public Uni<Void> record(SqlClient client, List<Drift.Found> found, OffsetDateTime now) {
        if (found.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return client.preparedQuery("""
                insert into adapter_drift as d (processor, subject_id, purpose, applied_version, applied_action,
                    expected, found, detected_at, last_seen_at)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $8)
                on conflict (processor, subject_id, purpose) do update
                set applied_version = excluded.applied_version, applied_action = excluded.applied_action,
                    expected = excluded.expected, found = excluded.found, last_seen_at = excluded.last_seen_at,
                    detected_at = case when d.resolved_at is null then d.detected_at else excluded.detected_at end,
                    resolved_at = null""")
                .executeBatch(found.stream().map(f -> Tuple.from(List.of(f.processor(), f.subjectId(), f.purpose(),
                        f.appliedVersion(), f.appliedAction(), f.expected(), f.found(), now))).toList())
                .replaceWithVoid();
    }

    /** A subject and purpose found as applied: its open drift, if any, ends now. */
    public record Agreeing(String processor, String subjectId, String purpose) {
    }

    public Uni<Void> resolve(SqlClient client, List<Agreeing> agreeing, OffsetDateTime now) {
        if (agreeing.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return client.preparedQuery("""
                update adapter_drift set resolved_at = $4
                where processor = $1 and subject_id = $2 and purpose = $3 and resolved_at is null""")
                .executeBatch(agreeing.stream().map(a -> Tuple.of(a.processor(), a.subjectId(), a.purpose(), now))
                        .toList())
                .replaceWithVoid();
    }

    /** Open drift a run started at {@code started} did not see again (e.g. the subject was purged) ends. */
    public Uni<Integer> resolveNotSeenSince(SqlClient client, String processor, OffsetDateTime started) {
        return client.preparedQuery("""
                update adapter_drift set resolved_at = now()
                where processor = $1 and resolved_at is null and last_seen_at < $2""")
                .execute(Tuple.of(processor, started)).map(rows -> rows.rowCount());
    }

    public Uni<Long> countOpen(SqlClient client, String processor) {
        return client.preparedQuery("select count(*) from adapter_drift where processor = $1 and resolved_at is null")
                .execute(Tuple.of(processor)).map(rows -> rows.iterator().next().getLong(0));
    }

    /** Open drift at a processor after a cursor (subject id, purpose), in that order. */
    public Uni<List<Drift>> openAfter(SqlClient client, String processor, String afterSubject, String afterPurpose,
            int limit) {
        return client.preparedQuery("""
                select * from adapter_drift
                where processor = $1 and resolved_at is null and (subject_id, purpose) > ($2, $3)
                order by subject_id, purpose limit $4""")
                .execute(Tuple.of(processor, afterSubject, afterPurpose, limit))
                .map(rows -> {
                    List<Drift> page = new ArrayList<>();
                    for (Row row : rows) {
                        page.add(new Drift(row.getString("processor"), row.getString("subject_id"),
                                row.getString("purpose"), row.getLong("applied_version"),
                                row.getString("applied_action"), row.getString("expected"), row.getString("found"),
                                row.getOffsetDateTime("detected_at").toInstant(),
                                row.getOffsetDateTime("last_seen_at").toInstant()));
                    }
                    return page;
                });
    }
}
