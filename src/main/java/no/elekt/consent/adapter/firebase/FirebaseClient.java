package no.elekt.consent.adapter.firebase;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RestClient;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.adapter.CallFailure;
import no.elekt.consent.adapter.CallsConfig;
import no.elekt.consent.adapter.Effect;
import no.elekt.consent.adapter.Evidence;
import no.elekt.consent.adapter.ProcessorAnswers;
import no.elekt.consent.adapter.ProcessorAnswers.Answer;
import no.elekt.consent.adapter.ProcessorCalls;

/**
 * Google's Firebase-related APIs, as the adapter needs them: bearer tokens of the service account, calls guarded by
 * {@link ProcessorCalls} (one guard, so one circuit breaker and one rate limit, per Google API: they fail and are
 * limited independently), and Google's documented answers read by {@link GoogleErrors}: only Identity Toolkit's
 * USER_NOT_FOUND means an account is gone; a 403 with a quota reason is retried.
 */
@ApplicationScoped
public class FirebaseClient {

    /** Identity Toolkit's batchDelete takes at most this many ids (the Admin SDK's limit; the REST page states none). */
    public static final int BATCH_DELETE_LIMIT = 1000;
    /** accounts:lookup ids per call (the Admin SDK's limit). */
    static final int LOOKUP_LIMIT = 100;
    /** One for every answer: a mapper is costly to make and safe to share once configured. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GoogleApis.AnalyticsAdmin analytics;
    private final GoogleApis.Fcm fcm;
    private final GoogleApis.IdentityToolkit identity;
    private final GoogleAccessTokens tokens;
    private final FirebaseConfig config;
    private final ProcessorCalls analyticsCalls;
    private final ProcessorCalls fcmCalls;
    private final ProcessorCalls authCalls;

    FirebaseClient(@RestClient GoogleApis.AnalyticsAdmin analytics, @RestClient GoogleApis.Fcm fcm,
            @RestClient GoogleApis.IdentityToolkit identity, GoogleAccessTokens tokens, FirebaseConfig config,
            CallsConfig callsConfig, MeterRegistry metrics) {
        this.analytics = analytics;
        this.fcm = fcm;
        this.identity = identity;
        this.tokens = tokens;
        this.config = config;
        this.analyticsCalls = new ProcessorCalls("firebase-analytics", config.analyticsRateLimit(), callsConfig,
                metrics);
        this.fcmCalls = new ProcessorCalls("firebase-fcm", config.rateLimit(), callsConfig, metrics);
        this.authCalls = new ProcessorCalls("firebase-auth", config.authRateLimit(), callsConfig, metrics);
    }

    /**
     * Asks GA4 to delete the app instance's data (Admin API submitUserDeletion). GA4 offers no way to read it back:
     * the evidence is its answer's deletionRequestTime.
     */
    public Uni<Evidence> deleteAnalyticsData(String appInstanceId) {
        return analyticsCalls.call("ga4-submit-user-deletion", () -> google(bearer -> analytics.submitUserDeletion(
                bearer, property(), new GoogleApis.UserDeletion(appInstanceId))).map(answer -> {
                    if (!answer.ok()) {
                        throw ProcessorAnswers.failure("ga4-submit-user-deletion", answer, GoogleErrors.INSTANCE);
                    }
                    String time = json(answer).path("deletionRequestTime").asText("?");
                    return new Evidence("ga4 POST properties/{property}:submitUserDeletion", Instant.now(),
                            "200: deletionRequestTime " + time);
                }));
    }

    /** Unsubscribes one registration from one topic; a missing subscription is fine (allowMissing). */
    public Uni<Effect> unsubscribe(String registration, String topic) {
        return fcmCalls.call("fcm-topic-unsubscribe", () -> google(bearer -> fcm.unsubscribe(bearer, project(),
                registration, topic, true)).map(answer -> ProcessorAnswers.effect("fcm-topic-unsubscribe", answer,
                        GoogleErrors.INSTANCE, a -> false)));
    }

    /** Read-back: the subscription must be gone (404 NOT_FOUND); still there contradicts the unsubscribe. */
    public Uni<Evidence> confirmUnsubscribed(String registration, String topic) {
        String check = "fcm GET projects/{project}/registrations/{registration}/topicSubscriptions/{topic}";
        return fcmCalls.call("fcm-topic-read-back", () -> google(bearer -> fcm.subscription(bearer, project(),
                registration, topic)).map(answer -> {
                    if (answer.status() == 404) {
                        return new Evidence(check, Instant.now(), "404 NOT_FOUND: not subscribed");
                    }
                    if (answer.ok()) {
                        throw CallFailure.contradicted("fcm-topic-read-back: still subscribed",
                                new Evidence(check, Instant.now(), "200: still subscribed"));
                    }
                    throw ProcessorAnswers.failure("fcm-topic-read-back", answer, GoogleErrors.INSTANCE);
                }));
    }

    /** Deletes one Authentication account; USER_NOT_FOUND (only that) means it is already gone. */
    public Uni<Effect> deleteAccount(String uid) {
        return authCalls.call("auth-account-delete", () -> google(bearer -> identity.deleteAccount(bearer, project(),
                new GoogleApis.AccountDeletion(uid))).map(answer -> ProcessorAnswers.effect("auth-account-delete",
                        answer, GoogleErrors.INSTANCE,
                        a -> a.status() == 400 && "USER_NOT_FOUND".equals(GoogleErrors.identityToolkitCode(a)))));
    }

