package no.elekt.consent.outbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.inject.Inject;

import org.apache.avro.specific.SpecificRecordBase;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.mutiny.core.Vertx;
import no.elekt.consent.config.RoleSwitches;
import no.elekt.consent.events.ConsentChanged;
import no.elekt.consent.testinfra.Infra;
import no.elekt.consent.testinfra.KafkaEvents;
import no.elekt.consent.testinfra.TcpProxy;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * A relay leader that is alive but cut off from the database (its network stalls: no reset, no close, the process
 * runs on) is replaced within 30 s, every row is delivered, and each subject's order holds.
 * <p>
 * The two instances are two relays in this process, each with a connection of its own to PostgreSQL (the leader's
 * through a proxy that stalls), sharing the Kafka producer: what is under test is the lock and the session that holds
 * it, which live in PostgreSQL, not in the process. The service's own relay steps aside meanwhile.
 */
@QuarkusTest
@TestIdentity
class LeaderCutOffTest {

    @Inject
    OutboxRelay serviceRelay;
    @Inject
    Vertx vertx;
    @Inject
    Outbox outbox;
    @Inject
    OutboxTopics topics;
    @Inject
    MeterRegistry metrics;
    @Inject
    RoleSwitches roles;
    @Inject
    @Channel("outbox")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
    MutinyEmitter<SpecificRecordBase> emitter;

    @Test
    void aLeaderCutOffFromTheDatabaseIsReplacedWithin30SecondsAndNothingIsLostOrReordered() throws IOException {
        int postgresPort = URI.create(Infra.jdbcUrl().substring("jdbc:".length())).getPort();
        List<String> subjects = List.of("cutoff-" + UUID.randomUUID(), "cutoff-" + UUID.randomUUID(),
                "cutoff-" + UUID.randomUUID());
        serviceRelay.stop(null);
        OutboxRelay first = null;
        OutboxRelay second = null;
        try (TcpProxy proxy = new TcpProxy(freePort(), postgresPort);
                KafkaEvents kafka = KafkaEvents.from("consent.changes.v1")) {
            proxy.restore();
            first = relay("postgresql://127.0.0.1:" + proxy.port() + "/postgres");
            first.start(null);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(first::leading);
            second = relay("postgresql://127.0.0.1:" + postgresPort + "/postgres");
            second.start(null);

            send(subjects, 0, 3);
            for (String subject : subjects) {
                kafka.await("consent.changes.v1", subject, 3);
            }
            assertThat(second.leading()).isFalse();

            proxy.stall();
            Instant cut = Instant.now();
            send(subjects, 3, 6);
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(second::leading);
            System.out.printf("LeaderCutOffTest: the second relay leads %d ms after the first was cut off%n",
                    Duration.between(cut, Instant.now()).toMillis());

            for (String subject : subjects) {
                List<ConsentChanged> events = kafka.await("consent.changes.v1", subject, 6);
                List<Long> firstSeen = new ArrayList<>(new LinkedHashSet<>(
                        events.stream().map(ConsentChanged::getVersion).toList()));
                assertThat(firstSeen).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
            }
            proxy.cut();
        } finally {
            for (OutboxRelay relay : new OutboxRelay[]{ second, first }) {
                if (relay != null) {
                    relay.stop(null);
                }
            }
            serviceRelay.start(null);
        }
    }

    private OutboxRelay relay(String url) {
        return new OutboxRelay(vertx, outbox, topics, emitter, metrics, roles, 500, Duration.ofSeconds(2),
                Duration.ofSeconds(20), Duration.ofSeconds(20), Optional.of(url), Optional.of("postgres"),
                Optional.of("postgres"));
    }

    /** Changes {@code from} to {@code to} (exclusive) of each subject, alternating, round robin over the subjects. */
    static void send(List<String> subjects, int from, int to) {
        for (int i = from; i < to; i++) {
            for (String subject : subjects) {
                given().contentType(ContentType.JSON)
                        .body(Map.of("subjectId", subject, "purpose", "analytics",
                                "decision", i % 2 == 0 ? "WITHDRAWN" : "GRANTED",
                                "occurredAt", Instant.now().toString(), "source", "app-android",
                                "policyVersion", "no-2023-04-27"))
                        .post("/v1/consent-changes").then().statusCode(202);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
