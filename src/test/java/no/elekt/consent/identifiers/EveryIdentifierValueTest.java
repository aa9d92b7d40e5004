package no.elekt.consent.identifiers;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.StandInCalls;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * Every identifier value seen for a subject is kept until erasure (every device, every past address), each
 * processor gets all of them, and the purge removes them all.
 */
@QuarkusTest
@TestIdentity
class EveryIdentifierValueTest {

    static void post(String subject, String source, Map<String, String> identifiers) {
        given().contentType(ContentType.JSON).body(Map.of("subjectId", subject, "purpose", "push-notifications",
                "decision", "GRANTED", "occurredAt", Instant.now().toString(), "source", source,
                "policyVersion", "no-2023-04-27", "identifiers", identifiers))
                .post("/v1/consent-changes").then().statusCode(202);
    }

    @Test
    void twoDevicesThenAnErasureReachBothTokensBothAppInstancesAndBothAddresses() {
        String subject = "devices-" + UUID.randomUUID();
        String tail = subject.substring(subject.length() - 8);
        Map<String, String> phone = Map.of("fcmToken", "token-phone-" + tail,
                "firebaseAppInstanceId", "instance-phone-" + tail, "email", "old-" + tail + "@example.no");
        Map<String, String> tablet = Map.of("fcmToken", "token-tablet-" + tail,
                "firebaseAppInstanceId", "instance-tablet-" + tail, "email", "new-" + tail + "@example.no");
        post(subject, "app-android", phone);
        post(subject, "app-ios", tablet);

        // the export lists every value, with when it was first and last seen
        JsonPath export = given().get("/v1/subjects/" + subject + "/export").then().statusCode(200)
                .extract().jsonPath();
        assertThat(export.getList("identifiers.fcmToken.value", String.class))
                .containsExactlyInAnyOrder(phone.get("fcmToken"), tablet.get("fcmToken"));
        assertThat(export.getList("identifiers.email.value", String.class))
                .containsExactlyInAnyOrder(phone.get("email"), tablet.get("email"));
        assertThat(export.getString("identifiers.email[0].firstSeenAt")).isNotNull();

        String requestId = given().contentType(ContentType.JSON).body(Map.of("type", "ERASURE",
                "purposes", List.of("push-notifications", "analytics", "newsletter"), "source", "app-android"))
                .post("/v1/subjects/" + subject + "/requests").then().statusCode(202).extract().path("requestId");
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Db.count(
                "select count(*) from rights_request where request_id = ?::uuid and purged_at is not null",
                requestId) == 1);

        for (Map<String, String> device : List.of(phone, tablet)) {
            assertThat(StandInCalls.paths(StandInCalls.calls("DELETE", device.get("fcmToken"))))
                    .as("the device unsubscribed from its topics").isNotEmpty()
                    .allMatch(path -> path.contains("/topicSubscriptions/"));
            assertThat(StandInCalls.calls("POST", device.get("firebaseAppInstanceId")))
                    .as("the app instance's analytics data deleted").isNotEmpty();
            assertThat(StandInCalls.calls("POST", device.get("email")))
                    .as("the address unsubscribed").isNotEmpty();
            assertThat(StandInCalls.paths(StandInCalls.calls("DELETE", device.get("email"))))
                    .as("the address removed from the mailing lists").anyMatch(path -> path.contains("/members/"));
        }
        assertThat(Db.count("select count(*) from subject_identifier where subject_id = ?", subject)).isZero();
    }

    @Test
    void valuesBeyondTheBoundPerTypeAreRefusedNamingTheFieldAndStoreNothing() {
        String subject = "bound-" + UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            post(subject, "app-android", Map.of("fcmToken", "token-" + i + "-" + subject));
        }
        post(subject, "app-android", Map.of("fcmToken", "token-0-" + subject)); // a known one is no new value

        given().contentType(ContentType.JSON).body(Map.of("subjectId", subject, "purpose", "push-notifications",
                "decision", "GRANTED", "occurredAt", Instant.now().toString(), "source", "app-android",
                "policyVersion", "no-2023-04-27", "identifiers", Map.of("fcmToken", "token-6-" + subject)))
                .post("/v1/consent-changes").then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem("identifiers.fcmToken"))
                .body("detail", containsString("5"));
        assertThat(Db.count("select count(*) from consent_record where subject_id = ?", subject)).isEqualTo(6);
        given().get("/v1/subjects/" + subject + "/export").then()
                .body("identifiers.fcmToken.size()", equalTo(5));
    }
}
