package no.elekt.consent.adapter.firebase;

import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RestClient;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.adapter.CallFailure;
import no.elekt.consent.adapter.CallPolicy;
import no.elekt.consent.adapter.CallsConfig;
import no.elekt.consent.adapter.Effect;
import no.elekt.consent.adapter.HttpAnswers;

/**
 * Google's Firebase-related APIs, as the adapter needs them: bearer tokens of the service account, retries and
 * rate limit of {@link CallPolicy}, and "already gone" answers as values.
 */
@ApplicationScoped
public class FirebaseClient {

    private final GoogleApis.Analytics analytics;
    private final GoogleApis.Fcm fcm;
    private final GoogleApis.IdentityToolkit identity;
    private final GoogleAccessTokens tokens;
    private final FirebaseConfig config;
    private final CallPolicy calls;

    FirebaseClient(@RestClient GoogleApis.Analytics analytics, @RestClient GoogleApis.Fcm fcm,
            @RestClient GoogleApis.IdentityToolkit identity, GoogleAccessTokens tokens, FirebaseConfig config,
            CallsConfig callsConfig, MeterRegistry metrics) {
        this.analytics = analytics;
        this.fcm = fcm;
        this.identity = identity;
        this.tokens = tokens;
        this.config = config;
        this.calls = new CallPolicy("firebase", config.rateLimit(), callsConfig, metrics);
    }

    /** Asks Google Analytics to delete the data of one app instance (an idempotent upsert). */
    public Uni<Effect> deleteAnalyticsData(String appInstanceId) {
        GoogleApis.UserDeletionRequest request = new GoogleApis.UserDeletionRequest("analytics#userDeletionRequest",
                new GoogleApis.UserId("APP_INSTANCE_ID", appInstanceId), project());
        return call("analytics-user-deletion", bearer -> analytics.upsert(bearer, request), false);
    }

    /** Unsubscribes one registration token from one topic; a missing subscription is already gone. */
    public Uni<Effect> unsubscribe(String registrationToken, String topic) {
        return call("fcm-topic-unsubscribe", bearer -> fcm.unsubscribe(bearer, project(), registrationToken, topic, true),
                true);
    }

    /** Deletes the Firebase Authentication account; USER_NOT_FOUND means it is already gone. */
    public Uni<Effect> deleteAccount(String uid) {
        return call("auth-account-delete",
                bearer -> identity.deleteAccount(bearer, project(), new GoogleApis.AccountDeletion(uid)), true);
    }

    private Uni<Effect> call(String operation, Function<String, Uni<Response>> request, boolean goneMeansDone) {
        return calls.call(operation, () -> tokens.token()
                .chain(token -> HttpAnswers.answer(request.apply("Bearer " + token)))
                .map(response -> {
                    try (response) {
                        if (HttpAnswers.ok(response)) {
                            return Effect.APPLIED;
                        }
                        if (goneMeansDone && (response.getStatus() == 404 || response.getStatus() == 400
                                && HttpAnswers.body(response).contains("NOT_FOUND"))) {
                            return Effect.ALREADY_APPLIED;
                        }
                        throw HttpAnswers.failure(operation, response);
                    }
                }));
    }

    private String project() {
        return config.projectId().orElseThrow(() -> CallFailure.permanent("firebase: no project id configured"));
    }
}
