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
import java.util.TreeMap;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.security.AttributeType;
import io.quarkus.test.security.SecurityAttribute;
import io.quarkus.test.security.TestSecurity;
import io.restassured.http.ContentType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import no.elekt.consent.events.ConsentChangeRequested;
import no.elekt.consent.security.Roles;
import no.elekt.consent.security.SourceScope;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.KafkaEvents;
import no.elekt.consent.testinfra.KafkaPublisher;

/**
 * A generated corpus (jqwik arbitraries) of malformed REST bodies and inbound Kafka records: every one is answered
 * 4xx or dead-lettered (or, where the mutation happens to stay valid, accepted), never 5xx, never half-stored,
 * and the service is healthy after. Prints the counts.
 */
@QuarkusTest
@TestSecurity(user = "test-backend", roles = { Roles.WRITER, Roles.READER, Roles.OPS },
        attributes = @SecurityAttribute(key = SourceScope.ATTRIBUTE, value = "*", type = AttributeType.STRING_SET))
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
    static Arbitrary<Object> jsonValue() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(300).map(s -> (Object) s),
                Arbitraries.strings().withChars("@<>{}\"'\\\u0000\u202e😀 ").ofMaxLength(40).map(s -> (Object) s),
                Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.doubles().map(d -> (Object) d),
                Arbitraries.of(true, false).map(b -> (Object) b),
                Arbitraries.just((Object) null),
                Arbitraries.strings().alpha().ofMaxLength(5).list().ofMaxSize(3).map(l -> (Object) l),
                Arbitraries.maps(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8),
                        Arbitraries.strings().ofMaxLength(10)).ofMaxSize(3).map(m -> (Object) m));
    }

    /** A body: a valid one with one field replaced, dropped or added, or raw text (cut JSON, garbage). */
    static Arbitrary<String> body(String subject) {
        List<String> fields = List.copyOf(valid(subject).keySet());
        Arbitrary<String> replaced = Arbitraries.of(fields).flatMap(field -> jsonValue().map(value -> {
            Map<String, Object> b = valid(subject);
            b.put(field, value);
            return write(b);
        }));
        Arbitrary<String> dropped = Arbitraries.of(fields).map(field -> {
            Map<String, Object> b = valid(subject);
            b.remove(field);
            return write(b);
        });
        Arbitrary<String> added = Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12)
                .filter(name -> !fields.contains(name))
                .flatMap(name -> jsonValue().map(value -> {
                    Map<String, Object> b = valid(subject);
                    b.put(name, value);
                    return write(b);
                }));
        Arbitrary<String> cut = Arbitraries.integers().between(0, write(valid(subject)).length() - 1)
                .map(n -> write(valid(subject)).substring(0, n));
        Arbitrary<String> garbage = Arbitraries.strings().ofMaxLength(200);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, replaced), net.jqwik.api.Tuple.of(2, dropped),
                net.jqwik.api.Tuple.of(2, added), net.jqwik.api.Tuple.of(1, cut), net.jqwik.api.Tuple.of(1, garbage));
    }

    static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void malformedRestBodiesAreRefusedWith4xxAndStoreNothing() {
        Map<Integer, Integer> byStatus = new TreeMap<>();
        List<String> serverErrors = new ArrayList<>();
        for (int i = 0; i < REST_CASES; i++) {
            String subject = "fuzz-" + UUID.randomUUID();
            String body = body(subject).sample();
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
        System.out.printf("REST fuzz: %d bodies, answers by status %s, 5xx %d%n", REST_CASES, byStatus,
                serverErrors.size());
        assertThat(serverErrors).isEmpty();
        assertThat(byStatus.keySet()).allMatch(s -> s == 202 || (s >= 400 && s < 500));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void malformedKafkaRecordsAreDeadLetteredAndNothingIsLost() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Arbitrary<String> text = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(80),
                Arbitraries.of("newsletter", "GRANTED", "WITHDRAWN", "", "x".repeat(200)));
        List<String> keys = new ArrayList<>();
        Map<String, String> subjectOfKey = new LinkedHashMap<>();
        try (KafkaPublisher publisher = new KafkaPublisher()) {
            for (int i = 0; i < KAFKA_CASES; i++) {
                String key = "fuzz-kafka-" + run + "-" + i;
                keys.add(key);
                if (i % 3 == 0) {
                    byte[] raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(100).sample();
                    publisher.sendRaw("consent.change-requests.v1", key, raw);
                } else {
                    String subject = i % 3 == 1 ? key : text.sample();
                    subjectOfKey.put(key, subject);
                    publisher.send("consent.change-requests.v1", key, ConsentChangeRequested.newBuilder()
                            .setSubjectId(subject)
                            .setPurpose(i % 2 == 0 ? text.sample() : "newsletter")
                            .setDecision(text.sample())
                            .setOccurredAt(Instant.now())
                            .setSource(text.sample())
                            .setIdentifiers(Map.of(text.sample(), text.sample()))
                            .build());
                }
            }
        }
        try (KafkaEvents kafka = KafkaEvents.from("consent.change-requests.v1.dlq")) {
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInSameThread().until(() -> {
                int handled = 0;
                for (String key : keys) {
                    boolean dead = !kafka.events("consent.change-requests.v1.dlq", key).isEmpty();
                    String subject = subjectOfKey.get(key);
                    boolean recorded = subject != null && Db.count(
                            "select count(*) from consent_record where subject_id = ? and source <> 'fuzz'", subject) > 0;
                    handled += dead || recorded ? 1 : 0;
                }
                return handled == keys.size();
            });
            long deadLettered = keys.stream().filter(k -> !kafka.events("consent.change-requests.v1.dlq", k).isEmpty())
                    .count();
            System.out.printf("Kafka fuzz: %d records, dead-lettered %d, recorded %d, lost 0%n", keys.size(),
                    deadLettered, keys.size() - deadLettered);
            assertThat(deadLettered).isGreaterThan(KAFKA_CASES / 3 - 1);
        }
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }
}
