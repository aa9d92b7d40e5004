package no.elekt.consent.propagation;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import no.elekt.consent.events.ConsentChangeRequested;
import no.elekt.consent.testinfra.Infra;
import no.elekt.consent.testinfra.KafkaPublisher;
import no.elekt.consent.testinfra.TestIdentity;

/** Ops replay a dead letter once its cause is fixed; it goes back to the topic it came from and is processed. */
@QuarkusTest
@TestIdentity
class DeadLetterReplayTest {

    @Test
    void replayedDeadLetterGoesBackToItsTopicAndIsProcessed() {
        String subject = "subject-" + UUID.randomUUID();
        ConsentChangeRequested request = ConsentChangeRequested.newBuilder()
                .setIdempotencyKey(UUID.randomUUID().toString())
                .setSubjectId(subject).setPurpose("marketing").setDecision("WITHDRAWN")
                .setOccurredAt(Instant.now()).setSource("backend-eu").build();
        try (KafkaPublisher publisher = new KafkaPublisher()) {
            // as the consumer dead-letters a record, e.g. after a transient fault that ops have since fixed
            publisher.send("consent.change-requests.app.v1.dlq", subject, request, Map.of(
                    "dead-letter-topic", "consent.change-requests.app.v1",
                    "dead-letter-reason", "simulated fault"));
        }

        given().post("/v1/ops/dead-letters/replay?topic=consent.change-requests.app.v1.dlq")
                .then().statusCode(200)
                .body("replayed", greaterThanOrEqualTo(1))
                .body("target", equalTo("consent.change-requests.app.v1"))
                // dead letters of other tests may come back to the DLQ meanwhile: only the shape is certain here
                .body("remaining", greaterThanOrEqualTo(0))
                .body("more", notNullValue());
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/v1/subjects/" + subject + "/history").then().body("", hasSize(1))
                        .body("[0].purpose", equalTo("marketing")));

        // replaying again leaves the ledger as it is
        given().post("/v1/ops/dead-letters/replay?topic=consent.change-requests.app.v1.dlq").then().statusCode(200);
        given().get("/v1/subjects/" + subject + "/history").then().body("", hasSize(1));
    }

    /** A header is data from whoever wrote the record: it never chooses the topic a replay writes to. */
    @Test
    void aDeadLetterWhoseHeaderNamesAnotherTopicGoesBackToItsDlqsSourceOnly() {
        String subject = "subject-" + UUID.randomUUID();
        ConsentChangeRequested request = ConsentChangeRequested.newBuilder()
                .setIdempotencyKey(UUID.randomUUID().toString())
                .setSubjectId(subject).setPurpose("marketing").setDecision("WITHDRAWN")
                .setOccurredAt(Instant.now()).setSource("backend-eu").build();
        String elsewhere = "consent.directives.eliq.v1";
        try (KafkaPublisher publisher = new KafkaPublisher()) {
            publisher.send("consent.change-requests.app.v1.dlq", subject, request, Map.of(
                    "dead-letter-topic", elsewhere, "dead-letter-reason", "simulated fault"));
        }

        given().post("/v1/ops/dead-letters/replay?topic=consent.change-requests.app.v1.dlq").then().statusCode(200)
                .body("target", equalTo("consent.change-requests.app.v1"));

        // it was recorded from the change requests (marketing goes to Mailgun only), and Eliq's topic, read to the
        // end now that the replay has been acknowledged, never saw it
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/v1/subjects/" + subject + "/history").then().body("", hasSize(1)));
        assertThat(keysOn(elsewhere)).doesNotContain(subject);
    }

    /** Every key on a topic up to its end offsets now. */
    static List<String> keysOn(String topic) {
        List<String> keys = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafkaBootstrap()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        consumer.poll(Duration.ofMillis(200)).forEach(r -> keys.add(r.key()));
                        return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
                    });
        }
        return keys;
    }

    @Test
    void aCallAboveTheConfiguredMostIsRefusedNamingMax() {
        given().post("/v1/ops/dead-letters/replay?topic=consent.change-requests.app.v1.dlq&max=1001")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem("max"));
    }

    @Test
    void onlyKnownDeadLetterTopicsCanBeReplayed() {
        given().post("/v1/ops/dead-letters/replay?topic=consent.changes.v1")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem("topic"));
    }
}
