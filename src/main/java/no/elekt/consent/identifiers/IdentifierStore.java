package no.elekt.consent.identifiers;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import no.elekt.consent.problem.InvalidFieldException;

/**
 * The only code that reads or writes the {@code subject_identifier} table: the identifiers processors need for a
 * subject (e-mail, advertising ID, tokens), encrypted at rest. Every value of every type is kept until erasure, with
 * when it was first and last seen: a second phone's token or a changed e-mail address is added, never put in place
 * of the first, so erasure and every later directive reach them all. A change may omit identifiers it sent before.
 */
@ApplicationScoped
public class IdentifierStore {

    /** One value of one identifier type, with when it was first and last seen. */
    public record Value(String value, Instant firstSeenAt, Instant lastSeenAt) {
    }

    private record Stored(long id, String type, Value value) {
    }

    private final IdentifierVault vault;
    private final int maxValuesPerType;

    IdentifierStore(IdentifierVault vault,
            @ConfigProperty(name = "consent.identifiers.max-values-per-type",
                    defaultValue = "20") int maxValuesPerType) {
        this.vault = vault;
        this.maxValuesPerType = maxValuesPerType;
    }

    /**
     * Adds the fresh values (and marks known ones as seen now) if {@code keep} answers true, and answers every value
     * known for the subject with the fresh ones in front, by type, newest first: the values a directive carries. Pass
     * the connection of the change's transaction; {@code keep} is a query on it (the change's erasure check), sent
     * with the subject's lock and the read of its values, so the three take one round trip instead of three (the
     * database runs them in order, so the read is under the lock). A new value beyond the bound per type fails with
     * {@link InvalidFieldException} naming the identifier, so nothing of the change is stored.
     */
    public Uni<Map<String, List<String>>> merge(SqlClient client, String subjectId, Map<String, String> fresh,
            Uni<Boolean> keep) {
        // values are compared decrypted, so concurrent changes of one subject add theirs one after the other
        Uni<Integer> locked = client.preparedQuery("select pg_advisory_xact_lock(hashtextextended($1, 0))")
                .execute(Tuple.of("subject_identifier:" + subjectId)).map(result -> result.rowCount());
        return Uni.combine().all().unis(keep, locked, stored(client, subjectId)).asTuple().chain(sent -> {
            List<Stored> known = sent.getItem3();
            Map<String, List<String>> values = valuesByType(known, fresh);
            return sent.getItem1() ? write(client, subjectId, known, fresh).replaceWith(values)
                    : Uni.createFrom().item(values);
        });
    }