    /**
     * Deletes up to {@link #BATCH_DELETE_LIMIT} accounts in one call, with force (enabled accounts too). Unknown ids
     * are ignored by Google; refusals come inside the 200 answer: answers each refused uid with its code.
     */
    public Uni<Map<String, String>> deleteAccounts(List<String> uids) {
        if (uids.size() > BATCH_DELETE_LIMIT) {
            throw new IllegalArgumentException("at most " + BATCH_DELETE_LIMIT + " accounts per batchDelete");
        }
        return authCalls.call("auth-accounts-batch-delete", () -> google(bearer -> identity.deleteAccounts(bearer,
                project(), new GoogleApis.AccountsDeletion(uids, true))).map(answer -> {
                    if (!answer.ok()) {
                        throw ProcessorAnswers.failure("auth-accounts-batch-delete", answer, GoogleErrors.INSTANCE);
                    }
                    Map<String, String> refused = new HashMap<>();
                    for (JsonNode error : json(answer).path("errors")) {
                        String code = error.path("message").asText("").split(":", 2)[0].trim();
                        refused.put(error.path("localId").asText(), code.matches("[A-Z][A-Z0-9_]{2,63}") ? code
                                : "REFUSED");
                    }
                    return refused;
                }));
    }

    /**
     * Read-back: no account may be left among these uids (accounts:lookup answers no "users" for unknown ids); one
     * still there is a contradiction, looked up again (retried) before it counts.
     */
    public Uni<Evidence> confirmAccountsGone(List<String> uids) {
        String check = "identity toolkit POST projects/{project}/accounts:lookup";
        return authCalls.call("auth-accounts-read-back", () -> lookup(uids).map(existing -> {
            if (!existing.isEmpty()) {
                throw CallFailure.contradicted("auth-accounts-read-back: " + existing.size() + " account(s) still "
                        + "exist",
                        new Evidence(check, Instant.now(), "200: " + existing.size() + " of " + uids.size()
                                + " account(s) still exist"));
            }
            return new Evidence(check, Instant.now(), "200 without users: " + uids.size() + " account(s) gone");
        }));
    }

    /**
     * Which of these accounts still exist (accounts:lookup, 100 ids a call), without failing on them: after a batch
     * deletion each directive is judged by its own accounts.
     */
    public Uni<Set<String>> existingAccounts(List<String> uids) {
        return authCalls.call("auth-accounts-read-back", () -> lookup(uids));
    }

    /** The uids among these that still have an account, looked up 100 at a time (one attempt each). */
    private Uni<Set<String>> lookup(List<String> uids) {
        Set<String> existing = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Uni<Void>> lookups = new ArrayList<>();
        for (int i = 0; i < uids.size(); i += LOOKUP_LIMIT) {
            List<String> chunk = uids.subList(i, Math.min(uids.size(), i + LOOKUP_LIMIT));
            lookups.add(google(bearer -> identity.lookup(bearer, project(), new GoogleApis.AccountsLookup(chunk)))
                    .map(answer -> {
                        if (!answer.ok()) {
                            throw ProcessorAnswers.failure("auth-accounts-read-back", answer, GoogleErrors.INSTANCE);
                        }
                        json(answer).path("users").forEach(u -> existing.add(u.path("localId").asText()));
                        return null;
                    }));
        }
        return lookups.isEmpty() ? Uni.createFrom().item(existing)
                : Uni.join().all(lookups).andFailFast().map(x -> existing);
    }

    /** Start-up: the property is reachable with the service account's token (analytics.edit). */
    public Uni<Void> checkAnalyticsProperty() {
        return google(bearer -> analytics.property(bearer, property())).map(answer -> {
            if (!answer.ok()) {
                throw ProcessorAnswers.failure("ga4-property", answer, GoogleErrors.INSTANCE);
            }
            return null;
        });
    }

    /** Start-up: Authentication is set up for the project and the token may read accounts (a lookup of no one). */
    public Uni<Void> checkAuthentication() {
        List<String> nobody = List.of("consent-startup-check-" + UUID.randomUUID());
        return google(bearer -> identity.lookup(bearer, project(), new GoogleApis.AccountsLookup(nobody)))
                .map(answer -> {
                    if (!answer.ok()) {
                        throw ProcessorAnswers.failure("auth-lookup", answer, GoogleErrors.INSTANCE);
                    }
                    return null;
                });
    }

    /** Start-up: the service account gets a token with the scopes asked for. */
    public Uni<Void> checkToken() {
        return tokens.token().replaceWithVoid();
    }

    private Uni<Answer> google(Function<String, Uni<Response>> request) {
        return tokens.token().chain(token -> ProcessorAnswers.read(request.apply("Bearer " + token)));
    }

    private String project() {
        return config.projectId().orElseThrow(() -> CallFailure.permanent("firebase: no project id configured"));
    }

    private String property() {
        return config.analyticsPropertyId()
                .orElseThrow(() -> CallFailure.permanent("firebase: no GA4 property id configured"));
    }

    private static JsonNode json(Answer answer) {
        try {
            return JSON.readTree(answer.body());
        } catch (java.io.IOException e) {
            throw CallFailure.permanent("google: unreadable answer");
        }
    }
}
