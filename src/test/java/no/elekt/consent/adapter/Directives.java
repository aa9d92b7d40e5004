package no.elekt.consent.adapter;

import static io.restassured.RestAssured.given;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.restassured.http.ContentType;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PurposeVersion;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.testinfra.Infra;

/** Directives for adapter tests: built by hand, posted as changes to the API, or put on a directive topic. */
public final class Directives {

    /** Every adapter's own receipt topic. */
    public static final String[] RECEIPT_TOPICS = Stream.of("mailgun", "firebase", "eliq", "addapptr")
            .map(Policy::receiptTopic).toArray(String[]::new);

    private Directives() {
    }

    public static String receipts(String processor) {
        return Policy.receiptTopic(processor);
    }

    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    public static ProcessorDirective directive(String processor, DirectiveAction action, String purpose, long version,
            Map<String, String> identifiers) {
        return directive(processor, action, ChangeKind.DECISION, purpose, version, identifiers);
    }

    public static ProcessorDirective directive(String processor, DirectiveAction action, ChangeKind kind,
            String purpose, long version, Map<String, String> identifiers) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        return ProcessorDirective.newBuilder()
                .setDirectiveId(UUID.randomUUID().toString())
                .setChangeId(UUID.randomUUID().toString())
                .setSubjectId(unique("subject"))
                .setProcessor(processor)
                .setAction(action)
                .setKind(kind)
                .setPurposes(List.of(new PurposeVersion(purpose, version)))
                .setIdentifiers(identifiers)
                .setIssuedAt(now)
                .setDeadline(now.plus(Duration.ofDays(30)))
                .build();
    }

    /** Posts a consent change to the API, as an app backend would; answers its change id. */
    public static String postChange(String subject, String purpose, String decision, Map<String, String> ids) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("subjectId", subject, "purpose", purpose, "decision", decision,
                        "occurredAt", Instant.now().minusSeconds(1).toString(), "source", "app-android",
                        "policyVersion", "no-2023-04-27", "identifiers", ids))
                .post("/v1/consent-changes").then().statusCode(202).extract().path("changeId");
    }

    /** Carries out one directive with the adapter, as its consumer would, without Kafka. */
    public static DirectiveResult apply(ProcessorAdapter adapter, ProcessorDirective directive) {
        return adapter.applyAll(List.of(directive)).map(results -> results.get(0))
                .await().atMost(Duration.ofSeconds(30));
    }

    public static <T> T await(Uni<T> uni) {
        return uni.await().atMost(Duration.ofSeconds(30));
    }

    /** Puts directives on a directive topic, Avro-encoded through the registry like the core's outbox relay. */
    public static void publish(ProcessorDirective... directives) {
        AvroKafkaSerializer<ProcessorDirective> avro = new AvroKafkaSerializer<>();
        avro.configure(Map.of("apicurio.registry.url", Infra.registryUrl(),
                "apicurio.registry.auto-register", "true"), false);
        try (KafkaProducer<String, ProcessorDirective> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafkaBootstrap()), new StringSerializer(), avro)) {
            for (ProcessorDirective d : directives) {
                producer.send(new ProducerRecord<>("consent.directives." + d.getProcessor() + ".v1",
                        d.getSubjectId(), d));
            }
            producer.flush();
        }
    }

    /** Puts raw bytes on a topic: a record no adapter can read. */
    public static void publishRaw(String topic, String key, byte[] value) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafkaBootstrap()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value));
            producer.flush();
        }
    }
}
