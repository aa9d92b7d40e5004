package no.elekt.consent.adapter.mailgun;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.security.AttributeType;
import io.quarkus.test.security.SecurityAttribute;
import io.quarkus.test.security.TestSecurity;
import no.elekt.consent.adapter.DirectiveResult;
import no.elekt.consent.adapter.Directives;
import no.elekt.consent.adapter.StandInTest;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.security.Roles;
import no.elekt.consent.security.SourceScope;
import no.elekt.consent.testinfra.ProcessorStandIns;

/** The Mailgun adapter against a stand-in serving Mailgun's endpoints. */
@QuarkusTest
@TestSecurity(user = "test-backend", roles = { Roles.WRITER, Roles.READER, Roles.OPS },
        attributes = @SecurityAttribute(key = SourceScope.ATTRIBUTE, value = "*", type = AttributeType.STRING_SET))
class MailgunAdapterTest extends StandInTest {

    static final String DOMAIN = ProcessorStandIns.MAILGUN_DOMAIN;
    static final String BASIC = "Basic " + Base64.getEncoder()
            .encodeToString(("api:" + ProcessorStandIns.MAILGUN_API_KEY).getBytes(StandardCharsets.UTF_8));
    static final String UNSUBSCRIBES = "/v3/" + DOMAIN + "/unsubscribes";

    @Inject
    MailgunAdapter adapter;

    @Inject
    @RestClient
    MailgunApi api;

    static String email() {
        return Directives.unique("user") + "@example.no";
    }

    @Test
    void newsletterWithdrawalAtTheApiUnsubscribesAndLeavesTheListsWithAnAppliedReceipt() {
        String subject = Directives.unique("subject");
        String email = email();
        String changeId = Directives.postChange(subject, "newsletter", "WITHDRAWN", Map.of("email", email));

        PropagationReceipt receipt = kafka.<PropagationReceipt>await(Directives.receipts("mailgun"), subject, 1).get(0);
        assertThat(receipt.getOutcome()).isEqualTo(ReceiptOutcome.APPLIED);
        assertThat(receipt.getChangeId()).isEqualTo(changeId);
        assertThat(receipt.getProcessor()).isEqualTo("mailgun");
        assertThat(receipt.getDetail()).doesNotContain(email);

        standIns.verifyThat(1, postRequestedFor(urlPathEqualTo(UNSUBSCRIBES))
                .withHeader("Authorization", equalTo(BASIC))
                .withFormParam("address", equalTo(email))
                .withFormParam("tag", equalTo("newsletter")));
        for (String list : ProcessorStandIns.MAILGUN_LISTS.split(",")) {
            standIns.verifyThat(1, deleteRequestedFor(urlPathEqualTo("/v3/lists/" + list + "/members/" + email))
                    .withHeader("Authorization", equalTo(BASIC)));
        }
    }

    @Test
    void erasureUnsubscribesFromEverythingAndTheEntryStays() {
        String email = email();
        DirectiveResult result = Directives.apply(adapter, Directives.directive("mailgun", DirectiveAction.DELETE,
                ChangeKind.ERASURE, "marketing", 3, Map.of("email", email)));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        standIns.verifyThat(1, postRequestedFor(urlPathEqualTo(UNSUBSCRIBES))
                .withFormParam("address", equalTo(email)).withFormParam("tag", equalTo("*")));
        standIns.verifyThat(0, deleteRequestedFor(urlPathEqualTo(UNSUBSCRIBES + "/" + email)));
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

        List<DirectiveResult> results = Directives.await(adapter.applyAll(directives));

        assertThat(results).extracting(DirectiveResult::outcome).containsOnly(ReceiptOutcome.APPLIED);
        List<LoggedRequest> bulk = standIns.find(postRequestedFor(urlPathEqualTo(UNSUBSCRIBES))
                .withHeader("Content-Type", WireMock.containing("application/json"))
                .withRequestBody(WireMock.containing(first)));
        assertThat(bulk).hasSize(1);
        assertThat(bulk.get(0).getHeader("Authorization")).isEqualTo(BASIC);
        assertThat(bulk.get(0).getBodyAsString()).contains(second, third, "\"tags\":[\"newsletter\"]", "created_at");
        standIns.verifyThat(0, postRequestedFor(urlPathEqualTo(UNSUBSCRIBES)).withFormParam("address", equalTo(first)));
    }

