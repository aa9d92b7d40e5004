package no.elekt.consent.identifiers;

import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The only code that reads or writes the {@code subject_key} table: one random AES-256 data key per subject, wrapped
 * by the key ring's active key. Identifiers that leave the database (directives on Kafka, so their dead letters and
 * any backup of a topic) are encrypted with it; the purge after an erasure deletes it, which makes every such copy
 * unreadable at once (crypto-shredding).
 */
@ApplicationScoped
public class SubjectKeys {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final IdentifierVault vault;

    public SubjectKeys(IdentifierVault vault) {
        this.vault = vault;
    }

    /**
     * The data key of each subject, made for those without one; on the connection of the transaction that uses them.
     * Read FOR SHARE, so a purge deleting a key waits until what it sealed is committed.
     */
    public Uni<Map<String, SecretKey>> keysOf(SqlClient client, Collection<String> subjectIds) {
        if (subjectIds.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return existing(client, subjectIds, true).chain(known -> {
            List<String> missing = subjectIds.stream().distinct().filter(s -> !known.containsKey(s)).toList();
            if (missing.isEmpty()) {
                return Uni.createFrom().item(known);
            }
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            List<Tuple> rows = missing.stream().map(s -> {
                byte[] raw = new byte[32];
                RANDOM.nextBytes(raw);
                return Tuple.of(s, vault.activeKey(), Buffer.buffer(vault.encrypt(raw, context(s))), now);
            }).toList();
            // a concurrent transaction may have made one meanwhile: theirs is kept, and read back; the read is sent
            // with the insert (one round trip), and the database runs it after the insert
            Uni<Integer> inserted = client.preparedQuery("""
                    insert into subject_key (subject_id, key_id, wrapped, created_at) values ($1, $2, $3, $4)
                    on conflict (subject_id) do nothing""").executeBatch(rows).map(result -> result.rowCount());
            return Uni.combine().all().unis(inserted, existing(client, missing, true)).asTuple()
                    .map(sent -> {
                        Map<String, SecretKey> made = sent.getItem2();
                        Map<String, SecretKey> all = new HashMap<>(known);
                        all.putAll(made);
                        return all;
                    });
        });
    }

    /** The data keys the subjects still have; a subject whose key was shredded is absent. */
    public Uni<Map<String, SecretKey>> existing(SqlClient client, Collection<String> subjectIds) {
        return subjectIds.isEmpty() ? Uni.createFrom().item(Map.of()) : existing(client, subjectIds, false);
    }

    private Uni<Map<String, SecretKey>> existing(SqlClient client, Collection<String> subjectIds, boolean share) {
        return client.preparedQuery("select subject_id, wrapped from subject_key where subject_id = any($1)"
                + (share ? " for share" : ""))
                .execute(Tuple.of(subjectIds.stream().distinct().toArray(String[]::new)))
                .map(rows -> {
                    Map<String, SecretKey> keys = new HashMap<>();
                    for (Row row : rows) {
                        String subject = row.getString("subject_id");
                        keys.put(subject, new SecretKeySpec(
                                vault.decrypt(row.getBuffer("wrapped").getBytes(), context(subject)), "AES"));
                    }
                    return keys;
                });
    }

    /** Deletes the subject's data key (erasure): every copy encrypted with it becomes unreadable. */
    public Uni<Integer> delete(SqlClient client, String subjectId) {
        return client.preparedQuery("delete from subject_key where subject_id = $1")
                .execute(Tuple.of(subjectId)).map(deleted -> deleted.rowCount());
    }

    /**
     * Re-wraps up to {@code limit} data keys wrapped by another key than the active one, under the active key;
     * answers how many. Row-locked with SKIP LOCKED, so replicas share the work.
     */
    public Uni<Integer> rewrap(SqlClient client, int limit) {
        return client.preparedQuery("""
                select subject_id, wrapped from subject_key where key_id <> $1
                order by subject_id limit $2 for update skip locked""")
                .execute(Tuple.of(vault.activeKey(), limit))
                .chain(rows -> {
                    List<Tuple> rewrapped = new java.util.ArrayList<>();
                    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
                    for (Row row : rows) {
                        String subject = row.getString("subject_id");
                        byte[] raw = vault.decrypt(row.getBuffer("wrapped").getBytes(), context(subject));
                        rewrapped.add(Tuple.of(subject, vault.activeKey(), Buffer.buffer(vault.encrypt(raw,
                                context(subject))), now));
                    }
                    return rewrapped.isEmpty() ? Uni.createFrom().item(0) : client.preparedQuery("""
                            update subject_key set key_id = $2, wrapped = $3, rewrapped_at = $4
                            where subject_id = $1""").executeBatch(rewrapped).replaceWith(rewrapped.size());
                });
    }

    /** Data keys still wrapped by a key other than the active one: what a rotation has left to do. */
    public Uni<Long> notUnderActiveKey(SqlClient client) {
        return client.preparedQuery("select count(*) from subject_key where key_id <> $1")
                .execute(Tuple.of(vault.activeKey())).map(rows -> rows.iterator().next().getLong(0));
    }

    /** Where a wrapped key belongs: it unwraps only as this subject's. */
    static String context(String subjectId) {
        return "subject_key|" + subjectId;
    }
}
