package no.elekt.consent.adapter.mailgun;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.quarkus.test.junit.QuarkusTest;
import no.elekt.consent.adapter.Directives;
import no.elekt.consent.adapter.Result;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.testinfra.KafkaEvents;
import no.elekt.consent.testinfra.ProcessorStandIns;

/** The Mailgun adapter against a stand-in serving Mailgun's endpoints. */
@QuarkusTest
class MailgunAdapterTest {

    static final String DOMAIN = ProcessorStandIns.MAILGUN_DOMAIN;
    static final String BASIC = "Basic " + Base64.getEncoder()
            .encodeToString(("api:" + ProcessorStandIns.MAILGUN_API_KEY).getBytes(StandardCharsets.UTF_8));
    static final String UNSUBSCRIBES = "/v3/" + DOMAIN + "/unsubscribes";

    static KafkaEvents kafka;
    static WireMock mailgun;

    @Inject
    MailgunAdapter adapter;

    @BeforeAll
    static void connect() {
        kafka = KafkaEvents.from(Directives.RECEIPTS);
        mailgun = ProcessorStandIns.wireMock();
    }

    @AfterAll
    static void close() {
        kafka.close();
    }

    static String email() {
        return Directives.unique("user") + "@example.no";
    }

    @Test
    void newsletterWithdrawalAtTheApiUnsubscribesAndLeavesTheListsWithAnAppliedReceipt() {
        String subject = Directives.unique("subject");
        String email = email();
        String changeId = Directives.postChange(subject, "newsletter", "WITHDRAWN", Map.of("email", email));

        PropagationReceipt receipt = kafka.<PropagationReceipt>await(Directives.RECEIPTS, subject, 1).get(0);
        assertThat(receipt.getOutcome()).isEqualTo(ReceiptOutcome.APPLIED);
        assertThat(receipt.getChangeId()).isEqualTo(changeId);
        assertThat(receipt.getProcessor()).isEqualTo("mailgun");
        assertThat(receipt.getDetail()).doesNotContain(email);

        mailgun.verifyThat(1, postRequestedFor(urlPathEqualTo(UNSUBSCRIBES))
                .withHeader("Authorization", equalTo(BASIC))
                .withFormParam("address", equalTo(email))
                .withFormParam("tag", equalTo("newsletter")));
        for (String list : ProcessorStandIns.MAILGUN_LISTS.split(",")) {
            mailgun.verifyThat(1, deleteRequestedFor(urlPathEqualTo("/v3/lists/" + list + "/members/" + email))
                    .withHeader("Authorization", equalTo(BASIC)));
        }
    }

    @Test
    void erasureUnsubscribesFromEverythingAndTheEntryStays() {
        String email = email();
        Result result = Directives.apply(adapter, Directives.directive("mailgun", DirectiveAction.DELETE,
                ChangeKind.ERASURE, "marketing", 3, Map.of("email", email)));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        mailgun.verifyThat(1, postRequestedFor(urlPathEqualTo(UNSUBSCRIBES))
                .withFormParam("address", equalTo(email)).withFormParam("tag", equalTo("*")));
        mailgun.verifyThat(0, deleteRequestedFor(urlPathEqualTo(UNSUBSCRIBES + "/" + email)));
    }

    @Test
    void severalWaitingUnsubscribesGoInOneBulkCall() {
        String first = email();
        String second = email();
        String third = email();
        List<ProcessorDirective> directives = List.of(
                Directives.directive("mailgun", DirectiveAction.SUPPRESS, "marketing", 1, Map.of("email", first)),
                Directives.directive("mailgun", DirectiveAction.SUPPRESS, "newsletter", 1, Map.of("email", second)),
                Directives.directive("mailgun", DirectiveAction.SUPPRESS, "marketing", 1, Map.of("email", third)));

        List<Result> results = Directives.await(adapter.applyAll(directives));

        assertThat(results).extracting(Result::outcome).containsOnly(ReceiptOutcome.APPLIED);
        List<LoggedRequest> bulk = mailgun.find(postRequestedFor(urlPathEqualTo(UNSUBSCRIBES))
                .withHeader("Content-Type", WireMock.containing("application/json"))
                .withRequestBody(WireMock.containing(first)));
        assertThat(bulk).hasSize(1);
        assertThat(bulk.get(0).getHeader("Authorization")).isEqualTo(BASIC);
        assertThat(bulk.get(0).getBodyAsString()).contains(second, third, "\"tags\":[\"newsletter\"]", "created_at");
        mailgun.verifyThat(0, postRequestedFor(urlPathEqualTo(UNSUBSCRIBES)).withFormParam("address", equalTo(first)));
    }

