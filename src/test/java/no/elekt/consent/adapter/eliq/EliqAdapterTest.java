package no.elekt.consent.adapter.eliq;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

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
import no.elekt.consent.adapter.ProofOfEffect;
import no.elekt.consent.adapter.StandInTest;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.security.Roles;
import no.elekt.consent.security.SourceScope;
import no.elekt.consent.testinfra.ProcessorStandIns;
import no.elekt.consent.testinfra.StandInModel;

/** The Eliq adapter against a stand-in serving Eliq's token endpoint and data management API. */
@QuarkusTest
@TestSecurity(user = "test-backend", roles = { Roles.WRITER, Roles.READER, Roles.OPS },
        attributes = @SecurityAttribute(key = SourceScope.ATTRIBUTE, value = "*", type = AttributeType.STRING_SET))
class EliqAdapterTest extends StandInTest {

    static final String USERS = ProcessorStandIns.ELIQ_BASE_PATH + "/users/";
    static final String BEARER = "Bearer " + ProcessorStandIns.ELIQ_ACCESS_TOKEN;

    @Inject
    EliqAdapter adapter;

    @Test
    void energyInsightsWithdrawalAtTheApiDeletesTheUserWithAClientCredentialsToken() {
        String subject = Directives.unique("subject");
        String user = Directives.unique("eliq-user");
        Directives.postChange(subject, "energy-insights", "WITHDRAWN", Map.of("eliqUserId", user));

        PropagationReceipt receipt = kafka.<PropagationReceipt>await(Directives.receipts("eliq"), subject, 1).get(0);
        assertThat(receipt.getOutcome()).isEqualTo(ReceiptOutcome.APPLIED);
        assertThat(receipt.getProcessor()).isEqualTo("eliq");
        standIns.verifyThat(1,
                deleteRequestedFor(urlPathEqualTo(USERS + user)).withHeader("Authorization", equalTo(BEARER)));
        List<LoggedRequest> tokens = standIns.find(postRequestedFor(urlPathEqualTo("/oauth/token")));
        assertThat(tokens).isNotEmpty();
        assertThat(tokens.get(0).getBodyAsString()).contains("\"grant_type\":\"client_credentials\"",
                "\"client_id\":\"" + ProcessorStandIns.ELIQ_CLIENT_ID + "\"");
    }

    @Test
    void suppressAndResumeSetTheConsentAtEliqAndReadItBack() {
        String user = Directives.unique("eliq-user");
        ProcessorDirective suppress = Directives.directive("eliq", DirectiveAction.SUPPRESS, "energy-insights", 1,
                Map.of("eliqUserId", user));
        DirectiveResult withdrawn = Directives.apply(adapter, suppress);
        assertThat(ProcessorStandIns.control().state("eliq", "consent", user + " energy_insights")).isEqualTo("false");
        DirectiveResult given = Directives.apply(adapter, Directives.directive("eliq", DirectiveAction.RESUME,
                "energy-insights", 2, Map.of("eliqUserId", user)));

        assertThat(withdrawn.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        assertThat(given.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        assertThat(ProcessorStandIns.control().state("eliq", "consent", user + " energy_insights")).isEqualTo("true");
        assertThat(withdrawn.proof().status()).isEqualTo(ProofOfEffect.Status.VERIFIED);
        assertThat(withdrawn.proof().evidence()).singleElement().satisfies(e -> assertThat(e.answer())
                .contains("given_consent false").doesNotContain(user));
        String eliqId = ProcessorStandIns.control().state("eliq", "user", user);
        List<LoggedRequest> puts = standIns.find(putRequestedFor(urlPathEqualTo(StandInModel.ELIQ_INSIGHTS_PATH
                + "/v3/users/" + eliqId + "/consents")));
        assertThat(puts).hasSize(2);
        assertThat(puts.get(1).getBodyAsString()).contains("\"given_consent\":true");
    }

    @Test
    void userNotFoundMeansAlreadyGone() {
        String user = Directives.unique("eliq-user");
        ProcessorStandIns.control().seed("eliq", "deleted-user", user, "");

        DirectiveResult result = Directives.apply(adapter, delete(user));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.ALREADY_APPLIED);
        assertThat(result.proof().status()).isEqualTo(ProofOfEffect.Status.VERIFIED);
    }

    @Test
    void anotherBadRequestIsPermanent() {
        String user = Directives.unique("eliq-user");
        standIns.register(
                deletionOf(user).willReturn(aResponse().withStatus(400).withBody("{\"code\":\"INVALID_ID\"}")));

        DirectiveResult result = Directives.apply(adapter, delete(user));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.FAILED_PERMANENT);
        assertThat(result.detail()).contains("HTTP 400").doesNotContain(user);
    }

