package no.elekt.consent.reliability;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import no.elekt.consent.events.ConsentChangeRequested;
import no.elekt.consent.ledger.ConsentChangeRequest;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.KafkaEvents;
import no.elekt.consent.testinfra.KafkaPublisher;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * A generated corpus (seeded random mutations of valid input) of malformed REST bodies and inbound Kafka records: every one is answered
 * 4xx or dead-lettered (or, where the mutation happens to stay valid, accepted), never 5xx, never half-stored,
 * and the service is healthy after. Prints the counts.
 */
@QuarkusTest
@TestIdentity
class BadInputFuzzTest {

    static final int REST_CASES = 300;
    static final int KAFKA_CASES = 60;
    static final ObjectMapper JSON = new ObjectMapper();

    static Map<String, Object> valid(String subject) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("subjectId", subject);
        body.put("purpose", "newsletter");
        body.put("decision", "WITHDRAWN");
        body.put("occurredAt", Instant.now().toString());
        body.put("source", "fuzz");
        body.put("identifiers", Map.of("email", "fuzz@example.no"));
        return body;
    }

    /** Any JSON value, with the shapes that break parsers and validators most. */
    static Object jsonValue(Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> text(random, "abcdefghijklmnopqrstuvwxyz0123456789 -_.:@", 300);
            case 1 -> text(random, "@<>{}\"'\\\u0000\u202e\u00e6\u00f8\u00e5 ", 40);
            case 2 -> random.nextLong();
            case 3 -> random.nextDouble() * Math.pow(10, random.nextInt(40));
            case 4 -> random.nextBoolean();
            case 5 -> null;
            case 6 -> List.of(text(random, "abc", 5), random.nextInt());
            default -> Map.of(text(random, "xyz", 8) + "k", text(random, "0123456789", 10));
        };
    }

    static String text(Random random, String alphabet, int maxLength) {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(maxLength + 1);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    /** A body: a valid one with one field replaced, dropped or added, or raw text (cut JSON, garbage). */
    static String body(Random random, String subject) {
        Map<String, Object> body = valid(subject);
        List<String> fields = List.copyOf(body.keySet());
        String field = fields.get(random.nextInt(fields.size()));
        return switch (random.nextInt(11)) {
            case 0, 1, 2, 3, 4 -> {
                body.put(field, jsonValue(random));
                yield write(body);
            }
            case 5, 6 -> {
                body.remove(field);
                yield write(body);
            }
            case 7, 8 -> {
                body.put("x" + text(random, "abcdefghij", 11), jsonValue(random));
                yield write(body);
            }
            case 9 -> write(body).substring(0, random.nextInt(write(body).length()));
            default -> text(random, "{}[]\":,0123456789abc\\ \n\u0000", 200);
        };
    }

    static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Printed, so a failing corpus can be generated again with -Dfuzz.seed=<seed>. */
    static final long SEED = Long.getLong("fuzz.seed", System.nanoTime());

    @Test
    void malformedRestBodiesAreRefusedWith4xxAndStoreNothing() {
        Random random = new Random(SEED);
        Map<Integer, Integer> byStatus = new TreeMap<>();
        List<String> serverErrors = new ArrayList<>();
        for (int i = 0; i < REST_CASES; i++) {
            String subject = "fuzz-" + UUID.randomUUID();
            String body = body(random, subject);
            int status = given().contentType(ContentType.JSON).body(body.getBytes(StandardCharsets.UTF_8))
                    .post("/v1/consent-changes").then().extract().statusCode();
            byStatus.merge(status, 1, Integer::sum);
            if (status >= 500) {
                serverErrors.add(status + " for " + body);
            }
            if (status >= 400) {
                assertThat(Db.rowsFor(subject)).as("refused (%d) yet stored: %s", status, body).isZero();
            }
        }
        System.out.printf("REST fuzz (seed %d): %d bodies, answers by status %s, 5xx %d%n", SEED, REST_CASES,
                byStatus, serverErrors.size());
        assertThat(serverErrors).isEmpty();
        assertThat(byStatus.keySet()).allMatch(s -> s == 202 || (s >= 400 && s < 500));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void malformedKafkaRecordsAreDeadLetteredAndNothingIsLost() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Random random = new Random(SEED + 1);
        List<String> known = List.of("newsletter", "GRANTED", "WITHDRAWN", "", "x".repeat(200));
        java.util.function.Supplier<String> text = () -> random.nextBoolean() ? known.get(random.nextInt(known.size()))
                : text(random, "abcdefghijklmnopqrstuvwxyz@.\u0000 ", 80);
        List<String> keys = new ArrayList<>();
        Map<String, String> subjectOfKey = new LinkedHashMap<>();
        try (KafkaPublisher publisher = new KafkaPublisher()) {
            for (int i = 0; i < KAFKA_CASES; i++) {
                String key = "fuzz-kafka-" + run + "-" + i;
                keys.add(key);
                if (i % 3 == 0) {
                    byte[] raw = new byte[random.nextInt(101)];
                    random.nextBytes(raw);
                    publisher.sendRaw("consent.change-requests.app.v1", key, raw);
                } else {
                    String subject = i % 3 == 1 ? key : text.get();
                    subjectOfKey.put(key, subject);
                    publisher.send("consent.change-requests.app.v1", key, ConsentChangeRequested.newBuilder()
                            .setSubjectId(subject)
                            .setPurpose(i % 2 == 0 ? text.get() : "newsletter")
                            .setDecision(text.get())
                            .setOccurredAt(Instant.now())
                            .setSource(text.get())
                            .setIdentifiers(Map.of(text.get(), text.get()))
                            .build());
                }
            }
        }
        try (KafkaEvents kafka = KafkaEvents.from("consent.change-requests.app.v1.dlq")) {
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInSameThread().until(() -> {
                int handled = 0;
                for (String key : keys) {
                    boolean dead = !kafka.events("consent.change-requests.app.v1.dlq", key).isEmpty();
                    String subject = subjectOfKey.get(key);
                    boolean recorded = subject != null && subject.matches(ConsentChangeRequest.SUBJECT_ID) && Db.count(
                            "select count(*) from consent_record where subject_id = ? and source <> 'fuzz'",
                            subject) > 0;
                    handled += dead || recorded ? 1 : 0;
                }
                return handled == keys.size();
            });
            long deadLettered = keys.stream()
                    .filter(k -> !kafka.events("consent.change-requests.app.v1.dlq", k).isEmpty())
                    .count();
            System.out.printf("Kafka fuzz: %d records, dead-lettered %d, recorded %d, lost 0%n", keys.size(),
                    deadLettered, keys.size() - deadLettered);
            assertThat(deadLettered).isGreaterThan(KAFKA_CASES / 3 - 1);
        }
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }
}
