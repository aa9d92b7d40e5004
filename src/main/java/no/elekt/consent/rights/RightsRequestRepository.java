package no.elekt.consent.rights;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** The only code that reads or writes the {@code rights_request} table. */
@ApplicationScoped
public class RightsRequestRepository {

    Uni<Void> insert(SqlClient client, RightsRequest r) {
        return client.preparedQuery("""
                insert into rights_request (request_id, subject_id, type, purposes, received_at, deadline)
                values ($1, $2, $3, $4, $5, $6)""")
                .execute(Tuple.of(r.requestId(), r.subjectId(), r.type().name(), String.join(",", r.purposes()),
                        utc(r.receivedAt()), utc(r.deadline())))
                .replaceWithVoid();
    }

    Uni<RightsRequest> find(SqlClient client, UUID requestId) {
        return client.preparedQuery("select * from rights_request where request_id = $1")
                .execute(Tuple.of(requestId))
                .map(rows -> rows.size() == 0 ? null : of(rows.iterator().next()));
    }

    /** The subject's requests, oldest first. */
    Uni<List<RightsRequest>> ofSubject(SqlClient client, String subjectId) {
        return client.preparedQuery("select * from rights_request where subject_id = $1 order by received_at")
                .execute(Tuple.of(subjectId)).map(RightsRequestRepository::all);
    }

    /** Erasures whose identifiers are not purged yet, oldest first. */
    Uni<List<RightsRequest>> unpurgedErasures(SqlClient client) {
        return client.preparedQuery("""
                select * from rights_request where type = 'ERASURE' and purged_at is null order by received_at""")
                .execute().map(RightsRequestRepository::all);
    }

    /**
     * Locks those of the given erasures still not purged, skipping any another instance holds, so replicas share
     * the work; in the caller's transaction.
     */
    Uni<List<RightsRequest>> lockUnpurged(SqlClient client, List<UUID> requestIds) {
        return client.preparedQuery("""
                select * from rights_request where request_id = any($1) and purged_at is null
                order by received_at for update skip locked""")
                .execute(Tuple.of(requestIds.toArray(UUID[]::new))).map(RightsRequestRepository::all);
    }

    Uni<Void> markPurged(SqlClient client, UUID requestId) {
        return client.preparedQuery("""
                update rights_request set purged_at = now() where request_id = $1 and purged_at is null""")
                .execute(Tuple.of(requestId)).replaceWithVoid();
    }

    /** How many of the given requests are past their deadline. */
    Uni<Long> countPastDeadline(SqlClient client, Set<UUID> requestIds) {
        return client.preparedQuery("""
                select count(*) from rights_request where request_id = any($1) and deadline < now()""")
                .execute(Tuple.of(requestIds.toArray(UUID[]::new)))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /** Marks those of the given requests past their deadline and not reported yet as reported; answers them. */
    Uni<List<RightsRequest>> reportPastDeadline(SqlClient client, Set<UUID> requestIds) {
        return client.preparedQuery("""
                update rights_request set overdue_reported_at = now()
                where request_id = any($1) and deadline < now() and overdue_reported_at is null
                returning *""")
                .execute(Tuple.of(requestIds.toArray(UUID[]::new))).map(RightsRequestRepository::all);
    }

    /** A rights request's deadline, for ops' view of what is due. */
    public record Due(UUID requestId, String subjectId, String type, Instant deadline) {
    }

    /** Of the given requests, each with its deadline, earliest first. */
    public Uni<List<Due>> deadlines(SqlClient client, Set<UUID> requestIds) {
        if (requestIds.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return client.preparedQuery("""
                select request_id, subject_id, type, deadline from rights_request where request_id = any($1)
                order by deadline""")
                .execute(Tuple.of((Object) requestIds.toArray(UUID[]::new)))
                .map(rows -> {
                    List<Due> due = new ArrayList<>();
                    rows.forEach(row -> due.add(new Due(row.getUUID(0), row.getString(1), row.getString(2),
                            row.getOffsetDateTime(3).toInstant())));
                    return due;
                });
    }

    private static List<RightsRequest> all(RowSet<Row> rows) {
        List<RightsRequest> all = new ArrayList<>();
        rows.forEach(row -> all.add(of(row)));
        return all;
    }

    private static RightsRequest of(Row row) {
        String purposes = row.getString("purposes");
        OffsetDateTime purgedAt = row.getOffsetDateTime("purged_at");
        return new RightsRequest(row.getUUID("request_id"), row.getString("subject_id"),
                RequestType.valueOf(row.getString("type")),
                purposes.isEmpty() ? List.of() : Arrays.asList(purposes.split(",")),
                row.getOffsetDateTime("received_at").toInstant(), row.getOffsetDateTime("deadline").toInstant(),
                purgedAt == null ? null : purgedAt.toInstant());
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
