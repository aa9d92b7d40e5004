package no.elekt.consent.adapter.firebase;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.matching.StringValuePattern;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.security.AttributeType;
import io.quarkus.test.security.SecurityAttribute;
import io.quarkus.test.security.TestSecurity;
import no.elekt.consent.adapter.DirectiveResult;
import no.elekt.consent.adapter.Directives;
import no.elekt.consent.adapter.ProofOfEffect;
import no.elekt.consent.adapter.StandInTest;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.security.Roles;
import no.elekt.consent.security.SourceScope;
import no.elekt.consent.testinfra.ProcessorStandIns;

/** The Firebase adapter against a stand-in serving Google's token, Analytics, FCM and Identity Toolkit endpoints. */
@QuarkusTest
@TestSecurity(user = "test-backend", roles = { Roles.WRITER, Roles.READER, Roles.OPS },
        attributes = @SecurityAttribute(key = SourceScope.ATTRIBUTE, value = "*", type = AttributeType.STRING_SET))
class FirebaseAdapterTest extends StandInTest {

    static final String PROJECT = ProcessorStandIns.FIREBASE_PROJECT;
    /** The service account's token from the stand-in's token endpoint. */
    static final StringValuePattern BEARER = matching("Bearer ya29\\..+");
    static final String ACCOUNTS_DELETE = "/v1/projects/" + PROJECT + "/accounts:delete";
    static final String BATCH_DELETE = "/v1/projects/" + PROJECT + "/accounts:batchDelete";
    static final String SUBMIT_USER_DELETION = "/v1alpha/properties/" + ProcessorStandIns.GA4_PROPERTY
            + ":submitUserDeletion";
    static final String UPSERT = SUBMIT_USER_DELETION;

    @Inject
    FirebaseAdapter adapter;

    @Inject
    GoogleAccessTokens tokens;

    /**
     * A cached token far from its expiry is answered on the caller's thread: every Google call asks for one, and a hop
     * to a worker thread and back per call only to read the library's cache cost a thread switch each.
     */
    @Test
    void aFreshTokenIsAnsweredWithoutAWorkerThread() {
        String first = tokens.token().await().atMost(Duration.ofSeconds(10)); // fetched (or refreshed) on a worker

        AtomicReference<Thread> answeredOn = new AtomicReference<>();
        String second = tokens.token().invoke(token -> answeredOn.set(Thread.currentThread()))
                .await().atMost(Duration.ofSeconds(10));

        assertThat(second).isEqualTo(first).startsWith("ya29.");
        assertThat(answeredOn.get()).isSameAs(Thread.currentThread());
    }

    static String deletionRequest(String appInstanceId) {
        return "{\"appInstanceId\":\"" + appInstanceId + "\"}";
    }

    @Test
    void analyticsWithdrawalAtTheApiDeletesTheAppInstancesDataWithAServiceAccountToken() {
        String subject = Directives.unique("subject");
        String appInstance = Directives.unique("app-instance");
        Directives.postChange(subject, "analytics", "WITHDRAWN", Map.of("firebaseAppInstanceId", appInstance));

        PropagationReceipt receipt = kafka.<PropagationReceipt>await(Directives.receipts("firebase"), subject, 1)
                .get(0);
        assertThat(receipt.getOutcome()).isEqualTo(ReceiptOutcome.APPLIED);
        assertThat(receipt.getProcessor()).isEqualTo("firebase");
        standIns.verifyThat(1, postRequestedFor(urlPathEqualTo(UPSERT))
                .withHeader("Authorization", BEARER)
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
        DirectiveResult result = Directives.apply(adapter, Directives.directive("firebase", DirectiveAction.SUPPRESS,
                "push-notifications", 1, Map.of("fcmToken", token)));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        for (String topic : List.of("news", "price-alerts")) {
            standIns.verifyThat(1, deleteRequestedFor(urlPathEqualTo(
                    "/v1/projects/" + PROJECT + "/registrations/" + token + "/topicSubscriptions/" + topic))
                    .withQueryParam("allowMissing", equalTo("true"))
                    .withHeader("Authorization", BEARER));
        }
    }

    @Test
    void erasureDeletesTheAuthAccountAndAMissingAccountIsAlreadyGone() {
        String uid = Directives.unique("uid");
        ProcessorStandIns.control().seed("firebase", "deleted-account", uid, "");

        DirectiveResult result = Directives.apply(adapter, Directives.directive("firebase", DirectiveAction.DELETE,
                ChangeKind.ERASURE, "analytics", 4, Map.of("firebaseUid", uid)));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.ALREADY_APPLIED);
        standIns.verifyThat(1, postRequestedFor(urlPathEqualTo(ACCOUNTS_DELETE))
                .withHeader("Authorization", BEARER)
                .withRequestBody(equalToJson("{\"localId\":\"" + uid + "\"}")));
    }

