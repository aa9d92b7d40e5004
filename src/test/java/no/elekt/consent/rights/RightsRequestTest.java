package no.elekt.consent.rights;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import no.elekt.consent.adapter.Directives;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.ProcessorStandIns;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * Rights requests end to end: the API, the ledger, the outbox relay, the four adapters calling the processor
 * stand-ins (WireMock, GreenMail), receipts, ops confirmation and the purge.
 */
@QuarkusTest
@TestIdentity
class RightsRequestTest {

    static final WireMock STAND_INS = ProcessorStandIns.wireMock();

    /** A subject with every identifier a processor needs, each unique to this subject. */
    record Subject(String id, Map<String, String> identifiers) {
        String email() {
            return identifiers.get("email");
        }

        String adId() {
            return identifiers.get("advertisingId");
        }
    }

    /**
     * Seeds the identifiers with a push-notifications grant: Firebase answers RESUME as not applicable without a
     * call, so the stand-ins see nothing from the seeding.
     */
    static Subject subject() {
        String id = Directives.unique("subject");
        String tail = id.substring(id.length() - 12);
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put("email", "erase-" + tail + "@example.no");
        ids.put("advertisingId", "38400000-8cf0-11bd-b23e-" + tail);
        ids.put("firebaseAppInstanceId", "app-instance-" + tail);
        ids.put("firebaseUid", "uid-" + tail);
        ids.put("fcmToken", "fcm-token-" + tail);
        ids.put("eliqUserId", "eliq-user-" + tail);
        Directives.postChange(id, "push-notifications", "GRANTED", ids);
        return new Subject(id, ids);
    }

    /** A request as the app backend sends it, from its Android app. */
    static Map<String, Object> request(Map<String, Object> fields) {
        Map<String, Object> body = new LinkedHashMap<>(fields);
        body.put("source", "app-android");
        return body;
    }

    static JsonPath submit(String subject, Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(request(body))
                .post("/v1/subjects/" + subject + "/requests")
                .then().statusCode(202)
                .header("Location", containsString("/v1/subjects/" + subject + "/requests/"))
                .extract().jsonPath();
    }

    static JsonPath request(String subject, String requestId) {
        return given().get("/v1/subjects/" + subject + "/requests/" + requestId).then().statusCode(200)
                .extract().jsonPath();
    }

    static JsonPath awaitStatus(String subject, String requestId, String status) {
        Awaitility.await().atMost(Duration.ofSeconds(60))
                .until(() -> request(subject, requestId).getString("status"), equalTo(status));
        return request(subject, requestId);
    }

    /** Requests the stand-ins received with this method whose URL (decoded) or body mentions the value. */
    static List<LoggedRequest> calls(String method, String value) {
        return STAND_INS.find(RequestPatternBuilder.allRequests()).stream()
                .filter(r -> r.getMethod().getName().equals(method))
                .filter(r -> URLDecoder.decode(r.getUrl(), StandardCharsets.UTF_8).contains(value)
                        || URLDecoder.decode(r.getBodyAsString(), StandardCharsets.UTF_8).contains(value))
                .toList();
    }

    static List<String> paths(List<LoggedRequest> requests) {
        return requests.stream().map(r -> URLDecoder.decode(r.getUrl(), StandardCharsets.UTF_8)).toList();
    }

    static List<String> mails(String text) {
        return Arrays.stream(ProcessorStandIns.start().getReceivedMail()).filter(m -> m.contains(text)).toList();
    }

