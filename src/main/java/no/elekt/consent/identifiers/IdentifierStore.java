package no.elekt.consent.identifiers;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The identifiers processors need for a subject (e-mail, advertising ID, tokens), encrypted at rest.
 * A change may omit identifiers it sent before: the latest value of each type is kept for later directives.
 */
@ApplicationScoped
public class IdentifierStore {

    private final IdentifierVault vault;

    IdentifierStore(IdentifierVault vault) {
        this.vault = vault;
    }

    /**
     * Stores the fresh values and answers every identifier known for the subject. Pass the connection of the
     * change's transaction.
     */
    public Uni<Map<String, String>> merge(SqlClient client, String subjectId, Map<String, String> fresh) {
        return load(client, subjectId).chain(known -> {
            // in type order, so concurrent merges of one subject lock its rows in the same order
            Map<String, String> changed = new TreeMap<>();
            fresh.forEach((type, value) -> {
                if (!value.equals(known.get(type))) {
                    changed.put(type, value);
                }
            });
            known.putAll(fresh);
            if (changed.isEmpty()) {
                return Uni.createFrom().item(known);
            }
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            List<Tuple> rows = changed.entrySet().stream()
                    .map(e -> Tuple.of(subjectId, e.getKey(), Buffer.buffer(vault.encryptText(e.getValue())), now))
                    .toList();
            return client.preparedQuery("""
                    insert into subject_identifier (subject_id, type, ciphertext, updated_at) values ($1, $2, $3, $4)
                    on conflict (subject_id, type) do update
                    set ciphertext = excluded.ciphertext, updated_at = excluded.updated_at""")
                    .executeBatch(rows)
                    .replaceWith(known);
        });
    }

    /** Every identifier known for the subject, decrypted; through a connection or the pool. */
    public Uni<Map<String, String>> load(SqlClient client, String subjectId) {
        return client.preparedQuery("select type, ciphertext from subject_identifier where subject_id = $1")
                .execute(Tuple.of(subjectId))
                .map(this::decryptAll);
    }

    private Map<String, String> decryptAll(RowSet<Row> rows) {
        Map<String, String> identifiers = new HashMap<>();
        for (Row row : rows) {
            identifiers.put(row.getString("type"), vault.decryptText(row.getBuffer("ciphertext").getBytes()));
        }
        return identifiers;
    }
}
