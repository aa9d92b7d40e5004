package no.elekt.consent.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgPool;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import no.elekt.consent.events.Decision;
import no.elekt.consent.idempotency.IdempotencyKey;
import no.elekt.consent.idempotency.IdempotencyRepository;
import no.elekt.consent.idempotency.RequestHash;
import no.elekt.consent.policy.DirectivePlanner;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.Infra;
import no.elekt.consent.testinfra.TcpProxy;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * The changes of one transaction share round trips to the database: counted as the chunks a proxy in front of
 * PostgreSQL carries (both ways), a poll of 32 changes of 16 subjects (half with an identifier to merge) takes under a
 * third of what one change after the other took; and each subject's changes still keep their order.
 */
@QuarkusTest
@TestIdentity
class SharedRoundTripsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    Vertx vertx;
    @Inject
    ChangePolicyCheck policyCheck;
    @Inject
    DirectivePlanner planner;
    @Inject
    ChangeRecorder recorder;
    @Inject
    GroupCommit groupCommit;
    @Inject
    IdempotencyRepository keys;
    @Inject
    RequestHash hashes;

    @Test
    void aTransactionsChangesShareRoundTripsAndEachSubjectsKeepItsOrder() throws IOException {
        int postgresPort = URI.create(Infra.jdbcUrl().substring("jdbc:".length())).getPort();
        try (TcpProxy proxy = new TcpProxy(freePort(), postgresPort)) {
            proxy.restore();
            // each chunk carried is counted (5 ms late, so what the client sends meanwhile travels together)
            proxy.slow(Duration.ofMillis(5), Duration.ofMillis(5));
            PgPool pool = PgPool.pool(vertx, new PgConnectOptions().setHost("127.0.0.1").setPort(proxy.port())
                    .setDatabase("postgres").setUser("postgres").setPassword("postgres")
                    .setCachePreparedStatements(true), new PoolOptions().setMaxSize(1));
            try {
                ChangeIntake intake = new ChangeIntake(policyCheck, planner, recorder, groupCommit, keys, hashes,
                        pool);
                // the connection opened and its statements prepared first: what is counted is a transaction's own
                intake.recordAll(poll(intake, "lanes-warm-" + UUID.randomUUID(), 16)).await().atMost(WAIT);

                String run = "lanes-" + UUID.randomUUID();
                List<ChangeIntake.Prepared> changes = poll(intake, run, 16);
                long before = proxy.delayedChunks();
                intake.recordAll(changes).await().atMost(WAIT);
                long chunks = proxy.delayedChunks() - before;
                System.out.printf("SharedRoundTripsTest: %d chunks carried for %d changes%n", chunks, changes.size());

                // one change after the other, each statement waits for the answer to the one before: 498 chunks
                // (15 a change) when this test was written; side by side, several travel in one chunk
                assertThat(chunks).as("chunks carried for %d changes", changes.size())
                        .isLessThan(5L * changes.size());
                for (int s = 0; s < 16; s++) {
                    String subject = run + "-" + s;
                    assertThat(Db.count("select count(*) from consent_record where subject_id = ?", subject))
                            .isEqualTo(2);
                    // the later decision (GRANTED) came second: version 2, in force
                    assertThat(Db.count("select count(*) from consent_state where subject_id = ? and version = 2 "
                            + "and decision = 'GRANTED'", subject)).isEqualTo(1);
                }
                assertThat(Db.count("select count(*) from subject_identifier where subject_id like ?", run + "-%"))
                        .isEqualTo(16);
            } finally {
                pool.closeAndAwait();
            }
        }
    }

    /** Two decisions for each of the subjects, WITHDRAWN (with an e-mail address) then GRANTED, subjects interleaved. */
    private List<ChangeIntake.Prepared> poll(ChangeIntake intake, String run, int subjects) {
        Instant occurred = Instant.now().minus(Duration.ofMinutes(5));
        List<ChangeIntake.Prepared> changes = new ArrayList<>();
        for (Decision decision : List.of(Decision.WITHDRAWN, Decision.GRANTED)) {
            for (int s = 0; s < subjects; s++) {
                String subject = run + "-" + s;
                Map<String, String> identifiers = decision == Decision.WITHDRAWN
                        ? Map.of("email", subject + "@example.no")
                        : null;
                ConsentChangeRequest request = new ConsentChangeRequest(subject, "marketing", decision,
                        decision == Decision.WITHDRAWN ? occurred : occurred.plusSeconds(1), "web", "no-2023-04-27",
                        identifiers);
                changes.add(intake.prepare(request, IdempotencyKey.of("test-backend", ConsentChangeResource.ENDPOINT,
                        UUID.randomUUID().toString())));
            }
        }
        return changes;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
