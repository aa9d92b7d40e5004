package no.elekt.consent.reliability;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.TestIdentity;
import no.elekt.consent.testinfra.TestTokens;

/**
 * Clients that give up mid-request (a time-out, a closed app) leave nothing behind: on every write endpoint, requests
 * cut off half-sent, closed right after sending, and reset right after sending; then no connection of the pool is
 * left in a transaction or lost (the service still serves more requests at once than the pool has connections), and
 * every change and rights request is in the tables whole or not at all.
 */
@QuarkusTest
@TestIdentity
class CancelledRequestsTest {

    enum Cut {
        HALF_SENT, CLOSED_AFTER_SENDING, RESET_AFTER_SENDING
    }

    static final int PER_CUT = 8;
    final String token = TestTokens.token(Set.of("consent-writer", "subject-reader", "ops"), List.of("*"));

    @Test
    void cancelledWritesLeakNoConnectionAndHalfApplyNothing() throws IOException {
        List<String> changeSubjects = new ArrayList<>();
        List<String> requestSubjects = new ArrayList<>();
        String open = openDirective();
        for (Cut cut : Cut.values()) {
            for (int i = 0; i < PER_CUT; i++) {
                String changed = "cancelled-change-" + UUID.randomUUID();
                changeSubjects.add(changed);
                send(cut, "/v1/consent-changes",
                        """
                                {"subjectId":"%s","purpose":"newsletter","decision":"WITHDRAWN","occurredAt":"%s",
                                 "source":"app-android","policyVersion":"no-2023-04-27","identifiers":{"email":"%s@example.no"}}"""
                                .formatted(changed, Instant.now(), changed),
                        "Idempotency-Key: " + changed);
                String requested = "cancelled-request-" + UUID.randomUUID();
                requestSubjects.add(requested);
                send(cut, "/v1/subjects/" + requested + "/requests", """
                        {"type":"ERASURE","source":"app-android"}""", "Idempotency-Key: " + requested);
                send(cut, "/v1/ops/propagations/" + open + "/retry", "", null);
                send(cut, "/v1/ops/propagations/" + open + "/confirm", "{\"note\":\"cancelled\"}", null);
                send(cut, "/v1/ops/parked-outbox/" + Long.MAX_VALUE + "/retry", "", null);
            }
            send(cut, "/v1/ops/backfills", """
                    {"processor":"eliq","purposes":["energy-insights"],"rate":1000}""", null);
            send(cut, "/v1/ops/dead-letters/replay?topic=consent.receipts.v1.dlq&max=1", "", null);
        }

        // no connection left inside a transaction
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Db.count("""
                select count(*) from pg_stat_activity
                where datname = current_database() and state like 'idle in transaction%'""") == 0);
        // and none lost: more concurrent writes than the pool has connections (20) all succeed
        List<Thread> writers = new ArrayList<>();
        List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 30; i++) {
            Thread writer = new Thread(() -> statuses.add(given().contentType(ContentType.JSON)
                    .body("""
                            {"subjectId":"after-cancel-%s","purpose":"analytics","decision":"WITHDRAWN",
                             "occurredAt":"%s","source":"app-android","policyVersion":"no-2023-04-27"}"""
                            .formatted(UUID.randomUUID(), Instant.now()))
                    .post("/v1/consent-changes").statusCode()));
            writers.add(writer);
            writer.start();
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> statuses.size() == 30);
        assertThat(statuses).containsOnly(202);

        // whole or nothing: a change with its state, propagation, identifiers and key; a request with its ledger rows
        for (String subject : changeSubjects) {
            long records = Db.count("select count(*) from consent_record where subject_id = ?", subject);
            assertThat(records).as("ledger rows of %s", subject).isBetween(0L, 1L);
            long expected = records;
            assertThat(Db.count("select count(*) from consent_state where subject_id = ?", subject))
                    .isEqualTo(expected);
            assertThat(Db.count("select count(*) from propagation where subject_id = ?", subject)).isEqualTo(expected);
            assertThat(Db.count("select count(*) from subject_identifier where subject_id = ?", subject))
                    .isEqualTo(expected);
            assertThat(Db.count("select count(*) from idempotency_key where idempotency_key = ?", subject))
                    .isEqualTo(expected);
        }
        for (String subject : requestSubjects) {
            long requests = Db.count("select count(*) from rights_request where subject_id = ?", subject);
            long ledger = Db.count(
                    "select count(*) from consent_record where subject_id = ? and request_id is not null",
                    subject);
            assertThat(requests).isBetween(0L, 1L);
            assertThat(ledger > 0).as("ledger rows of request of %s", subject).isEqualTo(requests == 1);
            assertThat(Db.count("select count(*) from idempotency_key where idempotency_key = ?", subject))
                    .isEqualTo(requests);
        }
        System.out.printf(
                "CancelledRequestsTest: %d of %d cancelled changes and %d of %d requests were applied whole%n",
                changeSubjects.stream().filter(s -> Db.count("select count(*) from consent_record where subject_id = ?",
                        s) == 1).count(),
                changeSubjects.size(),
                requestSubjects.stream()
                        .filter(s -> Db.count("select count(*) from rights_request where subject_id = ?",
                                s) == 1)
                        .count(),
                requestSubjects.size());
    }

    /** A propagation to retry and confirm: from a change made normally. */
    private static String openDirective() {
        String subject = "cancelled-ops-" + UUID.randomUUID();
        given().contentType(ContentType.JSON).body("""
                {"subjectId":"%s","purpose":"personalised-ads","decision":"WITHDRAWN","occurredAt":"%s",
                 "source":"app-android","policyVersion":"no-2023-04-27"}""".formatted(subject, Instant.now()))
                .post("/v1/consent-changes").then().statusCode(202);
        return Db.string("select directive_id::text from propagation where subject_id = ? limit 1", subject);
    }

    /** A POST over a raw connection that the client abandons as {@code cut} says, without reading the answer. */
    private void send(Cut cut, String path, String body, String header) throws IOException {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: application/json\r\nContent-Length: " + content.length + "\r\n"
                + (header == null ? "" : header + "\r\n") + "\r\n";
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), RestAssured.port)) {
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(content, 0, cut == Cut.HALF_SENT ? content.length / 2 : content.length);
            out.flush();
            if (cut == Cut.RESET_AFTER_SENDING) {
                socket.setSoLinger(true, 0);
            }
        }
    }
}
