package no.elekt.consent.audit;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** The only code that reads or writes the {@code ops_audit} table. */
@ApplicationScoped
class OpsAuditRepository {

    Uni<Void> insert(SqlClient client, Instant at, String principal, OpsAction action, String target, String note) {
        return client.preparedQuery("""
                insert into ops_audit (at, principal, action, target, note) values ($1, $2, $3, $4, $5)""")
                .execute(Tuple.of(OffsetDateTime.ofInstant(at, ZoneOffset.UTC), principal, action.name(), target, note))
                .replaceWithVoid();
    }

    /** Newest first, those before the cursor (an audit id) if one is given. */
    Uni<List<AuditEntry>> page(SqlClient client, Long before, int limit) {
        return client.preparedQuery("""
                select * from ops_audit where ($1::bigint is null or audit_id < $1) order by audit_id desc limit $2""")
                .execute(Tuple.of(before, limit))
                .map(rows -> {
                    List<AuditEntry> entries = new ArrayList<>();
                    rows.forEach(row -> entries.add(of(row)));
                    return entries;
                });
    }

    private static AuditEntry of(Row row) {
        return new AuditEntry(row.getLong("audit_id"), row.getOffsetDateTime("at").toInstant(),
                row.getString("principal"), OpsAction.valueOf(row.getString("action")), row.getString("target"),
                row.getString("note"));
    }
}
