package no.elekt.consent.ledger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.events.ConsentChanged;
import no.elekt.consent.events.Decision;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.identifiers.DirectiveSeal;
import no.elekt.consent.testinfra.KafkaEvents;
import no.elekt.consent.testinfra.TestIdentity;

/** POST a change, and find it in the ledger and as Avro events on Kafka, decoded through the registry. */
@QuarkusTest
@TestIdentity
class ConsentChangeFlowTest {

    @Inject
    DirectiveSeal seal;

    @Inject
    Pool pool;

    /** The directive as its adapter opens it, with the subject's data key. */
    ProcessorDirective opened(ProcessorDirective directive) {
        return seal.open(pool, List.of(directive)).await().atMost(Duration.ofSeconds(10)).get(0).directive();
    }

    static KafkaEvents kafka;

    @BeforeAll
    static void subscribe() {
        kafka = KafkaEvents.from("consent.changes.v1", "consent.directives.addapptr.v1",
                "consent.directives.mailgun.v1");
    }

    @AfterAll
    static void close() {
        kafka.close();
    }

    static Map<String, Object> change(String subject, String purpose, String decision, Map<String, String> ids) {
        return Map.of("subjectId", subject, "purpose", purpose, "decision", decision,
                "occurredAt", Instant.now().minusSeconds(5).toString(), "source", "app-android",
                "policyVersion", "no-2023-04-27", "identifiers", ids);
    }

    @Test
    void acceptedChangeIsInTheLedgerAndOnKafkaWithOnlyTheIdentifiersEachProcessorNeeds() {
        String subject = "subject-" + UUID.randomUUID();
        String adId = "38400000-8cf0-11bd-b23e-" + UUID.randomUUID().toString().substring(24);
        String email = subject + "@example.no";

        String changeId = given().contentType(ContentType.JSON)
                .body(change(subject, "personalised-ads", "WITHDRAWN", Map.of("advertisingId", adId, "email", email)))
                .when().post("/v1/consent-changes")
                .then().statusCode(202)
                .header("Location", containsString("/v1/consent-changes/"))
                .body("version", equalTo(1))
                .body("decision", equalTo("WITHDRAWN"))
                .body("propagations", hasSize(1))
                .body("propagations[0].processor", equalTo("addapptr"))
                .body("propagations[0].action", equalTo("DELETE"))
                .body("propagations[0].status", equalTo("PENDING"))
                .extract().path("changeId");

        given().get("/v1/consent-changes/" + changeId).then().statusCode(200)
                .body("subjectId", equalTo(subject)).body("propagations", hasSize(1));
        given().get("/v1/subjects/" + subject + "/history").then().statusCode(200)
                .body("", hasSize(1)).body("[0].changeId", equalTo(changeId));
        given().get("/v1/subjects/" + subject + "/consents").then().statusCode(200)
                .body("[0].purpose", equalTo("personalised-ads")).body("[0].decision", equalTo("WITHDRAWN"));

        KafkaEvents.Event changedEvent = kafka.awaitEvents("consent.changes.v1", subject, 1).get(0);
        ConsentChanged changed = (ConsentChanged) changedEvent.value();
        assertThat(changed.getChangeId()).isEqualTo(changeId);
        assertThat(changed.getDecision()).isEqualTo(Decision.WITHDRAWN);
        assertThat(changed.getVersion()).isEqualTo(1L);
        assertThat(changed.getDirectives()).extracting(d -> d.getProcessor()).containsExactly("addapptr");
        String onTheWire = new String(changedEvent.raw(), StandardCharsets.ISO_8859_1);
        assertThat(onTheWire).doesNotContain(adId).doesNotContain(email);
        // Confluent wire format: magic byte 0, then the schema id, so Kafka UI can decode it through ccompat
        assertThat(changedEvent.raw()[0]).isEqualTo((byte) 0);

        List<ProcessorDirective> directives = kafka.await("consent.directives.addapptr.v1", subject, 1);
        ProcessorDirective directive = directives.get(0);
        assertThat(directive.getAction()).isEqualTo(DirectiveAction.DELETE);
        assertThat(directive.getChangeId()).isEqualTo(changeId);
        // on the wire the identifiers are sealed with the subject's data key; the adapter opens them
        assertThat(directive.getIdentifiers()).isEmpty();
        assertThat(new String(kafka.awaitEvents("consent.directives.addapptr.v1", subject, 1).get(0).raw(),
                StandardCharsets.ISO_8859_1)).doesNotContain(adId);
        assertThat(opened(directive).getIdentifiers()).containsExactly(Map.entry("advertisingId", adId));
        assertThat(directive.getPurposes().get(0).getVersion()).isEqualTo(1L);
    }

    @Test
    void eachChangeOfASubjectAndPurposeGetsTheNextVersionAndGrantResumes() {
        String subject = "subject-" + UUID.randomUUID();
        String email = subject + "@example.dk";
        given().contentType(ContentType.JSON)
                .body(change(subject, "newsletter", "WITHDRAWN", Map.of("email", email)))
                .post("/v1/consent-changes").then().statusCode(202).body("version", equalTo(1))
                .body("propagations[0].action", equalTo("DELETE"));
        // The e-mail was stored (encrypted) with the first change: the grant need not repeat it.
        given().contentType(ContentType.JSON)
                .body(change(subject, "newsletter", "GRANTED", Map.of()))
                .post("/v1/consent-changes").then().statusCode(202).body("version", equalTo(2))
                .body("propagations[0].processor", equalTo("mailgun"))
                .body("propagations[0].action", equalTo("RESUME"));

        List<ProcessorDirective> directives = kafka.await("consent.directives.mailgun.v1", subject, 2);
        assertThat(directives).extracting(ProcessorDirective::getAction)
                .containsExactly(DirectiveAction.DELETE, DirectiveAction.RESUME);
        assertThat(opened(directives.get(1)).getIdentifiers()).containsExactly(Map.entry("email", email));
        assertThat(directives).extracting(d -> d.getPurposes().get(0).getVersion()).containsExactly(1L, 2L);
        given().get("/v1/subjects/" + subject + "/consents").then()
                .body("[0].decision", equalTo("GRANTED")).body("[0].version", equalTo(2));
    }

    @Test
    void policyIsServed() {
        given().get("/v1/purposes").then().statusCode(200)
                .body("find { it.id == 'energy-insights' }.objectionAllowed", equalTo(true))
                .body("find { it.id == 'newsletter' }.processors", equalTo(List.of("mailgun")));
        given().get("/v1/processors").then().statusCode(200)
                .body("find { it.id == 'mailgun' }.identifiers", equalTo(List.of("email")))
                .body("find { it.id == 'mailgun' }.topic", equalTo("consent.directives.mailgun.v1"));
    }
}