    @Test
    void resumeRemovesTheUnsubscribeAndAMissingOneIsAlreadyGone() {
        String email = email(); // never unsubscribed: Mailgun answers 404 "Address not found in unsubscribers table"

        DirectiveResult result = Directives.apply(adapter,
                Directives.directive("mailgun", DirectiveAction.RESUME, "newsletter", 2, Map.of("email", email)));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.ALREADY_APPLIED);
        standIns.verifyThat(1, deleteRequestedFor(urlPathEqualTo(UNSUBSCRIBES + "/" + email))
                .withQueryParam("tag", equalTo("newsletter")).withHeader("Authorization", equalTo(BASIC)));
    }

    @Test
    void rejectedCredentialsFailAtOnceAndSaySo() {
        String email = email();
        standIns.register(unsubscribeOf(email).willReturn(aResponse().withStatus(401).withBody("Forbidden")));

        DirectiveResult result = Directives.apply(adapter, suppress(email));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.FAILED_PERMANENT);
        assertThat(result.detail()).contains("HTTP 401", "credentials").doesNotContain(email);
        standIns.verifyThat(1, postRequestedFor(urlPathEqualTo(UNSUBSCRIBES)).withFormParam("address", equalTo(email)));
    }

    @Test
    void tooManyRequestsWaitsAsToldByRetryAfter() {
        String email = email();
        failsOnce(() -> unsubscribeOf(email), aResponse().withStatus(429).withHeader("Retry-After", "1"));

        DirectiveResult result = Directives.apply(adapter, suppress(email));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        List<LoggedRequest> calls = standIns.find(postRequestedFor(urlPathEqualTo(UNSUBSCRIBES))
                .withFormParam("address", equalTo(email)));
        assertTwoCallsSpacedBy(calls, 950);
    }

    @Test
    void serverErrorIsRetried() {
        String email = email();
        failsOnce(() -> unsubscribeOf(email), aResponse().withStatus(500));

        assertThat(Directives.apply(adapter, suppress(email)).outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        standIns.verifyThat(2, postRequestedFor(urlPathEqualTo(UNSUBSCRIBES)).withFormParam("address", equalTo(email)));
    }

    @Test
    void aCallThatTimesOutIsRetried() {
        String email = email();
        failsOnce(() -> unsubscribeOf(email), okJson("{}").withFixedDelay(2500));

        assertThat(Directives.apply(adapter, suppress(email)).outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        standIns.verifyThat(2, postRequestedFor(urlPathEqualTo(UNSUBSCRIBES)).withFormParam("address", equalTo(email)));
    }

    @Test
    void aPersistentOutageEndsFailedWithinTheBudget() {
        String email = email();
        standIns.register(unsubscribeOf(email).willReturn(aResponse().withStatus(503)));

        DirectiveResult result = Directives.apply(adapter, suppress(email));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.FAILED_PERMANENT);
        assertThat(result.detail()).contains("HTTP 503", "gave up after 4 attempts");
        assertThat(result.attempts()).isEqualTo(4);
    }

    // ------------------------------------------------------------------ issue 12: Mailgun's 404s

    /** Issue 12, Mailgun list member: a 404 without Mailgun's JSON message for that member is a wrong route. */
    @Test
    void aNotFoundWithoutTheMembersNotFoundMessageIsNotAGoneMember() {
        String email = email();
        String list = ProcessorStandIns.MAILGUN_LISTS.split(",")[0];
        standIns.register(delete(urlPathEqualTo("/v3/lists/" + list + "/members/" + email)).atPriority(1)
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "text/html")
                        .withBody("<html><body>404 page not found</body></html>")));

        DirectiveResult result = Directives.apply(adapter, Directives.directive("mailgun", DirectiveAction.DELETE,
                "newsletter", 1, Map.of("email", email)));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.FAILED_PERMANENT);
        assertThat(result.detail()).contains("HTTP 404").doesNotContain(email);
    }

    /** Issue 12, Mailgun: "mailing list not found" (a wrong list or region) is not a gone member either. */
    @Test
    void aListThatIsNotFoundIsAFailureNotAGoneMember() {
        String email = email();
        String list = ProcessorStandIns.MAILGUN_LISTS.split(",")[1];
        standIns.register(delete(urlPathEqualTo("/v3/lists/" + list + "/members/" + email)).atPriority(1)
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
                        .withBody("{\"message\":\"Mailing list " + list + " not found\"}")));

        DirectiveResult result = Directives.apply(adapter, Directives.directive("mailgun", DirectiveAction.DELETE,
                "newsletter", 1, Map.of("email", email)));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.FAILED_PERMANENT);
    }

    /** A member Mailgun says is not on the list ("Member ... not found", JSON) is already gone. */
    @Test
    void aMemberNotFoundMessageMeansAlreadyGone() {
        String email = email();

        DirectiveResult result = Directives.apply(adapter, Directives.directive("mailgun", DirectiveAction.DELETE,
                "newsletter", 1, Map.of("email", email)));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        for (String list : ProcessorStandIns.MAILGUN_LISTS.split(",")) {
            standIns.verifyThat(1, deleteRequestedFor(urlPathEqualTo("/v3/lists/" + list + "/members/" + email)));
        }
    }

    /**
     * A refusal comes back as the processor's answer, not as an exception to be caught: the read-backs' 404s are
     * expected on every directive, and a thrown exception per call cost the adapters 3-5 % of their CPU.
     */
    @Test
    void aRefusalIsTheAnswerNotAnException() {
        Response answer = api.unsubscribed(BASIC, DOMAIN, email()).await().atMost(Duration.ofSeconds(10));

        assertThat(answer.getStatus()).isEqualTo(404);
        assertThat(answer.readEntity(String.class)).contains("Address not found in unsubscribers table");
    }

    static ProcessorDirective suppress(String email) {
        return Directives.directive("mailgun", DirectiveAction.SUPPRESS, "marketing", 1, Map.of("email", email));
    }

    static MappingBuilder unsubscribeOf(String email) {
        return post(urlPathEqualTo(UNSUBSCRIBES)).atPriority(1).withFormParam("address", equalTo(email));
    }

}