    @Test
    void erasureDeletesAtAllFourProcessorsThenOpsConfirmAddApptrAndTheIdentifiersArePurged() {
        Subject s = subject();
        JsonPath submitted = submit(s.id(), Map.of("type", "ERASURE"));
        String requestId = submitted.getString("requestId");
        assertThat(Instant.parse(submitted.getString("deadline")))
                .isBetween(Instant.now().plus(Duration.ofDays(30)).minusSeconds(60),
                        Instant.now().plus(Duration.ofDays(30)));
        assertThat(submitted.getList("propagations.action", String.class)).hasSize(7).containsOnly("DELETE");
        assertThat(submitted.getList("propagations.processor", String.class))
                .contains("addapptr", "firebase", "mailgun", "eliq");
        assertThat(submitted.getString("status")).isEqualTo("IN_PROGRESS");

        JsonPath awaiting = awaitStatus(s.id(), requestId, "AWAITING_MANUAL");
        assertThat(awaiting.getMap("processors")).containsExactly(Map.entry("addapptr", "AWAITING_MANUAL"),
                Map.entry("eliq", "COMPLETED"), Map.entry("firebase", "COMPLETED"), Map.entry("mailgun", "COMPLETED"));

        // Mailgun: unsubscribed from everything, and out of both lists
        assertThat(paths(calls("POST", s.email()))).anyMatch(p -> p.endsWith("/unsubscribes"));
        assertThat(calls("POST", s.email())).anyMatch(r -> r.getBodyAsString().contains("tag=*")
                || r.getBodyAsString().contains("tag=%2A") || r.getBodyAsString().contains("\"*\""));
        assertThat(paths(calls("DELETE", s.email()))).contains(
                "/v3/lists/newsletter@mg.elekt.test/members/" + s.email(),
                "/v3/lists/marketing@mg.elekt.test/members/" + s.email());
        // Google: Analytics user deletion and the Auth account
        assertThat(paths(calls("POST", s.identifiers().get("firebaseAppInstanceId"))))
                .contains("/v1alpha/properties/" + ProcessorStandIns.GA4_PROPERTY + ":submitUserDeletion");
        assertThat(paths(calls("POST", s.identifiers().get("firebaseUid"))))
                .contains("/v1/projects/" + ProcessorStandIns.FIREBASE_PROJECT + "/accounts:delete");
        // Eliq: the user deleted
        assertThat(paths(calls("DELETE", s.identifiers().get("eliqUserId"))))
                .containsExactly(ProcessorStandIns.ELIQ_BASE_PATH + "/users/" + s.identifiers().get("eliqUserId"));
        // AddApptr: a deletion request by e-mail, under the reference of the one directive (the adapter's call
        // policy may send it again when the SMTP answer is slower than the test's 1 s call timeout)
        String addapptr = awaiting.getString("propagations.find { it.processor == 'addapptr' }.directiveId");
        assertThat(mails(s.adId())).isNotEmpty().allMatch(mail -> mail.contains("reference " + addapptr));

        // Not purged while AddApptr waits for ops; the export still holds the identifiers, decrypted
        assertThat(Db.count("select count(*) from subject_identifier where subject_id = ?", s.id())).isEqualTo(6);
        given().get("/v1/subjects/" + s.id() + "/export").then().statusCode(200)
                .body("identifiers.email.value", equalTo(List.of(s.email())))
                .body("identifiers.advertisingId.value", equalTo(List.of(s.adId())))
                .body("identifiersPurgedAt", nullValue());

        given().contentType(ContentType.JSON).body(Map.of("note", "AddApptr confirmed the deletion by mail"))
                .post("/v1/ops/propagations/" + addapptr + "/confirm").then().statusCode(200)
                .body("status", equalTo("CONFIRMED"));

        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Db.count(
                "select count(*) from subject_identifier where subject_id = ?", s.id()) == 0);
        JsonPath done = awaitPurged(s.id(), requestId);
        assertThat(done.getString("status")).isEqualTo("COMPLETED");
        assertThat(done.getBoolean("overdue")).isFalse();
        // Issue 12: each line says how far the deletion is proven. Read back where the processor allows it (Mailgun,
        // the Auth account, the Eliq user), accepted but unverified where it does not (GA4, AddApptr by hand)
        assertThat(done.getList("propagations.findAll { it.processor == 'mailgun' }.proof.verification"))
                .isNotEmpty().containsOnly("verified");
        assertThat(done.getList("propagations.findAll { it.processor == 'eliq' }.proof.verification"))
                .isNotEmpty().containsOnly("verified");
        assertThat(done.getString("propagations.find { it.processor == 'addapptr' }.proof.verification"))
                .isEqualTo("accepted-unverified");
        assertThat(done.getString("propagations.find { it.processor == 'addapptr' }.proof.note"))
                .contains("by hand");
        assertThat(done.getList("propagations.proof.evidence.flatten().answer", String.class)).isNotEmpty()
                .noneMatch(answer -> answer.contains(s.email()) || answer.contains(s.identifiers().get("eliqUserId")));

        // The ledger stays, as proof: every purpose withdrawn by the erasure, and the purge recorded in the history
        given().get("/v1/subjects/" + s.id() + "/consents").then()
                .body("", hasSize(7)).body("decision", everyItem(equalTo("WITHDRAWN")));
        JsonPath history = given().get("/v1/subjects/" + s.id() + "/history").then().statusCode(200)
                .extract().jsonPath();
        assertThat(history.getList("findAll { it.kind == 'ERASURE' }.requestId", String.class))
                .hasSize(7).containsOnly(requestId);
        assertThat(history.getString("last().kind")).isEqualTo("IDENTIFIERS_PURGED");
        assertThat(history.getString("last().requestId")).isEqualTo(requestId);

