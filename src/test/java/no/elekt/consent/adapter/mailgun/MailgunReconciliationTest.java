package no.elekt.consent.adapter.mailgun;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import no.elekt.consent.adapter.Directives;
import no.elekt.consent.adapter.Reconciliation;
import no.elekt.consent.adapter.StandInTest;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.ProcessorStandIns;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * Issue 12, reconciliation: drift planted at Mailgun (someone lifts an unsubscribe behind our back) is found by
 * comparing what Mailgun holds with what the adapter applied last, reported in adapter_drift, the drift gauge and the
 * log (subject id only), listed for ops, repaired by the directive in force issued again through the ops API,
 * and ended once the next reconciliation finds Mailgun holding what was applied.
 */
@QuarkusTest
@TestIdentity
class MailgunReconciliationTest extends StandInTest {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    @Inject
    MailgunReconciliation reconciliation;
    @Inject
    MeterRegistry metrics;

    @Test
    void driftPlantedAtMailgunIsReportedByIdsAndEndsWhenRepaired() throws Exception {
        String subject = Directives.unique("drift");
        String email = subject + "@example.no";
        Directives.postChange(subject, "newsletter", "WITHDRAWN", Map.of("email", email));
        PropagationReceipt receipt = kafka.<PropagationReceipt>await(Directives.receipts("mailgun"), subject, 1).get(0);
        assertThat(receipt.getOutcome()).isEqualTo(ReceiptOutcome.APPLIED);

        Reconciliation.Report clean = reconciliation.run().await().atMost(Duration.ofSeconds(60));
        assertThat(open(subject)).isZero();
        assertThat(clean.subjectsChecked()).isPositive();

        // planted: the unsubscribe lifted at Mailgun, and the address put back on a list, by someone else
        mailgun("DELETE", "/v3/" + ProcessorStandIns.MAILGUN_DOMAIN + "/unsubscribes/" + encode(email), null);
        String list = ProcessorStandIns.MAILGUN_LISTS.split(",")[0];
        ProcessorStandIns.control().seed("mailgun", "member", list, email); // (Mailgun's add takes multipart only)

        Reconciliation.Report drifted = reconciliation.run().await().atMost(Duration.ofSeconds(60));

        assertThat(drifted.drifted()).isPositive();
        assertThat(open(subject)).isEqualTo(1);
        assertThat(Db.count("select count(*) from adapter_drift where subject_id = ? and purpose = 'newsletter' "
                + "and expected = 'unsubscribed from newsletter and on no list' and found like '%not unsubscribed%'",
                subject)).isEqualTo(1);
        assertThat(metrics.get("consent_adapter_drift").tag("processor", "mailgun").gauge().value()).isPositive();
        String log = Files.readString(Path.of("target", "quarkus-test.log"));
        assertThat(log).contains("Drift at mailgun: subject " + subject).doesNotContain(email);
        assertThat(Db.count("select count(*) from adapter_drift where found like ? or expected like ?",
                "%" + email + "%", "%" + email + "%")).isZero();

        // ops see it by ids and have the directive in force issued again; the adapter applies it at Mailgun
        given().get("/v1/ops/drift/mailgun?limit=1000").then().statusCode(200)
                .body("find { it.subjectId == '" + subject + "' }.purpose", is("newsletter"))
                .body("find { it.subjectId == '" + subject + "' }.appliedAction", is("DELETE"))
                .body(not(containsString(email)));
        given().post("/v1/ops/drift/mailgun/repair?limit=1000").then().statusCode(200)
                .body("directivesIssued", greaterThanOrEqualTo(1));
        given().get("/v1/ops/audit").then().statusCode(200)
                .body("entries.find { it.action == 'DRIFT_REPAIR' }.target", is("drift at mailgun"));
        assertThat(kafka.<PropagationReceipt>await(Directives.receipts("mailgun"), subject, 2).get(1).getOutcome())
                .isEqualTo(ReceiptOutcome.APPLIED);
        reconciliation.run().await().atMost(Duration.ofSeconds(60));

        assertThat(open(subject)).isZero();
        assertThat(Db.count("select count(*) from adapter_drift where subject_id = ? and resolved_at is not null",
                subject)).isEqualTo(1);
    }

    static long open(String subject) {
        return Db.count("select count(*) from adapter_drift where processor = 'mailgun' and subject_id = ? "
                + "and resolved_at is null", subject);
    }

    /** A call to Mailgun (the stand-in) as someone else would make it, through its documented API. */
    static void mailgun(String method, String path, String form) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(ProcessorStandIns.baseUrl() + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("api:"
                        + ProcessorStandIns.MAILGUN_API_KEY).getBytes(StandardCharsets.UTF_8)));
        if (form != null) {
            request.header("Content-Type", "application/x-www-form-urlencoded")
                    .method(method, HttpRequest.BodyPublishers.ofString(form));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> answer = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(method + " " + path).isEqualTo(200);
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