    @Test
    void resumeRemovesTheUnsubscribeAndAMissingOneIsAlreadyGone() {
        String email = email();
        mailgun.register(delete(urlPathEqualTo(UNSUBSCRIBES + "/" + email)).atPriority(1)
                .willReturn(aResponse().withStatus(404).withBody("{\"message\":\"Address not found\"}")));

        Result result = Directives.apply(adapter,
                Directives.directive("mailgun", DirectiveAction.RESUME, "newsletter", 2, Map.of("email", email)));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.ALREADY_APPLIED);
        mailgun.verifyThat(1, deleteRequestedFor(urlPathEqualTo(UNSUBSCRIBES + "/" + email))
                .withQueryParam("tag", equalTo("newsletter")).withHeader("Authorization", equalTo(BASIC)));
    }

    @Test
    void rejectedCredentialsFailAtOnceAndSaySo() {
        String email = email();
        mailgun.register(unsubscribeOf(email).willReturn(aResponse().withStatus(401).withBody("Forbidden")));

        Result result = Directives.apply(adapter, suppress(email));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.FAILED_PERMANENT);
        assertThat(result.detail()).contains("HTTP 401", "credentials").doesNotContain(email);
        mailgun.verifyThat(1, postRequestedFor(urlPathEqualTo(UNSUBSCRIBES)).withFormParam("address", equalTo(email)));
    }

    @Test
    void tooManyRequestsWaitsAsToldByRetryAfter() {
        String email = email();
        String scenario = Directives.unique("mailgun-429");
        mailgun.register(unsubscribeOf(email).inScenario(scenario).whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")).willSetStateTo("open"));
        mailgun.register(unsubscribeOf(email).inScenario(scenario).whenScenarioStateIs("open")
                .willReturn(okJson("{\"message\":\"ok\"}")));

        Result result = Directives.apply(adapter, suppress(email));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        List<LoggedRequest> calls = mailgun.find(postRequestedFor(urlPathEqualTo(UNSUBSCRIBES))
                .withFormParam("address", equalTo(email)));
        assertThat(calls).hasSize(2);
        assertThat(calls.get(1).getLoggedDate().getTime() - calls.get(0).getLoggedDate().getTime())
                .isGreaterThanOrEqualTo(950);
    }

    @Test
    void serverErrorIsRetried() {
        String email = email();
        String scenario = Directives.unique("mailgun-500");
        mailgun.register(unsubscribeOf(email).inScenario(scenario).whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(500)).willSetStateTo("up"));
        mailgun.register(unsubscribeOf(email).inScenario(scenario).whenScenarioStateIs("up")
                .willReturn(okJson("{\"message\":\"ok\"}")));

        assertThat(Directives.apply(adapter, suppress(email)).outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        mailgun.verifyThat(2, postRequestedFor(urlPathEqualTo(UNSUBSCRIBES)).withFormParam("address", equalTo(email)));
    }

    @Test
    void aCallThatTimesOutIsRetried() {
        String email = email();
        String scenario = Directives.unique("mailgun-slow");
        mailgun.register(unsubscribeOf(email).inScenario(scenario).whenScenarioStateIs(STARTED)
                .willReturn(okJson("{}").withFixedDelay(2500)).willSetStateTo("fast"));
        mailgun.register(unsubscribeOf(email).inScenario(scenario).whenScenarioStateIs("fast")
                .willReturn(okJson("{\"message\":\"ok\"}")));

        assertThat(Directives.apply(adapter, suppress(email)).outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        mailgun.verifyThat(2, postRequestedFor(urlPathEqualTo(UNSUBSCRIBES)).withFormParam("address", equalTo(email)));
    }

    @Test
    void aPersistentOutageEndsFailedWithinTheBudget() {
        String email = email();
        mailgun.register(unsubscribeOf(email).willReturn(aResponse().withStatus(503)));

        Result result = Directives.apply(adapter, suppress(email));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.FAILED_PERMANENT);
        assertThat(result.detail()).contains("HTTP 503", "gave up after 4 attempts");
        assertThat(result.attempts()).isEqualTo(4);
    }

    static ProcessorDirective suppress(String email) {
        return Directives.directive("mailgun", DirectiveAction.SUPPRESS, "marketing", 1, Map.of("email", email));
    }

    static MappingBuilder unsubscribeOf(String email) {
        return post(urlPathEqualTo(UNSUBSCRIBES)).atPriority(1).withFormParam("address", equalTo(email));
    }

}