        // The export after the purge: the request and its statuses, the purge, and no identifier at all
        String export = given().get("/v1/subjects/" + s.id() + "/export").then().statusCode(200)
                .body("subjectId", equalTo(s.id()))
                .body("consents", hasSize(7))
                .body("history.kind", hasItem("IDENTIFIERS_PURGED"))
                .body("requests", hasSize(1))
                .body("requests[0].requestId", equalTo(requestId))
                .body("requests[0].status", equalTo("COMPLETED"))
                .body("requests[0].propagations", hasSize(7))
                .body("identifiers.size()", equalTo(0))
                .body("identifiersPurgedAt", notNullValue())
                .extract().asString();
        s.identifiers().values().forEach(value -> assertThat(export).doesNotContain(value));
    }

    static JsonPath awaitPurged(String subject, String requestId) {
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> request(subject, requestId).getString("identifiersPurgedAt") != null);
        return request(subject, requestId);
    }

    @Test
    void objectionToAConsentPurposeIsRefusedAndStoresNothing() {
        String subject = Directives.unique("subject");
        given().contentType(ContentType.JSON)
                .body(request(Map.of("type", "OBJECTION", "purposes", List.of("newsletter"))))
                .post("/v1/subjects/" + subject + "/requests")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("purposes"))
                .body("detail", containsString("withdraw the consent instead"))
                .body("detail", containsString("/v1/consent-changes"));
        assertThat(Db.rowsFor(subject)).isZero();
        assertThat(Db.count("select count(*) from rights_request where subject_id = ?", subject)).isZero();
    }

    @Test
    void unknownTypeOrPurposeIsRefusedNamingTheFieldAndStoresNothing() {
        String subject = Directives.unique("subject");
        given().contentType(ContentType.JSON).body(request(Map.of("type", "FORGET_ME")))
                .post("/v1/subjects/" + subject + "/requests")
                .then().statusCode(400).body("errors[0].field", equalTo("type"));
        given().contentType(ContentType.JSON).body(request(Map.of()))
                .post("/v1/subjects/" + subject + "/requests")
                .then().statusCode(400).body("errors[0].field", equalTo("type"));
        given().contentType(ContentType.JSON)
                .body(request(Map.of("type", "ERASURE", "purposes", List.of("horoscopes"))))
                .post("/v1/subjects/" + subject + "/requests")
                .then().statusCode(400).body("errors[0].field", equalTo("purposes"))
                .body("detail", containsString("horoscopes"));
        assertThat(Db.rowsFor(subject)).isZero();
        assertThat(Db.count("select count(*) from rights_request where subject_id = ?", subject)).isZero();
    }

    @Test
    void objectionToEnergyInsightsDeletesAtEliq() {
        Subject s = subject();
        JsonPath submitted = submit(s.id(), Map.of("type", "OBJECTION", "purposes", List.of("energy-insights")));
        assertThat(submitted.getList("propagations.processor", String.class)).containsExactly("eliq");
        awaitStatus(s.id(), submitted.getString("requestId"), "COMPLETED");

        assertThat(paths(calls("DELETE", s.identifiers().get("eliqUserId"))))
                .containsExactly(ProcessorStandIns.ELIQ_BASE_PATH + "/users/" + s.identifiers().get("eliqUserId"));
        given().get("/v1/subjects/" + s.id() + "/consents").then()
                .body("find { it.purpose == 'energy-insights' }.decision", equalTo("WITHDRAWN"));
        // not an erasure: the identifiers stay
        assertThat(Db.count("select count(*) from subject_identifier where subject_id = ?", s.id())).isEqualTo(6);
    }

    @Test
    void restrictionSuppressesEverywhereWithoutDeletingAndKeepsTheDecision() {
        Subject s = subject();
        JsonPath submitted = submit(s.id(), Map.of("type", "RESTRICTION"));
        assertThat(submitted.getList("propagations.action", String.class)).hasSize(7).containsOnly("SUPPRESS");
        awaitStatus(s.id(), submitted.getString("requestId"), "AWAITING_MANUAL");

        // suppressed: Mailgun unsubscribe, Eliq consent restricted, FCM topics left, AddApptr asked by mail
        assertThat(paths(calls("POST", s.email()))).anyMatch(p -> p.endsWith("/unsubscribes"));
        // (issue 12: Eliq's consents are on its Insights API, by Eliq's own id of the user)
        String eliqId = ProcessorStandIns.control().state("eliq", "user", s.identifiers().get("eliqUserId"));
        assertThat(calls("PUT", "")).anyMatch(r -> r.getUrl().contains("/v3/users/" + eliqId + "/consents")
                && r.getBodyAsString().contains("\"given_consent\":false"));
        assertThat(mails(s.adId())).isNotEmpty();
        // nothing deleted: the only HTTP DELETEs are FCM topic unsubscribes (a suppression, not a deletion)
        s.identifiers().values().forEach(value -> assertThat(paths(calls("DELETE", value)))
                .allMatch(p -> p.contains("/topicSubscriptions/")));
        assertThat(calls("POST", s.identifiers().get("firebaseAppInstanceId"))).isEmpty();
        assertThat(calls("POST", s.identifiers().get("firebaseUid"))).isEmpty();

        // the decision in force is unchanged (push-notifications stays GRANTED), only its version moved on
        given().get("/v1/subjects/" + s.id() + "/consents").then()
                .body("find { it.purpose == 'push-notifications' }.decision", equalTo("GRANTED"))
                .body("find { it.purpose == 'push-notifications' }.version", equalTo(2))
                .body("find { it.purpose == 'newsletter' }.decision", nullValue());
    }

    @Test
    void appUninstalledDeletesOnlyAtFirebaseAndAddApptr() {
        Subject s = subject();
        JsonPath submitted = submit(s.id(), Map.of("type", "APP_UNINSTALLED"));
        assertThat(submitted.getList("propagations.processor", String.class)).containsOnly("firebase", "addapptr");
        JsonPath done = awaitStatus(s.id(), submitted.getString("requestId"), "AWAITING_MANUAL");
        assertThat(done.getMap("processors")).containsOnlyKeys("firebase", "addapptr");

        assertThat(paths(calls("POST", s.identifiers().get("firebaseAppInstanceId"))))
                .contains("/v1alpha/properties/" + ProcessorStandIns.GA4_PROPERTY + ":submitUserDeletion");
        assertThat(mails(s.adId())).isNotEmpty();
        assertThat(calls("POST", s.email())).isEmpty();
        assertThat(calls("DELETE", s.email())).isEmpty();
        assertThat(STAND_INS.find(RequestPatternBuilder.allRequests()).stream()
                .filter(r -> r.getUrl().contains(s.identifiers().get("eliqUserId")))).isEmpty();
    }

    @Test
    void aRepeatedIdempotencyKeyAnswersTheSameRequest() {
        Subject s = subject();
        String key = Directives.unique("key");
        Map<String, Object> body = request(Map.of("type", "RESTRICTION", "purposes", List.of("newsletter")));
        String first = given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(body)
                .post("/v1/subjects/" + s.id() + "/requests").then().statusCode(202).extract().path("requestId");
        given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(body)
                .post("/v1/subjects/" + s.id() + "/requests").then().statusCode(202)
                .header("Idempotent-Replayed", "true").body("requestId", equalTo(first));
        given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(request(Map.of("type", "ERASURE")))
                .post("/v1/subjects/" + s.id() + "/requests").then().statusCode(422);
        assertThat(Db.count("select count(*) from rights_request where subject_id = ?", s.id())).isEqualTo(1);
    }

    @Test
    void aRequestPastItsDeadlineShowsOverdueInTheApiAndTheGauge() {
        Subject s = subject();
        // AddApptr keeps a restriction open (AWAITING_MANUAL) until ops confirm it
        String requestId = submit(s.id(), Map.of("type", "RESTRICTION", "purposes", List.of("personalised-ads")))
                .getString("requestId");
        Db.update("update rights_request set deadline = now() - interval '1 day' where request_id = ?::uuid",
                requestId);
        given().get("/v1/subjects/" + s.id() + "/requests/" + requestId).then()
                .body("overdue", equalTo(true));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Db.count(
                "select count(*) from rights_request where request_id = ?::uuid and overdue_reported_at is not null",
                requestId) == 1);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> overdueGauge() >= 1);
    }

    static double overdueGauge() {
        return given().get("/q/metrics").then().extract().asString().lines()
                .filter(l -> l.startsWith("consent_rights_requests_overdue"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
    }

    @Test
    void identifiersAtRestAreNotReadableInTheDatabase() {
        Subject s = subject();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Db.count(
                "select count(*) from subject_identifier where subject_id = ?", s.id()) == 6);
        for (Map.Entry<String, String> id : s.identifiers().entrySet()) {
            byte[] raw = Db.bytes("select ciphertext from subject_identifier where subject_id = ? and type = ?",
                    s.id(), id.getKey());
            assertThat(new String(raw, StandardCharsets.ISO_8859_1)).doesNotContain(id.getValue());
            assertThat(new String(raw, StandardCharsets.UTF_8)).doesNotContain(id.getValue());
        }
        given().get("/v1/subjects/" + s.id() + "/export").then()
                .body("identifiers.email.value", equalTo(List.of(s.email())))
                .body("requests", empty());
    }
}