    private Uni<Void> write(SqlClient client, String subjectId, List<Stored> known, Map<String, String> fresh) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        List<Tuple> seen = new ArrayList<>();
        List<Tuple> added = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(fresh).entrySet()) {
            Stored match = known.stream()
                    .filter(s -> s.type().equals(e.getKey()) && s.value().value().equals(e.getValue()))
                    .findFirst().orElse(null);
            if (match != null) {
                seen.add(Tuple.of(match.id(), now));
                continue;
            }
            long ofType = known.stream().filter(s -> s.type().equals(e.getKey())).count();
            if (ofType >= maxValuesPerType) {
                throw new InvalidFieldException("identifiers." + e.getKey(), "the subject already has "
                        + maxValuesPerType + " values of this type, the most kept per subject; send the change "
                        + "without it (the values known are used), or erase the subject's data first");
            }
            added.add(Tuple.of(subjectId, e.getKey(), Buffer.buffer(vault.encryptText(e.getValue(),
                    context(subjectId, e.getKey()))), now, now));
        }
        List<Uni<Void>> writes = new ArrayList<>();
        if (!seen.isEmpty()) {
            writes.add(client.preparedQuery("update subject_identifier set last_seen_at = $2 where id = $1")
                    .executeBatch(seen).replaceWithVoid());
        }
        if (!added.isEmpty()) {
            writes.add(client.preparedQuery("""
                    insert into subject_identifier (subject_id, type, ciphertext, first_seen_at, last_seen_at)
                    values ($1, $2, $3, $4, $5)""").executeBatch(added).replaceWithVoid());
        }
        return Uni.join().all(writes).andFailFast().replaceWithVoid();
    }

    /** Every value known for the subject, decrypted, by type, newest first; through a connection or the pool. */
    public Uni<Map<String, List<String>>> load(SqlClient client, String subjectId) {
        return stored(client, subjectId).map(known -> valuesByType(known, Map.of()));
    }

    /** Every value known for each of the subjects, decrypted, by subject and type, newest first: for a backfill. */
    public Uni<Map<String, Map<String, List<String>>>> loadAll(SqlClient client, List<String> subjectIds) {
        return client.preparedQuery("""
                select subject_id, id, type, ciphertext, first_seen_at, last_seen_at from subject_identifier
                where subject_id = any($1) order by subject_id, last_seen_at desc, id desc""")
                .execute(Tuple.of(subjectIds.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, List<Stored>> bySubject = new HashMap<>();
                    for (Row row : rows) {
                        bySubject.computeIfAbsent(row.getString("subject_id"), s -> new ArrayList<>()).add(stored(row));
                    }
                    Map<String, Map<String, List<String>>> values = new HashMap<>();
                    bySubject.forEach((subject, known) -> values.put(subject, valuesByType(known, Map.of())));
                    return values;
                });
    }

    /** Every value known for the subject with when it was first and last seen, by type: for the export. */
    public Uni<Map<String, List<Value>>> describe(SqlClient client, String subjectId) {
        return stored(client, subjectId).map(known -> {
            Map<String, List<Value>> byType = new TreeMap<>();
            known.forEach(s -> byType.computeIfAbsent(s.type(), t -> new ArrayList<>()).add(s.value()));
            return byType;
        });
    }

    /** Deletes every value held for the subject (erasure); answers how many. */
    public Uni<Integer> deleteAll(SqlClient client, String subjectId) {
        return client.preparedQuery("delete from subject_identifier where subject_id = $1")
                .execute(Tuple.of(subjectId)).map(deleted -> deleted.rowCount());
    }

    private Uni<List<Stored>> stored(SqlClient client, String subjectId) {
        return client.preparedQuery("""
                select subject_id, id, type, ciphertext, first_seen_at, last_seen_at from subject_identifier
                where subject_id = $1 order by last_seen_at desc, id desc""")
                .execute(Tuple.of(subjectId))
                .map(this::decryptAll);
    }

    private List<Stored> decryptAll(RowSet<Row> rows) {
        List<Stored> stored = new ArrayList<>();
        for (Row row : rows) {
            stored.add(stored(row));
        }
        return stored;
    }

    private Stored stored(Row row) {
        String type = row.getString("type");
        return new Stored(row.getLong("id"), type, new Value(
                vault.decryptText(row.getBuffer("ciphertext").getBytes(), context(row.getString("subject_id"), type)),
                row.getOffsetDateTime("first_seen_at").toInstant(),
                row.getOffsetDateTime("last_seen_at").toInstant()));
    }

    /** Where a value belongs: its ciphertext opens only in this row's subject and type. */
    static String context(String subjectId, String type) {
        return "subject_identifier|" + subjectId + "|" + type;
    }

    /** The values by type, newest first: the fresh ones (just seen), then the known ones as last seen. */
    private static Map<String, List<String>> valuesByType(List<Stored> known, Map<String, String> fresh) {
        Map<String, List<String>> byType = new LinkedHashMap<>();
        fresh.forEach((type, value) -> byType.computeIfAbsent(type, t -> new ArrayList<>()).add(value));
        for (Stored s : known) { // already newest first
            List<String> values = byType.computeIfAbsent(s.type(), t -> new ArrayList<>());
            if (!values.contains(s.value().value())) {
                values.add(s.value().value());
            }
        }
        return byType;
    }
}
