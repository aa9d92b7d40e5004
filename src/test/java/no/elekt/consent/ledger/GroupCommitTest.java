package no.elekt.consent.ledger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.events.Decision;
import no.elekt.consent.idempotency.IdempotencyKey;
import no.elekt.consent.idempotency.IdempotentSubmission.Submitted;
import no.elekt.consent.problem.InvalidFieldException;
import no.elekt.consent.problem.ProblemException;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * Group commit of the REST intake: concurrent decisions share transactions, each is recorded exactly once and
 * answered with its own change, a subject's decisions keep their order, and a decision that fails inside a shared
 * transaction fails alone, leaving nothing behind.
 */
@QuarkusTest
@TestIdentity
class GroupCommitTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TestHTTPResource("/v1/consent-changes")
    URI changes;

    @Inject
    ChangeIntake intake;

    @Inject
    GroupCommit groupCommit;

    @Inject
    MeterRegistry metrics;

    /** One answer of the service. */
    private record Answer(int status, String changeId, long version, boolean replayed) {
    }

    private static ConsentChangeRequest change(String subject, Decision decision, Instant occurredAt,
            Map<String, String> identifiers) {
        return new ConsentChangeRequest(subject, "marketing", decision, occurredAt, "web", "no-2023-04-27",
                identifiers);
    }

    /** The request as JSON fields. */
    private static Map<String, Object> body(ConsentChangeRequest change) {
        Map<String, Object> body = new HashMap<>(Map.of("subjectId", change.subjectId(), "purpose", change.purpose(),
                "decision", change.decision().name(), "occurredAt", change.occurredAt().toString(),
                "source", change.source(), "policyVersion", change.policyVersion()));
        if (change.identifiers() != null) {
            body.put("identifiers", change.identifiers());
        }
        return body;
    }

    private Answer post(HttpClient http, ConsentChangeRequest change, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(changes).header("Content-Type", "application/json")
                .timeout(WAIT).POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body(change))));
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            return new Answer(response.statusCode(), null, 0, false);
        }
        JsonNode body = JSON.readTree(response.body());
        return new Answer(202, body.get("changeId").asText(), body.get("version").asLong(),
                response.headers().firstValue("Idempotent-Replayed").isPresent());
    }

    private DistributionSummary transactions() {
        return metrics.summary("consent_intake_group_commit_size");
    }

    @Test
    void concurrentChangesAreEachRecordedOnceWithTheirOwnAnswerAndInOrderPerSubject() throws Exception {
        int subjects = 12;
        int perSubject = 8;
        int repeats = 10;
        String run = UUID.randomUUID().toString();
        Instant start = Instant.now().minus(Duration.ofHours(1));
        long transactionsBefore = transactions().count();
        double changesBefore = transactions().totalAmount();

        HttpClient http = HttpClient.newBuilder().connectTimeout(WAIT).build();
        ExecutorService clients = Executors.newFixedThreadPool(subjects + repeats);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<Answer>>> bySubject = new ArrayList<>();
        for (int s = 0; s < subjects; s++) {
            String subject = "gc-" + s + "-" + run;
            // each subject's backend sends its decisions one after the other, all subjects at once
            bySubject.add(clients.submit(() -> {
                go.await();
                List<Answer> answers = new ArrayList<>();
                for (int i = 0; i < perSubject; i++) {
                    answers.add(post(http, change(subject, i % 2 == 0 ? Decision.WITHDRAWN : Decision.GRANTED,
                            start.plusSeconds(i), null), null));
                }
                return answers;
            }));
        }
        // and one backend retries a decision with its Idempotency-Key, many times at once
        String repeated = "gc-repeated-" + run;
        String key = "key-" + run;
        List<Future<Answer>> repeatAnswers = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            Callable<Answer> retry = () -> {
                go.await();
                return post(http, change(repeated, Decision.WITHDRAWN, start, null), key);
            };
            repeatAnswers.add(clients.submit(retry));
        }
        go.countDown();

        for (int s = 0; s < subjects; s++) {
            String subject = "gc-" + s + "-" + run;
            List<Answer> answers = bySubject.get(s).get(60, TimeUnit.SECONDS);
            assertThat(answers).extracting(Answer::status).containsOnly(202);
            assertThat(answers).extracting(Answer::version)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, perSubject).boxed().toList());
            assertThat(new HashSet<>(answers.stream().map(Answer::changeId).toList())).hasSize(perSubject);
            for (Answer answer : answers) {
                assertThat(Db.count("select count(*) from consent_record where change_id = cast(? as uuid) "
                        + "and subject_id = ? and version = ?", answer.changeId(), subject, answer.version()))
                        .isEqualTo(1);
            }
            assertThat(Db.count("select count(*) from consent_record where subject_id = ?", subject))
                    .isEqualTo(perSubject);
            assertThat(Db.count("select count(*) from consent_state where subject_id = ? and version = ? "
                    + "and decision = 'GRANTED'", subject, perSubject)).isEqualTo(1);
        }
        List<Answer> retried = new ArrayList<>();
        for (Future<Answer> answer : repeatAnswers) {
            retried.add(answer.get(60, TimeUnit.SECONDS));
        }
        clients.shutdown();
        assertThat(retried).extracting(Answer::status).containsOnly(202);
        assertThat(retried).extracting(Answer::changeId).containsOnly(retried.get(0).changeId());
        assertThat(retried).filteredOn(Answer::replayed).hasSize(repeats - 1);
        assertThat(Db.count("select count(*) from consent_record where subject_id = ?", repeated)).isEqualTo(1);

        // they did share transactions
        long transactions = transactions().count() - transactionsBefore;
        double recorded = transactions().totalAmount() - changesBefore;
        assertThat(recorded).isEqualTo(subjects * perSubject + repeats);
        assertThat(transactions).isLessThan(subjects * perSubject + repeats);
    }

    @Test
    void aChangeThatFailsInASharedTransactionFailsAloneAndLeavesNothingBehind() {
        String run = UUID.randomUUID().toString();
        String full = "gc-full-" + run;
        String keyed = "gc-keyed-" + run;
        String other = "gc-other-" + run;
        String reuser = "gc-reuser-" + run;
        String key = "key-" + run;
        Instant before = Instant.now().minus(Duration.ofMinutes(10));
        // the subject already has the most e-mail addresses kept (5 in the tests)
        for (int i = 1; i <= 5; i++) {
            given().contentType(ContentType.JSON).body(body(change(full, Decision.WITHDRAWN, before.plusSeconds(i),
                    Map.of("email", full + "-" + i + "@example.no")))).post("/v1/consent-changes")
                    .then().statusCode(202);
        }
        String keyedChange = given().contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(body(change(keyed, Decision.WITHDRAWN, before, null))).post("/v1/consent-changes")
                .then().statusCode(202).extract().path("changeId");
        Instant now = Instant.now().minus(Duration.ofMinutes(1));
        double recordedAgain = metrics.counter("consent_intake_group_commit_recorded_again").count();

        List<Uni<Submitted<ChangeView>>> answers = groupCommit.together(List.of(
                prepare(change(other, Decision.WITHDRAWN, now, null), null),
                // a sixth address: refused, after its version was taken and its identifiers were locked
                prepare(change(full, Decision.WITHDRAWN, now, Map.of("email", full + "-6@example.no")), null),
                // the key of another change with another body
                prepare(change(reuser, Decision.GRANTED, now, null), key),
                prepare(change(full, Decision.GRANTED, now.plusSeconds(1), null), null),
                prepare(change(keyed, Decision.WITHDRAWN, before, null), key)));

        assertThat(answers.get(0).await().atMost(WAIT).value().version()).isEqualTo(1);
        assertThatThrownBy(() -> answers.get(1).await().atMost(WAIT)).isInstanceOf(InvalidFieldException.class)
                .hasMessageContaining("identifiers.email");
        assertThatThrownBy(() -> answers.get(2).await().atMost(WAIT)).isInstanceOf(ProblemException.class)
                .hasMessageContaining("Idempotency-Key");
        Submitted<ChangeView> grant = answers.get(3).await().atMost(WAIT);
        assertThat(grant.value().version()).as("the refused change's version was undone").isEqualTo(6);
        assertThat(grant.value().inForce()).isTrue();
        Submitted<ChangeView> replayed = answers.get(4).await().atMost(WAIT);
        assertThat(replayed.replayed()).isTrue();
        assertThat(replayed.value().changeId()).hasToString(keyedChange);
        assertThat(metrics.counter("consent_intake_group_commit_recorded_again").count() - recordedAgain)
                .as("the shared transaction failed once, then was recorded change by change").isEqualTo(1);

        assertThat(Db.count("select count(*) from consent_record where subject_id = ?", full)).isEqualTo(6);
        assertThat(Db.count("select count(*) from subject_identifier where subject_id = ?", full)).isEqualTo(5);
        assertThat(Db.count("select count(*) from consent_state where subject_id = ? and version = 6 "
                + "and last_version = 6 and decision = 'GRANTED'", full)).isEqualTo(1);
        assertThat(Db.rowsFor(reuser)).isZero();
        assertThat(Db.count("select count(*) from consent_record where subject_id = ?", keyed)).isEqualTo(1);
        assertThat(Db.count("select count(*) from consent_record where subject_id = ?", other)).isEqualTo(1);
    }

    private ChangeIntake.Prepared prepare(ConsentChangeRequest request, String key) {
        return intake.prepare(request, IdempotencyKey.of("test-backend", ConsentChangeResource.ENDPOINT, key));
    }
}
