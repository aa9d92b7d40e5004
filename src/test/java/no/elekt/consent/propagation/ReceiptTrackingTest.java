package no.elekt.consent.propagation;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.is;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import no.elekt.consent.adapter.Directives;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.Infra;
import no.elekt.consent.testinfra.KafkaEvents;
import no.elekt.consent.testinfra.KafkaPublisher;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * The core's receipt consumer, which records each poll of receipts in one transaction: bad receipts in a poll are
 * dead-lettered one by one, as they came, and the good ones of the same poll are still applied; a poll held up does
 * not hold up the next poll of other subjects.
 */
@QuarkusTest
@TestIdentity
class ReceiptTrackingTest {

    static final String RECEIPTS = Directives.receipts("addapptr");
    static final String DLQ = RECEIPTS + ".dlq";
    static final String MAILGUN_RECEIPTS = Directives.receipts("mailgun");
    static final String MAILGUN_DLQ = MAILGUN_RECEIPTS + ".dlq";

    static KafkaEvents kafka;
    static KafkaPublisher publisher;

    @BeforeAll
    static void connect() {
        kafka = KafkaEvents.from(DLQ, MAILGUN_DLQ);
        publisher = new KafkaPublisher();
    }

    @AfterAll
    static void close() {
        kafka.close();
        publisher.close();
    }

    static PropagationReceipt receipt(String directiveId, String subject, ReceiptOutcome outcome) {
        return receipt(directiveId, subject, outcome, "addapptr");
    }

    static PropagationReceipt receipt(String directiveId, String subject, ReceiptOutcome outcome, String processor) {
        return PropagationReceipt.newBuilder()
                .setReceiptId(UUID.randomUUID().toString())
                .setDirectiveId(directiveId)
                .setChangeId(UUID.randomUUID().toString())
                .setSubjectId(subject)
                .setProcessor(processor)
                .setOutcome(outcome)
                .setDetail("confirmed by the processor")
                .setAttempts(1)
                .setCompletedAt(Instant.now())
                .build();
    }

    /** A withdrawal of personalised ads: one propagation, to AddApptr. */
    static String withdrawAds(String subject) {
        return Directives.postChange(subject, "personalised-ads", "WITHDRAWN",
                Map.of("advertisingId", UUID.randomUUID().toString()));
    }

    static String addapptrDirective(String change) {
        return given().get("/v1/consent-changes/" + change).jsonPath()
                .getString("propagations.find { it.processor == 'addapptr' }.directiveId");
    }