    @Test
    void resumeIsNotApplicable() {
        DirectiveResult result = Directives.apply(adapter, Directives.directive("firebase", DirectiveAction.RESUME,
                "analytics", 2, Map.of("firebaseAppInstanceId", Directives.unique("app-instance"))));
        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.NOT_APPLICABLE);
    }

    @Test
    void rejectedCredentialsFailAtOnce() {
        String appInstance = Directives.unique("app-instance");
        standIns.register(upsertOf(appInstance).willReturn(aResponse().withStatus(403)
                .withBody("{\"error\":{\"status\":\"PERMISSION_DENIED\"}}")));

        DirectiveResult result = Directives.apply(adapter, deleteAnalytics(appInstance));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.FAILED_PERMANENT);
        assertThat(result.detail()).contains("HTTP 403", "credentials").doesNotContain(appInstance);
        standIns.verifyThat(1, postRequestedFor(urlPathEqualTo(UPSERT)).withRequestBody(containing(appInstance)));
    }

    @Test
    void tooManyRequestsWaitsAsToldByRetryAfter() {
        String appInstance = Directives.unique("app-instance");
        failsOnce(() -> upsertOf(appInstance), aResponse().withStatus(429).withHeader("Retry-After", "1"));

        assertThat(Directives.apply(adapter, deleteAnalytics(appInstance)).outcome())
                .isEqualTo(ReceiptOutcome.APPLIED);
        List<LoggedRequest> calls = standIns.find(postRequestedFor(urlPathEqualTo(UPSERT))
                .withRequestBody(containing(appInstance)));
        assertTwoCallsSpacedBy(calls, 950);
    }

    @Test
    void serverErrorIsRetried() {
        String appInstance = Directives.unique("app-instance");
        failsOnce(() -> upsertOf(appInstance), aResponse().withStatus(500));

        assertThat(Directives.apply(adapter, deleteAnalytics(appInstance)).outcome())
                .isEqualTo(ReceiptOutcome.APPLIED);
        standIns.verifyThat(2, postRequestedFor(urlPathEqualTo(UPSERT)).withRequestBody(containing(appInstance)));
    }

    @Test
    void aCallThatTimesOutIsRetried() {
        String appInstance = Directives.unique("app-instance");
        failsOnce(() -> upsertOf(appInstance), okJson("{}").withFixedDelay(2500));

        assertThat(Directives.apply(adapter, deleteAnalytics(appInstance)).outcome())
                .isEqualTo(ReceiptOutcome.APPLIED);
        standIns.verifyThat(2, postRequestedFor(urlPathEqualTo(UPSERT)).withRequestBody(containing(appInstance)));
    }

    // ------------------------------------------------------------------ issue 12: Google as Google documents it

    /** Issue 12, GA4: the Analytics Admin API's submitUserDeletion for the property, by app instance. */
    @Test
    void analyticsDeletionIsSubmittedToTheAdminApiOfTheProperty() {
        String appInstance = Directives.unique("app-instance");

        DirectiveResult result = Directives.apply(adapter, deleteAnalytics(appInstance));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        standIns.verifyThat(1, postRequestedFor(urlPathEqualTo(SUBMIT_USER_DELETION))
                .withRequestBody(equalToJson("{\"appInstanceId\":\"" + appInstance + "\"}")));
    }

    /** Issue 12, Firebase Auth: only USER_NOT_FOUND means gone; Auth not set up, or no such tenant, is a failure. */
    @ParameterizedTest
    @ValueSource(strings = { "CONFIGURATION_NOT_FOUND", "TENANT_NOT_FOUND" })
    void anotherNotFoundIsAFailureNotAnAlreadyDeletedAccount(String code) {
        String uid = Directives.unique("uid");
        standIns.register(accountDeletionOf(uid).willReturn(identityToolkitError(code)));

        DirectiveResult result = Directives.apply(adapter, eraseAccount(uid));

        assertThat(result.outcome()).isEqualTo(ReceiptOutcome.FAILED_PERMANENT);
        assertThat(result.detail()).contains(code).doesNotContain(uid);
    }

    /** Issue 12, Firebase Auth: a poll's account deletions go in one batchDelete, with force. */
    @Test
    void severalAccountDeletionsGoInOneBatchDeleteWithForce() {
        String first = Directives.unique("uid");
        String second = Directives.unique("uid");

        List<DirectiveResult> results = Directives
                .await(adapter.applyAll(List.of(eraseAccount(first), eraseAccount(second))));

        assertThat(results).extracting(DirectiveResult::outcome).containsOnly(ReceiptOutcome.APPLIED);
        List<LoggedRequest> batches = standIns.find(postRequestedFor(urlPathEqualTo(BATCH_DELETE))
                .withRequestBody(containing(first)));
        assertThat(batches).hasSize(1);
        assertThat(equalToJson("{\"localIds\":[\"" + first + "\",\"" + second + "\"],\"force\":true}")
                .match(batches.get(0).getBodyAsString()).isExactMatch()).isTrue();
        assertThat(ProcessorStandIns.control().state("firebase", "account", first)).isNull();
        assertThat(ProcessorStandIns.control().state("firebase", "account", second)).isNull();
    }

    /** Issue 12, Firebase Auth: batchDelete reports refusals inside its 200 answer; they fail that directive. */
    @Test
    void anErrorInsideTheBatchDeleteAnswerFailsItsDirective() {
        String refused = Directives.unique("uid");
        String deleted = Directives.unique("uid");
        ProcessorStandIns.control().seed("firebase", "refused-deletion", refused, "");

        List<DirectiveResult> results = Directives.await(adapter.applyAll(List.of(eraseAccount(refused),
                eraseAccount(deleted))));

        assertThat(results.get(0).outcome()).isEqualTo(ReceiptOutcome.FAILED_PERMANENT);
        assertThat(results.get(0).detail()).contains("NOT_DISABLED").doesNotContain(refused);
        assertThat(results.get(1).outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        assertThat(results.get(1).proof().status()).isEqualTo(ProofOfEffect.Status.VERIFIED);
    }

    /** Issue 12, all Google APIs: a 403 with a quota reason is retried; a 403 permission refusal is not. */
    @Test
    void aQuotaRefusalIsRetriedAndAPermissionRefusalIsNot() {
        String quotaToken = Directives.unique("fcm-token");
        failsOnce(() -> topicUnsubscribeOf(quotaToken), googleError(403, "PERMISSION_DENIED",
                "Quota exceeded for quota metric 'Requests' of service 'fcm.googleapis.com'", "RATE_LIMIT_EXCEEDED"));
        String deniedToken = Directives.unique("fcm-token");
        standIns.register(topicUnsubscribeOf(deniedToken).willReturn(googleError(403, "PERMISSION_DENIED",
                "The caller does not have permission", null)));

        DirectiveResult quota = Directives.apply(adapter, suppressPush(quotaToken));
        DirectiveResult denied = Directives.apply(adapter, suppressPush(deniedToken));

        assertThat(quota.outcome()).isEqualTo(ReceiptOutcome.APPLIED);
        assertThat(standIns.find(deleteRequestedFor(urlPathMatching(".*/registrations/" + quotaToken
                + "/topicSubscriptions/news")))).hasSize(2);
        assertThat(denied.outcome()).isEqualTo(ReceiptOutcome.FAILED_PERMANENT);
        assertThat(standIns.find(deleteRequestedFor(urlPathMatching(".*/registrations/" + deniedToken
                + "/topicSubscriptions/news")))).hasSize(1);
    }

    static ProcessorDirective eraseAccount(String uid) {
        return Directives.directive("firebase", DirectiveAction.DELETE, ChangeKind.ERASURE, "analytics", 4,
                Map.of("firebaseUid", uid));
    }

    static ProcessorDirective suppressPush(String token) {
        return Directives.directive("firebase", DirectiveAction.SUPPRESS, "push-notifications", 1,
                Map.of("fcmToken", token));
    }

    static MappingBuilder topicUnsubscribeOf(String token) {
        return WireMock.delete(urlPathMatching(".*/registrations/" + token + "/topicSubscriptions/news")).atPriority(1);
    }

    /** Google's error body (google.rpc.Status), with an ErrorInfo reason when given. */
    static ResponseDefinitionBuilder googleError(int status, String code, String message, String reason) {
        String details = reason == null ? "" : ",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\","
                + "\"reason\":\"" + reason + "\",\"domain\":\"googleapis.com\"}]";
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"code\":" + status + ",\"message\":\"" + message + "\",\"status\":\"" + code
                        + "\"" + details + "}}");
    }

    /** Identity Toolkit's error: the code is the message. */
    static ResponseDefinitionBuilder identityToolkitError(String code) {
        return aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"code\":400,\"message\":\"" + code + "\",\"errors\":[{\"message\":\"" + code
                        + "\",\"domain\":\"global\",\"reason\":\"invalid\"}]}}");
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
