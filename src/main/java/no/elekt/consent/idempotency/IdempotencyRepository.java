package no.elekt.consent.idempotency;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import no.elekt.consent.problem.ProblemException;

/** The only code that reads or writes the {@code idempotency_key} table. */
@ApplicationScoped
public class IdempotencyRepository {

    /**
     * Claims the key for the resource this request is about to make, on the connection of the transaction that makes
     * it; answers null if the key is new (the caller goes on), or the resource it made before. The same key with
     * another request is refused (422).
     */
    public Uni<UUID> claim(SqlClient connection, IdempotencyKey key, String requestHash, UUID resourceId) {
        if (key == null) {
            return Uni.createFrom().nullItem();
        }
        return connection.preparedQuery("""
                insert into idempotency_key (caller, endpoint, idempotency_key, request_hash, resource_id, created_at)
                values ($1, $2, $3, $4, $5, $6) on conflict do nothing""")
                .execute(Tuple.of(key.caller(), key.endpoint(), key.key(), requestHash, resourceId,
                        OffsetDateTime.now(ZoneOffset.UTC)))
                .chain(inserted -> inserted.rowCount() == 1 ? Uni.createFrom().<UUID>nullItem()
                        : connection.preparedQuery("""
                                select request_hash, resource_id from idempotency_key
                                where caller = $1 and endpoint = $2 and idempotency_key = $3""")
                                .execute(Tuple.of(key.caller(), key.endpoint(), key.key()))
                                .map(rows -> {
                                    Row row = rows.iterator().next();
                                    if (!row.getString("request_hash").equals(requestHash)) {
                                        throw new ProblemException(422, "Idempotency-Key reused",
                                                "Idempotency-Key was already used with a different request body");
                                    }
                                    return row.getUUID("resource_id");
                                }));
    }

    /**
     * Retention: removes at most {@code limit} keys claimed before the cutoff (a client retries within minutes or
     * hours, not months); answers how many.
     */
    public Uni<Integer> deleteClaimedBefore(SqlClient client, java.time.Instant cutoff, int limit) {
        return client.preparedQuery("""
                delete from idempotency_key where ctid = any(array(
                    select ctid from idempotency_key where created_at < $1 limit $2))""")
                .execute(Tuple.of(OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC), limit))
                .map(rows -> rows.rowCount());
    }
}
