package no.elekt.consent.adapter.firebase;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
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
import no.elekt.consent.security.Roles;
import no.elekt.consent.security.SourceScope;
import no.elekt.consent.adapter.Directives;
import no.elekt.consent.adapter.Result;
import no.elekt.consent.adapter.StandInTest;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.testinfra.ProcessorStandIns;

/** The Firebase adapter against a stand-in serving Google's token, Analytics, FCM and Identity Toolkit endpoints. */
@QuarkusTest
@TestSecurity(user = "test-backend", roles = { Roles.WRITER, Roles.READER, Roles.OPS },
        attributes = @SecurityAttribute(key = SourceScope.ATTRIBUTE, value = "*", type = AttributeType.STRING_SET))
class FirebaseAdapterTest extends StandInTest {

    static final String PROJECT = ProcessorStandIns.FIREBASE_PROJECT;
    static final String BEARER = "Bearer " + ProcessorStandIns.GOOGLE_ACCESS_TOKEN;
    static final String UPSERT = "/analytics/v3/userDeletion/userDeletionRequests:upsert";
    static final String ACCOUNTS_DELETE = "/v1/projects/" + PROJECT + "/accounts:delete";


    @Inject
    FirebaseAdapter adapter;

    static String deletionRequest(String appInstanceId) {
        return """
                {"kind":"analytics#userDeletionRequest",
                 "id":{"type":"APP_INSTANCE_ID","userId":"%s"},
                 "firebaseProjectId":"%s"}""".formatted(appInstanceId, PROJECT);
    }

    @Test
    void analyticsWithdrawalAtTheApiDeletesTheAppInstancesDataWithAServiceAccountToken() {
        String subject = Directives.unique("subject");
        String appInstance = Directives.unique("app-instance");
        Directives.postChange(subject, "analytics", "WITHDRAWN", Map.of("firebaseAppInstanceId", appInstance));

        PropagationReceipt receipt = kafka.<PropagationReceipt>await(Directives.RECEIPTS, subject, 1).get(0);
        assertThat(receipt.getOutcome()).isEqualTo(ReceiptOutcome.APPLIED);
        assertThat(receipt.getProcessor()).isEqualTo("firebase");
        standIns.verifyThat(1, postRequestedFor(urlPathEqualTo(UPSERT))
                .withHeader("Authorization", equalTo(BEARER))
                .withRequestBody(equalToJson(deletionRequest(appInstance))));
        // the token came from the (stand-in) token endpoint, by the JWT bearer grant of the service account
        List<LoggedRequest> tokens = standIns.find(postRequestedFor(urlPathEqualTo("/token")));
        assertThat(tokens).isNotEmpty();
        assertThat(tokens.get(0).getBodyAsString())
                .contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer", "assertion=");
    }

    @Test
    void pushWithdrawalUnsubscribesTheDeviceFromThePurposesTopics() {
        String token = Directives.unique("fcm-token");
        Result result = Directives.apply(adapter, Directives.directive("firebase", DirectiveAction.SUPPRESS,
                "push-notifications", 1, Map.of("fcmToken", token)));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        for (String topic : List.of("news", "price-alerts")) {
            standIns.verifyThat(1, deleteRequestedFor(urlPathEqualTo(
                    "/v1/projects/" + PROJECT + "/registrations/" + token + "/topicSubscriptions/" + topic))
                    .withQueryParam("allowMissing", equalTo("true"))
                    .withHeader("Authorization", equalTo(BEARER)));
        }
    }

    @Test
    void erasureDeletesTheAuthAccountAndAMissingAccountIsAlreadyGone() {
        String uid = Directives.unique("uid");
        standIns.register(accountDeletionOf(uid).willReturn(aResponse().withStatus(400)
                .withBody("{\"error\":{\"code\":400,\"message\":\"USER_NOT_FOUND\"}}")));

        Result result = Directives.apply(adapter, Directives.directive("firebase", DirectiveAction.DELETE,
                ChangeKind.ERASURE, "analytics", 4, Map.of("firebaseUid", uid)));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.ALREADY_APPLIED);
        standIns.verifyThat(1, postRequestedFor(urlPathEqualTo(ACCOUNTS_DELETE))
                .withHeader("Authorization", equalTo(BEARER))
                .withRequestBody(equalToJson("{\"localId\":\"" + uid + "\"}")));
    }

    @Test
    void resumeIsNotApplicable() {
        Result result = Directives.apply(adapter, Directives.directive("firebase", DirectiveAction.RESUME,
                "analytics", 2, Map.of("firebaseAppInstanceId", Directives.unique("app-instance"))));
        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.NOT_APPLICABLE);
    }

    @Test
    void rejectedCredentialsFailAtOnce() {
        String appInstance = Directives.unique("app-instance");
        standIns.register(upsertOf(appInstance).willReturn(aResponse().withStatus(403)
                .withBody("{\"error\":{\"status\":\"PERMISSION_DENIED\"}}")));

        Result result = Directives.apply(adapter, deleteAnalytics(appInstance));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.FAILED_PERMANENT);
        assertThat(result.detail()).contains("HTTP 403", "credentials").doesNotContain(appInstance);
        standIns.verifyThat(1, postRequestedFor(urlPathEqualTo(UPSERT)).withRequestBody(containing(appInstance)));
    }

    @Test
    void tooManyRequestsWaitsAsToldByRetryAfter() {
        String appInstance = Directives.unique("app-instance");
        firstThen(() -> upsertOf(appInstance),
                aResponse().withStatus(429).withHeader("Retry-After", "1"),
                okJson("{}"));

        assertThat(Directives.apply(adapter, deleteAnalytics(appInstance)).outcome())
                .isEqualTo(ReceiptOutcome.APPLIED);
        List<LoggedRequest> calls = standIns.find(postRequestedFor(urlPathEqualTo(UPSERT))
                .withRequestBody(containing(appInstance)));
        assertTwoCallsSpacedBy(calls, 950);
    }

    @Test
    void serverErrorIsRetried() {
        String appInstance = Directives.unique("app-instance");
        firstThen(() -> upsertOf(appInstance),
                aResponse().withStatus(500),
                okJson("{}"));

        assertThat(Directives.apply(adapter, deleteAnalytics(appInstance)).outcome())
                .isEqualTo(ReceiptOutcome.APPLIED);
        standIns.verifyThat(2, postRequestedFor(urlPathEqualTo(UPSERT)).withRequestBody(containing(appInstance)));
    }

    @Test
    void aCallThatTimesOutIsRetried() {
        String appInstance = Directives.unique("app-instance");
        firstThen(() -> upsertOf(appInstance),
                okJson("{}").withFixedDelay(2500),
                okJson("{}"));

        assertThat(Directives.apply(adapter, deleteAnalytics(appInstance)).outcome())
                .isEqualTo(ReceiptOutcome.APPLIED);
        standIns.verifyThat(2, postRequestedFor(urlPathEqualTo(UPSERT)).withRequestBody(containing(appInstance)));
    }

    static ProcessorDirective deleteAnalytics(String appInstance) {
        return Directives.directive("firebase", DirectiveAction.DELETE, "analytics", 1,
                Map.of("firebaseAppInstanceId", appInstance));
    }

    static MappingBuilder upsertOf(String appInstance) {
        return post(urlPathEqualTo(UPSERT)).atPriority(1).withRequestBody(containing(appInstance));
    }

    static MappingBuilder accountDeletionOf(String uid) {
        return post(urlPathEqualTo(ACCOUNTS_DELETE)).atPriority(1).withRequestBody(containing(uid));
    }
}
