package no.elekt.consent.testinfra;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;

/**
 * The local run: starts the real infrastructure (PostgreSQL, Kafka, Apicurio Registry, processor stand-ins),
 * then the packaged service (dev profile) pointed at it, and prints every event on the topics as it happens.
 * Started by ./run-local; Ctrl+C stops everything.
 */
public final class LocalStack {

    private static final Pattern IDENTIFIER_VALUES = Pattern.compile("(\"identifiers\": \\{)[^}]*(\\})");

    public static void main(String[] args) throws Exception {
        System.out.println("Starting PostgreSQL, Kafka, Apicurio Registry and the processor stand-ins ...");
        TestInfrastructure infra = TestInfrastructure.get();
        ProcessorStandIns.Control standIns = ProcessorStandIns.start();
        Map<String, String> config = infra.serviceConfig();

        // The packaged service (built by ./run-local), with the dev profile's local defaults.
        List<String> command = new ArrayList<>(List.of(ApicurioRegistryServer.javaBinary(), "-Dquarkus.profile=dev",
                "-Dquarkus.http.port=8080"));
        config.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", new File("target/quarkus-app/quarkus-run.jar").getAbsolutePath()));
        Process service = new ProcessBuilder(command).inheritIO().start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.destroy();
            try {
                service.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                service.destroyForcibly();
            }
        }));

        String token = TestTokens.token(java.util.Set.of("consent-writer", "subject-reader", "ops"), List.of("*"),
                Duration.ofHours(12), TestTokens.AUDIENCE, TestTokens.privateKey());
        // the console signed in: the token in the URL fragment (never sent to a server), kept in the tab's session
        String officer = TestTokens.token(java.util.Set.of("ops"), null, Duration.ofHours(12), TestTokens.AUDIENCE,
                TestTokens.privateKey());
        String reader = TestTokens.token(java.util.Set.of("subject-reader"), null, Duration.ofHours(12),
                TestTokens.AUDIENCE, TestTokens.privateKey());
        System.out.printf("""

                ==========================================================================
                 Local stack is up
                   PostgreSQL  %s  (user postgres, password postgres)
                   Kafka       %s
                   Registry    %s   (Confluent API: %s)
                   Processors  %s  (WireMock stand-ins of Mailgun, Google, Eliq; requests: /__admin/requests)
                   SMTP        127.0.0.1:%d  (AddApptr deletion requests; GreenMail)
                 The service starts on http://localhost:8080 (OpenAPI: /q/swagger-ui, metrics: /q/metrics)

                 A token for every role (12 h; signed by the local key in target/jwt):
                   export TOKEN=%s
                 Send a change:
                   curl -i -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
                     http://localhost:8080/v1/consent-changes -d '{
                     "subjectId": "user-42", "purpose": "newsletter", "decision": "WITHDRAWN",
                     "occurredAt": "2026-11-27T10:00:00Z", "source": "app-android",
                     "policyVersion": "no-2023-04-27", "identifiers": {"email": "user42@example.no"}}'
                 Then follow it until the processor has CONFIRMED it:
                   curl -H "Authorization: Bearer $TOKEN" http://localhost:8080/v1/consent-changes/<changeId>
                 Its events are printed below as [event] lines (identifier values masked).

                 The ops console, signed in (12 h):
                   as ops (acts):             http://localhost:8080/console/#token=%s
                   as subject-reader (looks): http://localhost:8080/console/#token=%s
                ==========================================================================

                """, infra.jdbcUrl(), infra.kafkaBootstrap(), infra.registry.apiUrl(), infra.registry.ccompatUrl(),
                ProcessorStandIns.baseUrl(), standIns.getSmtpPort(), token, officer, reader);

        Thread tail = new Thread(() -> printEvents(infra), "event-tail");
        tail.setDaemon(true);
        tail.start();
        System.exit(service.waitFor());
    }

    /** Prints every record on the service's topics, decoded through the registry. */
    private static void printEvents(TestInfrastructure infra) {
        AvroKafkaDeserializer<Object> avro = new AvroKafkaDeserializer<>();
        avro.configure(Map.of("apicurio.registry.url", infra.registry.apiUrl()), false);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "local-stack-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, "2000"), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(Pattern.compile("consent\\..*"));
            while (true) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    String value;
                    try {
                        value = String.valueOf(avro.deserialize(r.topic(), r.headers(), r.value()));
                    } catch (RuntimeException e) {
                        value = "(" + (r.value() == null ? 0 : r.value().length) + " bytes, not Avro)";
                    }
                    System.out.printf("[event] %s key=%s %s%n", r.topic(), r.key(),
                            IDENTIFIER_VALUES.matcher(value).replaceAll("$1 masked $2"));
                }
            }
        } catch (RuntimeException e) {
            System.out.println("[event] tail stopped: " + e);
        }
    }

    private LocalStack() {
    }
}
