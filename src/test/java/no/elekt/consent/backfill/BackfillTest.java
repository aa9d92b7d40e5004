package no.elekt.consent.backfill;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
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
 * Backfills end to end: the decisions in force of a purpose issued again to its processor through the outbox, the
 * adapter and the receipts, with progress; resumed from where a stopped one was; cancelled.
 */
@QuarkusTest
@TestIdentity
class BackfillTest {

    static String decide(String subject, String decision, String email) {
        return given().contentType(ContentType.JSON).body(Map.of("subjectId", subject, "purpose", "newsletter",
                "decision", decision, "occurredAt", Instant.now().toString(), "source", "app-android",
                "policyVersion", "no-2023-04-27", "identifiers", Map.of("email", email)))
                .post("/v1/consent-changes").then().statusCode(202).extract().path("changeId");
    }

    static void awaitSettled(String subject) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Db.count(
                "select count(*) from propagation where subject_id = ? and status in ('PENDING', 'FAILED')",
                subject) == 0);
    }

    static JsonPath backfill(String id) {
        return given().get("/v1/ops/backfills/" + id).then().statusCode(200).extract().jsonPath();
    }

    static JsonPath awaitStatus(String id, String status) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> backfill(id).getString("status"),
                equalTo(status));
        return backfill(id);
    }

    @Test
    void theDecisionsInForceOfAPurposeAreIssuedAgainToItsProcessorUntilEveryOneIsClosed() {
        String withdrawn = "backfill-w-" + UUID.randomUUID();
        String granted = "backfill-g-" + UUID.randomUUID();
        decide(withdrawn, "WITHDRAWN", withdrawn + "@example.no");
        decide(granted, "GRANTED", granted + "@example.no");
        awaitSettled(withdrawn);
        awaitSettled(granted);

        String id = given().contentType(ContentType.JSON)
                .body(Map.of("processor", "mailgun", "purposes", List.of("newsletter")))
                .post("/v1/ops/backfills").then().statusCode(202)
                .body("status", equalTo("RUNNING")).body("processor", equalTo("mailgun"))
                .extract().path("backfillId");

        JsonPath done = awaitStatus(id, "DONE");
        assertThat(done.getLong("issued")).isEqualTo(done.getLong("total")).isGreaterThanOrEqualTo(2);
        Awaitility.await().atMost(Duration.ofSeconds(60))
                .until(() -> backfill(id).getLong("closed") == backfill(id).getLong("issued"));
        // each subject's decision in force, again: the withdrawal unsubscribes, the grant lifts the unsubscribe
        assertThat(Db.count("select count(*) from propagation where backfill_id = ?::uuid and subject_id = ? "
                + "and action = 'DELETE' and status = 'CONFIRMED'", id, withdrawn)).isEqualTo(1);
        assertThat(Db.count("select count(*) from propagation where backfill_id = ?::uuid and subject_id = ? "
                + "and action = 'RESUME' and status = 'CONFIRMED'", id, granted)).isEqualTo(1);
        assertThat(StandInCalls.calls("POST", withdrawn + "@example.no")).hasSizeGreaterThanOrEqualTo(2);
        given().get("/v1/ops/backfills").then().statusCode(200).body("backfillId", hasItem(id));
    }

    @Test
    void aBackfillStoppedMidWayResumesAfterItsCursor() {
        String before = "backfill-resume-a-" + UUID.randomUUID();
        String after = "backfill-resume-b-" + UUID.randomUUID();
        decide(before, "WITHDRAWN", before + "@example.no");
        decide(after, "WITHDRAWN", after + "@example.no");
        awaitSettled(before);
        awaitSettled(after);
        // as a service that stopped after the page that ended at the first subject left it
        String id = UUID.randomUUID().toString();
        Db.update("""
                insert into backfill (backfill_id, processor, purposes, decision, status, rate, total, issued,
                    cursor_subject, cursor_purpose, requested_by, created_at, updated_at)
                values (?::uuid, 'mailgun', 'newsletter', 'WITHDRAWN', 'RUNNING', 10000, 0, 0, ?, 'newsletter',
                    'test', now(), now())""", id, before);

        awaitStatus(id, "DONE");
        assertThat(Db.count("select count(*) from propagation where backfill_id = ?::uuid and subject_id = ?", id,
                after)).isEqualTo(1);
        assertThat(Db.count("select count(*) from propagation where backfill_id = ?::uuid and subject_id = ?", id,
                before)).isZero();
    }

    @Test
    void aBackfillWaitsWhileItsAdapterHasNotAnsweredAsManyAsItMayHavePending() {
        String subject = "zz-backfill-pending-" + UUID.randomUUID(); // the only subject after the cursor below
        decide(subject, "WITHDRAWN", subject + "@example.no");
        awaitSettled(subject);
        // a backfill whose adapter has not yet answered consent.backfill.max-pending (500) of its directives (those
        // first, so no tick sees the backfill without them)
        String id = UUID.randomUUID().toString();
        Db.update("""
                insert into propagation (directive_id, change_id, subject_id, processor, action, status, deadline,
                    created_at, updated_at, purpose, version, kind, issued_at, backfill_id)
                select gen_random_uuid(), gen_random_uuid(), 'zz-backfill-unanswered-' || i, 'mailgun', 'SUPPRESS',
                    'PENDING', now() + interval '30 days', now(), now(), 'newsletter', 1, 'DECISION', now(), ?::uuid
                from generate_series(1, 500) i""", id);
        Db.update("""
                insert into backfill (backfill_id, processor, purposes, decision, status, rate, total, issued,
                    cursor_subject, cursor_purpose, requested_by, created_at, updated_at)
                values (?::uuid, 'mailgun', 'newsletter', 'WITHDRAWN', 'RUNNING', 10000, 501, 500,
                    'zz-backfill-pending-', 'newsletter', 'test', now(), now())""", id);
        try {
            Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> backfill(id).getLong("issued") == 500);
            assertThat(backfill(id).getLong("unanswered")).isEqualTo(500);
        } finally {
            // the adapter answers them (they were never real: gone, not CONFIRMED): the backfill goes on
            Db.update("delete from propagation where backfill_id = ?::uuid", id);
        }

        awaitStatus(id, "DONE");
        assertThat(Db.count("select count(*) from propagation where backfill_id = ?::uuid and subject_id = ?", id,
                subject)).isEqualTo(1);
    }

    @Test
    void aCancelledBackfillIssuesNothingMore() {
        for (int i = 0; i < 5; i++) { // more than its rate issues before the cancel arrives
            String subject = "backfill-cancel-" + UUID.randomUUID();
            decide(subject, "WITHDRAWN", subject + "@example.no");
        }
        String id = given().contentType(ContentType.JSON)
                .body(Map.of("processor", "mailgun", "purposes", List.of("newsletter"), "rate", 1))
                .post("/v1/ops/backfills").then().statusCode(202).extract().path("backfillId");
        given().post("/v1/ops/backfills/" + id + "/cancel").then().statusCode(200)
                .body("status", equalTo("CANCELLED"));
        long issued = backfill(id).getLong("issued");
        Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> backfill(id).getLong("issued") == issued);
        given().post("/v1/ops/backfills/" + id + "/cancel").then().statusCode(409);
        // both actions are in the ops audit, with who took them; the refused second cancel is not
        given().get("/v1/ops/audit?limit=1000").then().statusCode(200)
                .body("entries.findAll { it.target == 'backfill " + id + "' }.action",
                        contains("BACKFILL_CANCEL", "BACKFILL_START"))
                .body("entries.findAll { it.target == 'backfill " + id + "' }.principal",
                        everyItem(equalTo("test-backend")));
    }

    @Test
    void aProcessorThatDoesNotServeThePurposeIsRefusedNamingTheField() {
        given().contentType(ContentType.JSON).body(Map.of("processor", "eliq", "purposes", List.of("newsletter")))
                .post("/v1/ops/backfills").then().statusCode(400).body("errors.field", hasItem("purposes"));
        given().contentType(ContentType.JSON).body(Map.of("processor", "sendgrid", "purposes", List.of("newsletter")))
                .post("/v1/ops/backfills").then().statusCode(400).body("errors.field", hasItem("processor"));
        assertThat(Db.count("select count(*) from backfill where processor in ('eliq', 'sendgrid')")).isZero();
    }
}