    @Test
    void aRefusedTokenIsRenewedOnceThenTheFailureIsPermanentAndVisible() {
        String user = Directives.unique("eliq-user");
        standIns.register(deletionOf(user).willReturn(aResponse().withStatus(401)
                .withBody("{\"code\":\"UNAUTHORIZED\"}")));

        DirectiveResult result = Directives.apply(adapter, delete(user));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.FAILED_PERMANENT);
        assertThat(result.detail()).contains("HTTP 401", "credentials");
        standIns.verifyThat(WireMock.lessThanOrExactly(2), deleteRequestedFor(urlPathEqualTo(USERS + user)));
    }

    @Test
    void tooManyRequestsWaitsAsToldByRetryAfter() {
        String user = Directives.unique("eliq-user");
        failsOnce(() -> deletionOf(user), aResponse().withStatus(429).withHeader("Retry-After", "1"));

        assertThat(Directives.apply(adapter, delete(user)).outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        List<LoggedRequest> calls = standIns.find(deleteRequestedFor(urlPathEqualTo(USERS + user)));
        assertTwoCallsSpacedBy(calls, 950);
    }

    @Test
    void serverErrorIsRetried() {
        String user = Directives.unique("eliq-user");
        failsOnce(() -> deletionOf(user), aResponse().withStatus(502));

        assertThat(Directives.apply(adapter, delete(user)).outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        standIns.verifyThat(2, deleteRequestedFor(urlPathEqualTo(USERS + user)));
    }

    @Test
    void aCallThatTimesOutIsRetried() {
        String user = Directives.unique("eliq-user");
        failsOnce(() -> deletionOf(user), aResponse().withStatus(204).withFixedDelay(2500));

        // the slow deletion took effect at Eliq although we stopped waiting: the retry finds the user gone
        assertThat(Directives.apply(adapter, delete(user)).outcome()).isEqualTo(ReceiptOutcome.ALREADY_APPLIED);
        standIns.verifyThat(2, deleteRequestedFor(urlPathEqualTo(USERS + user)));
    }

    // ------------------------------------------------------------------ issue 12: Eliq as Eliq documents it

    /** Issue 12, Eliq consents: on the Insights API, keyed by Eliq's own user id, the documented body and token. */
    @Test
    void consentsAreUpdatedOnTheInsightsApiByEliqsOwnUserIdWithTheDocumentedBody() {
        String user = Directives.unique("eliq-user");
        ProcessorDirective suppress = Directives.directive("eliq", DirectiveAction.SUPPRESS, "energy-insights", 1,
                Map.of("eliqUserId", user));

        DirectiveResult result = Directives.apply(adapter, suppress);

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        String eliqId = ProcessorStandIns.control().state("eliq", "user", user);
        assertThat(ProcessorStandIns.control().state("eliq", "consent", user + " energy_insights")).isEqualTo("false");
        List<LoggedRequest> puts = standIns.find(putRequestedFor(urlPathEqualTo(
                StandInModel.ELIQ_INSIGHTS_PATH + "/v3/users/" + eliqId + "/consents")));
        assertThat(puts).hasSize(1);
        assertThat(puts.get(0).getHeader("Authorization")).startsWith("Bearer "
                + ProcessorStandIns.ELIQ_INSIGHTS_ACCESS_TOKEN);
        assertThat(equalToJson("[{\"version_id\":\"" + StandInModel.ELIQ_CONSENT_VERSIONS.get("energy_insights")
                + "\",\"name\":\"energy_insights\",\"given_consent\":false,\"language_code\":\"nb-NO\"}]")
                .match(puts.get(0).getBodyAsString()).isExactMatch()).isTrue();
        assertThat(ProcessorStandIns.control().getContractViolations()).noneMatch(v -> v.contains(user));
    }

    /** Issue 12, Eliq token: a JSON body naming the API in aud, one token per API. */
    @Test
    void tokensAreRequestedAsJsonNamingTheApiInAud() {
        String user = Directives.unique("eliq-user");

        DirectiveResult result = Directives.apply(adapter, delete(user));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        List<LoggedRequest> tokens = standIns.find(postRequestedFor(urlPathEqualTo("/oauth/token")));
        assertThat(tokens).isNotEmpty().allSatisfy(t -> assertThat(t.getHeader("Content-Type"))
                .startsWith("application/json"));
        assertThat(tokens).anySatisfy(t -> assertThat(equalToJson("{\"grant_type\":\"client_credentials\","
                + "\"client_id\":\"" + ProcessorStandIns.ELIQ_CLIENT_ID + "\",\"client_secret\":\""
                + ProcessorStandIns.ELIQ_CLIENT_SECRET + "\",\"aud\":\"data-management-api\"}", true, true)
                .match(t.getBodyAsString()).isExactMatch()).isTrue());
        standIns.verifyThat(1, deleteRequestedFor(urlPathEqualTo(USERS + user))
                .withHeader("Authorization", equalTo(BEARER)));
    }

    /** Issue 12, Eliq delete: a 404 is a wrong URL, not a deleted user (that is 400 USER_NOT_FOUND). */
    @Test
    void aNotFoundIsAWrongUrlNotAnAlreadyDeletedUser() {
        String user = Directives.unique("eliq-user");
        // isolated from how the token is asked for: any token request gets the Data Management token here
        var token = standIns.register(WireMock.post(urlPathEqualTo("/oauth/token")).atPriority(1)
                .withRequestBody(WireMock.containing(ProcessorStandIns.ELIQ_CLIENT_ID))
                .willReturn(okJson("{\"access_token\":\"" + ProcessorStandIns.ELIQ_ACCESS_TOKEN
                        + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}")));
        standIns.register(deletionOf(user).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "text/html").withBody("<html><body>Not Found</body></html>")));
        try {
            DirectiveResult result = Directives.apply(adapter, delete(user));

            assertThat(result.outcome()).isEqualTo(ReceiptOutcome.FAILED_PERMANENT);
            assertThat(result.detail()).contains("HTTP 404").doesNotContain(user);
        } finally {
            standIns.removeStubMapping(token);
        }
    }

    static ProcessorDirective delete(String user) {
        return Directives.directive("eliq", DirectiveAction.DELETE, "energy-insights", 1, Map.of("eliqUserId", user));
    }

    static MappingBuilder deletionOf(String user) {
        return WireMock.delete(urlPathEqualTo(USERS + user)).atPriority(1);
    }
}
