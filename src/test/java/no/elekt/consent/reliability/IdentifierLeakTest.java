package no.elekt.consent.reliability;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.oneOf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.StandInCalls;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * A full run through the core and all four adapters with distinctive identifiers, then the service's log is
 * searched for them: no e-mail, advertising ID, token or processor user id may appear.
 */
@QuarkusTest
@TestIdentity
class IdentifierLeakTest {

    static final Path LOG = Path.of("target", "quarkus-test.log");

    @Test
    void noIdentifierReachesTheLog() throws IOException {
        String subject = "leak-" + UUID.randomUUID();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Map<String, String>> identifiersByPurpose = Map.of(
                "newsletter", Map.of("email", "leak-" + tag + "@example.no"),
                "personalised-ads",
                Map.of("advertisingId", "cdda802e-fb9c-47ad-" + tag.substring(0, 4) + "-" + tag + "0000"),
                "analytics", Map.of("firebaseAppInstanceId", "appinst" + tag),
                "push-notifications", Map.of("fcmToken", "fcm-token-" + tag + ":APA91b"),
                "energy-insights", Map.of("eliqUserId", "eliq-user-" + tag));
        identifiersByPurpose.forEach((purpose, identifiers) -> given().contentType(ContentType.JSON)
                .body(Map.of("subjectId", subject, "purpose", purpose, "decision", "WITHDRAWN",
                        "occurredAt", Instant.now().toString(), "source", "app-android", "identifiers", identifiers))
                .post("/v1/consent-changes").then().statusCode(202));

        // every processor has answered (AddApptr waits for ops by design)
        Awaitility.await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> given().get("/v1/ops/propagations?limit=1000").then()
                        .body("findAll { it.subjectId == '" + subject + "' }.status",
                                everyItem(oneOf("CONFIRMED", "AWAITING_MANUAL", "NOT_APPLICABLE"))));

        assertThat(LOG).exists();
        String log = Files.readString(LOG);
        assertThat(log).contains(subject); // the run was logged, by its pseudonymous subject id
        List<String> values = identifiersByPurpose.values().stream().flatMap(m -> m.values().stream()).toList();
        for (String value : values) {
            assertThat(log).as("log must not contain an identifier").doesNotContain(value);
        }
        // issue 12: the read-backs were made (so their handling was logged and searched above), and what the
        // adapters stored as evidence and detail holds no identifier either
        assertThat(StandInCalls.calls("GET", identifiersByPurpose.get("newsletter").get("email"))).isNotEmpty();
        assertThat(StandInCalls.calls("GET", identifiersByPurpose.get("energy-insights").get("eliqUserId")))
                .isNotEmpty();
        assertThat(StandInCalls.calls("GET", identifiersByPurpose.get("push-notifications").get("fcmToken")))
                .isNotEmpty();
        assertThat(Db.count("select count(*) from adapter_directive where subject_id = ? and evidence is not null",
                subject)).isPositive();
        for (String value : values) {
            assertThat(Db.count("select count(*) from adapter_directive where subject_id = ? and (detail like ? "
                    + "or verification_note like ? or evidence::text like ?)", subject, "%" + value + "%",
                    "%" + value + "%", "%" + value + "%")).as("adapter records must not contain an identifier")
                    .isZero();
        }
        // and the core's copy of the proof, shown by the change, rights request and ops views
        assertThat(Db.count("select count(*) from propagation where subject_id = ? and evidence is not null",
                subject)).isPositive();
        for (String value : values) {
            assertThat(Db.count("select count(*) from propagation where subject_id = ? and (detail like ? "
                    + "or verification_note like ? or evidence::text like ?)", subject, "%" + value + "%",
                    "%" + value + "%", "%" + value + "%")).as("propagations must not contain an identifier").isZero();
        }
    }
}