    @Test
    void badReceiptsAreDeadLetteredOneByOneAndTheGoodOnesAreApplied() {
        String subject = "receipts-" + UUID.randomUUID();
        String change = withdrawAds(subject);
        String directiveId = addapptrDirective(change);
        String unknownDirective = UUID.randomUUID().toString();

        publisher.sendRaw(RECEIPTS, subject, "not avro".getBytes(StandardCharsets.UTF_8));
        publisher.send(RECEIPTS, subject, receipt(unknownDirective, subject, ReceiptOutcome.APPLIED));
        publisher.send(RECEIPTS, subject, receipt(directiveId, subject, ReceiptOutcome.APPLIED));

        var deadLetters = kafka.awaitEvents(DLQ, subject, 2);
        assertThat(new String(deadLetters.get(0).raw(), StandardCharsets.UTF_8)).isEqualTo("not avro");
        assertThat(deadLetters.get(0).headers().get("dead-letter-reason"))
                .contains("not a readable PropagationReceipt");
        assertThat(deadLetters.get(1).headers().get("dead-letter-reason"))
                .isEqualTo("no propagation is known for directive " + unknownDirective);
        assertThat(deadLetters).allSatisfy(d -> assertThat(d.headers())
                .containsEntry("dead-letter-topic", RECEIPTS)
                .containsEntry("dead-letter-cause", "core receipt tracker"));
        // the directive the poll also carried reached its end state
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/v1/consent-changes/" + change).then()
                        .body("propagations.find { it.processor == 'addapptr' }.status", is("CONFIRMED")));
    }

    /**
     * Only a processor's own adapter closes its propagations: the Mailgun adapter's Kafka user may write only the
     * Mailgun receipt topic, and a receipt from there closes no AddApptr propagation, whichever processor it names.
     */
    @Test
    void aReceiptFromAnotherProcessorsAdapterDoesNotCloseThePropagation() {
        String subject = "forged-" + UUID.randomUUID();
        String change = withdrawAds(subject);
        String directiveId = addapptrDirective(change);
        // the AddApptr adapter files the request by mail and leaves it for ops to confirm
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/v1/consent-changes/" + change).then()
                        .body("propagations.find { it.processor == 'addapptr' }.status", is("AWAITING_MANUAL")));

        publisher.send(MAILGUN_RECEIPTS, subject, receipt(directiveId, subject, ReceiptOutcome.APPLIED, "mailgun"));
        publisher.send(MAILGUN_RECEIPTS, subject, receipt(directiveId, subject, ReceiptOutcome.APPLIED, "addapptr"));

        var deadLetters = kafka.awaitEvents(MAILGUN_DLQ, subject, 2);
        assertThat(deadLetters).allSatisfy(d -> assertThat(d.headers().get("dead-letter-reason"))
                .contains("for a propagation to addapptr: only addapptr's adapter may close it"));
        // both were handled (dead-lettered after their poll's transaction) and the propagation is still open
        given().get("/v1/consent-changes/" + change).then()
                .body("propagations.find { it.processor == 'addapptr' }.status", is("AWAITING_MANUAL"));

        // the same receipt from AddApptr's own adapter closes it
        publisher.send(RECEIPTS, subject, receipt(directiveId, subject, ReceiptOutcome.APPLIED));
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/v1/consent-changes/" + change).then()
                        .body("propagations.find { it.processor == 'addapptr' }.status", is("CONFIRMED")));
    }

    static void awaitStatus(String change, String status) {
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get("/v1/consent-changes/" + change).then()
                        .body("propagations.find { it.processor == 'addapptr' }.status", is(status)));
    }

    /**
     * A poll of receipts held up in its transaction (the test holds the propagation's row) does not hold up a later
     * poll of other subjects: the core takes the next poll while the earlier one is still being recorded.
     */
    @Test
    void aPollHeldUpDoesNotHoldUpTheNextPollsOtherSubjects() throws SQLException {
        String heldSubject = "held-" + UUID.randomUUID();
        String otherSubject = "other-" + UUID.randomUUID();
        String heldChange = withdrawAds(heldSubject);
        String otherChange = withdrawAds(otherSubject);
        awaitStatus(heldChange, "AWAITING_MANUAL"); // the AddApptr adapter's own receipts are in
        awaitStatus(otherChange, "AWAITING_MANUAL");
        String heldDirective = addapptrDirective(heldChange);

        try (Connection hold = DriverManager.getConnection(Infra.jdbcUrl(), "postgres", "postgres")) {
            hold.setAutoCommit(false);
            try (PreparedStatement lock = hold.prepareStatement(
                    "select 1 from propagation where directive_id = ?::uuid for update")) {
                lock.setString(1, heldDirective);
                lock.executeQuery().close();
            }
            publisher.send(RECEIPTS, heldSubject, receipt(heldDirective, heldSubject, ReceiptOutcome.APPLIED));
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> Db.count("""
                            select count(*) from pg_stat_activity
                            where wait_event_type = 'Lock' and query like '%update propagation%'""") > 0);

            publisher.send(RECEIPTS, otherSubject,
                    receipt(addapptrDirective(otherChange), otherSubject, ReceiptOutcome.APPLIED));

            awaitStatus(otherChange, "CONFIRMED");
            given().get("/v1/consent-changes/" + heldChange).then()
                    .body("propagations.find { it.processor == 'addapptr' }.status", is("AWAITING_MANUAL"));
            hold.rollback();
        }
        awaitStatus(heldChange, "CONFIRMED");
    }
}
