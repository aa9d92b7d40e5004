package no.elekt.consent.testinfra;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.flywaydb.core.Flyway;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgBuilder;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL with the service's migrations applied, and a reactive pool on it, for component tests of one
 * repository without Quarkus, Kafka or the registry. Started once per test JVM, in about 3 s.
 */
public final class ComponentDatabase {

    private static Pool pool;

    private ComponentDatabase() {
    }

    public static synchronized Pool pool() {
        if (pool == null) {
            try {
                EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
                Flyway.configure().dataSource(postgres.getJdbcUrl("postgres", "postgres"), "postgres", "postgres")
                        .locations("classpath:db/migration").load().migrate();
                Vertx vertx = Vertx.vertx();
                pool = PgBuilder.pool().connectingTo(new PgConnectOptions().setPort(postgres.getPort())
                        .setHost("127.0.0.1").setDatabase("postgres").setUser("postgres").setPassword("postgres"))
                        .using(vertx).build();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        vertx.closeAndAwait();
                        postgres.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, "component-database-stop"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return pool;
    }
}
