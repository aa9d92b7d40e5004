package no.elekt.consent.keys;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** The only code that reads or writes {@code crypto_key_usage}: encryptions per key, by every instance. */
@ApplicationScoped
public class KeyUsageRepository {

    private final Pool pool;

    KeyUsageRepository(Pool pool) {
        this.pool = pool;
    }

    /** Adds encryptions made, by key id. */
    Uni<Void> add(Map<String, Long> made) {
        if (made.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        List<Tuple> rows = made.entrySet().stream().map(e -> Tuple.of(e.getKey(), e.getValue(), now)).toList();
        return pool.preparedQuery(
                """
                        insert into crypto_key_usage (key_id, encryptions, updated_at) values ($1, $2, $3)
                        on conflict (key_id) do update
                        set encryptions = crypto_key_usage.encryptions + excluded.encryptions, updated_at = excluded.updated_at""")
                .executeBatch(rows).replaceWithVoid();
    }

    /** Encryptions made with each key over its life. */
    Uni<Map<String, Long>> totals() {
        return pool.query("select key_id, encryptions from crypto_key_usage").execute().map(rows -> {
            Map<String, Long> totals = new HashMap<>();
            for (Row row : rows) {
                totals.put(row.getString("key_id"), row.getLong("encryptions"));
            }
            return totals;
        });
    }
}
