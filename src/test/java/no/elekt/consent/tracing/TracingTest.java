package no.elekt.consent.tracing;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.is;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * With tracing switched on, one change can be followed in one trace: the POST's server span, the relay's send of the
 * directive (the outbox row stores the request's traceparent), the adapter's call to the processor (the directive's
 * Kafka headers carry it), and the receipt sent back.
 */
@QuarkusTest
@TestIdentity
@TestProfile(TracingTest.On.class)
class TracingTest {

    /** Tracing on, spans kept in memory ({@link InMemorySpans}) and not exported over OTLP. */
    public static class On implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false",
                    "quarkus.otel.exporter.otlp.enabled", "false");
        }
    }

    @Inject
    InMemorySpans spans;

    @Test
    void oneTraceSpansThePostTheRelaysSendAndTheProcessorCall() {
        String subject = "trace-" + UUID.randomUUID();
        String eliqUser = "eliq-" + subject;
        String changeId = given().contentType(ContentType.JSON)
                .body(Map.of("subjectId", subject, "purpose", "energy-insights", "decision", "WITHDRAWN",
                        "occurredAt", Instant.now().toString(), "source", "app-android",
                        "policyVersion", "no-2023-04-27", "identifiers", Map.of("eliqUserId", eliqUser)))
                .post("/v1/consent-changes").then().statusCode(202).extract().path("changeId");
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/v1/consent-changes/" + changeId).then()
                        .body("propagations.find { it.processor == 'eliq' }.status", is("CONFIRMED")));

        // the receipt is confirmed once the core has folded it: every span of the way has ended by then
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<SpanData> all = spans.finished();
            SpanData call = one(all, s -> s.getKind() == SpanKind.CLIENT && s.getName().startsWith("DELETE")
                    && mentions(s, "/users/" + eliqUser), "the processor call");
            String trace = call.getTraceId();
            SpanData apply = one(all, s -> s.getSpanId().equals(call.getParentSpanId()), "the call's parent");
            assertThat(apply.getName()).isEqualTo("eliq apply");
            SpanData post = one(all, s -> s.getKind() == SpanKind.SERVER && mentions(s, "POST")
                    && mentions(s, "/v1/consent-changes"), "the POST");
            assertThat(post.getTraceId()).as("the POST's trace").isEqualTo(trace);
            assertThat(all).as("the relay's send of the directive, in the POST's trace")
                    .anyMatch(s -> s.getKind() == SpanKind.PRODUCER && s.getTraceId().equals(trace)
                            && s.getName().contains("consent.directives.eliq.v1"));
            assertThat(all).as("the receipt sent back, in the POST's trace")
                    .anyMatch(s -> s.getKind() == SpanKind.PRODUCER && s.getTraceId().equals(trace)
                            && s.getName().contains("consent.receipts.eliq.v1"));
        });
    }

    private static SpanData one(List<SpanData> spans, Predicate<SpanData> which, String what) {
        List<SpanData> found = spans.stream().filter(which).toList();
        assertThat(found).as(what + " among " + spans.stream().filter(s -> !s.getName().startsWith("SELECT")
                && !s.getName().startsWith("UPDATE")).map(TracingTest::describe).toList()).hasSize(1);
        return found.get(0);
    }

    private static boolean mentions(SpanData span, String text) {
        return span.getName().contains(text) || span.getAttributes().asMap().values().stream()
                .anyMatch(v -> String.valueOf(v).contains(text));
    }

    private static String describe(SpanData s) {
        return s.getKind() + " " + s.getName() + " " + s.getTraceId() + " " + Optional.ofNullable(s.getAttributes()
                .asMap()).orElse(Map.of());
    }
}
