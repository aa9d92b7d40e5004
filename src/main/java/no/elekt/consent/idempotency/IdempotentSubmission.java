package no.elekt.consent.idempotency;

import java.util.UUID;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * A submission under an optional Idempotency-Key, shared by consent changes and rights requests: in one transaction
 * the key is claimed and the resource recorded, so a key stands for exactly one committed resource; a repeated key
 * answers the resource it made, read after the transaction.
 */
@ApplicationScoped
public class IdempotentSubmission {

    /** What a submission answers, and whether it was found under its key rather than made now. */
    public record Submitted<T>(T value, boolean replayed) {
    }

    private final IdempotencyRepository keys;
    private final Pool pool;

    IdempotentSubmission(IdempotencyRepository keys, Pool pool) {
        this.keys = keys;
        this.pool = pool;
    }

    /**
     * @param key null when the caller sent no key
     * @param resourceId the id of the resource this submission makes, if it is new
     * @param record records it on the transaction's connection
     * @param previous reads the resource an earlier submission under the key made
     */
    public <T> Uni<Submitted<T>> submit(IdempotencyKey key, String requestHash, UUID resourceId,
            Function<SqlConnection, Uni<T>> record, Function<UUID, Uni<T>> previous) {
        return pool.withTransaction(connection -> keys.claim(connection, key, requestHash, resourceId)
                .chain(before -> before != null ? Uni.createFrom().item(new Claimed<T>(before, null))
                        : record.apply(connection).map(made -> new Claimed<T>(null, made))))
                .chain(claimed -> claimed.made() != null ? Uni.createFrom().item(new Submitted<>(claimed.made(), false))
                        : previous.apply(claimed.before()).map(found -> new Submitted<>(found, true)));
    }

    /** Inside the transaction: the resource made before under the key, or the one made now. */
    private record Claimed<T>(UUID before, T made) {
    }
}
