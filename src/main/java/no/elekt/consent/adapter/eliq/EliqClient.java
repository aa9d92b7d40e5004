package no.elekt.consent.adapter.eliq;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * Eliq, as the adapter needs it: the Data Management API (users by our id) with a data-management-api token, the
 * Insights API (consents, by Eliq's own user id) with an insights-api token, the calls guarded by
 * {@link ProcessorCalls}, and Eliq's documented answers as values: 400 USER_NOT_FOUND (Data Management) is a user
 * already gone, a 404 is a wrong URL.
 */
@ApplicationScoped
public class EliqClient {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Both Eliq APIs put a documented code in "code" ({code, description, request_id} / {type, category, code, ...}). */
    static final ProcessorAnswers.ErrorCodes ELIQ_CODES = answer -> field(answer, "code");

    private final EliqApis.DataManagement dataManagement;
    private final EliqApis.Insights insights;
    private final EliqTokens tokens;
    private final EliqConfig config;
    private final ProcessorCalls calls;

    EliqClient(@RestClient EliqApis.DataManagement dataManagement, @RestClient EliqApis.Insights insights,
            EliqTokens tokens, EliqConfig config, CallsConfig callsConfig, MeterRegistry metrics) {
        this.dataManagement = dataManagement;
        this.insights = insights;
        this.tokens = tokens;
        this.config = config;
        this.calls = new ProcessorCalls("eliq", config.rateLimit(), callsConfig, metrics);
    }

    /** Deletes the user's data at Eliq (our id); 400 USER_NOT_FOUND: already gone. */
    public Uni<Effect> deleteUser(String userId) {
        return calls.call("delete-user", () -> dataManagement(bearer -> dataManagement.deleteUser(bearer, userId))
                .map(answer -> ProcessorAnswers.effect("delete-user", answer, ELIQ_CODES, EliqClient::userNotFound)));
    }

    /** Eliq's own id of our user, read from the Data Management API; empty when Eliq has no such user. */
    public Uni<Optional<Long>> eliqUserId(String userId) {
        return calls.call("read-user", () -> dataManagement(bearer -> dataManagement.user(bearer, userId))
                .map(answer -> {
                    if (answer.ok()) {
                        return Optional.of(json(answer).path("eliq_id").asLong());
                    }
                    if (userNotFound(answer)) {
                        return Optional.<Long>empty();
                    }
                    throw ProcessorAnswers.failure("read-user", answer, ELIQ_CODES);
                }));
    }

    /** Read-back after a deletion: Eliq answers USER_NOT_FOUND for the user, or the deletion did not take. */
    public Uni<Evidence> confirmUserGone(String userId) {
        return calls.call("read-back-user", () -> dataManagement(bearer -> dataManagement.user(bearer, userId))
                .map(answer -> {
                    Instant at = Instant.now();
                    if (userNotFound(answer)) {
                        return new Evidence("eliq data-management GET /users/{id}", at,
                                "400 USER_NOT_FOUND: the user is gone");
                    }
                    if (answer.ok()) {
                        throw CallFailure.contradicted("read-back-user: the user still exists at Eliq",
                                new Evidence("eliq data-management GET /users/{id}", at,
                                        "200: the user still exists"));
                    }
                    throw ProcessorAnswers.failure("read-back-user", answer, ELIQ_CODES);
                }));
    }

    /** The user's consents at the Insights API. */
    public Uni<List<EliqApis.Consent>> consents(long eliqUserId) {
        return calls.call("read-consents", () -> insights(eliqUserId, bearer -> insights.consents(bearer, eliqUserId))
                .map(answer -> {
                    if (!answer.ok()) {
                        throw ProcessorAnswers.failure("read-consents", answer, ELIQ_CODES);
                    }
                    List<EliqApis.Consent> consents = new ArrayList<>();
                    for (JsonNode c : json(answer)) {
                        consents.add(new EliqApis.Consent(c.path("version_id").asText(), c.path("name").asText(),
                                c.path("given_consent").asBoolean(), c.path("language_code").asText(null)));
                    }
                    return consents;
                }));
    }

    /**
     * Read-back after setting consents: each named consent as asked, or (after retries: Eliq's state may lag its
     * answer) the call did not take.
     */
    public Uni<Evidence> confirmConsents(long eliqUserId, List<String> names, boolean given) {
        return calls.call("read-back-consents", () -> insights(eliqUserId,
                bearer -> insights.consents(bearer, eliqUserId)).map(answer -> {
                    Instant at = Instant.now();
                    if (!answer.ok()) {
                        throw ProcessorAnswers.failure("read-back-consents", answer, ELIQ_CODES);
                    }
                    String check = "eliq insights GET /v3/users/{userId}/consents";
                    for (String name : names) {
                        boolean agrees = false;
                        for (JsonNode c : json(answer)) {
                            agrees |= name.equals(c.path("name").asText())
                                    && c.path("given_consent").asBoolean() == given;
                        }
                        if (!agrees) {
                            throw CallFailure.contradicted("read-back-consents: Eliq does not show " + name + " as "
                                    + (given ? "given" : "withdrawn"),
                                    new Evidence(check, at, "200: " + name
                                            + " not " + (given ? "given" : "withdrawn")));
                        }
                    }
                    return new Evidence(check, at, "200: given_consent " + given + " for " + names);
                }));
    }

    /** Sets one consent of the user (the version Eliq holds for it), as given or withdrawn. */
    public Uni<Effect> updateConsent(long eliqUserId, EliqApis.Consent consent) {
        return calls.call("update-consents", () -> insights(eliqUserId,
                bearer -> insights.updateConsents(bearer, eliqUserId, List.of(consent)))
                .map(answer -> ProcessorAnswers.effect("update-consents", answer, ELIQ_CODES, a -> false)));
    }

    /** The Data Management API's start-up check: a token for it, and one page of users. */
    public Uni<Void> checkDataManagement() {
        return dataManagement(bearer -> dataManagement.users(bearer, 1)).map(answer -> {
            if (!answer.ok()) {
                throw ProcessorAnswers.failure("list-users", answer, ELIQ_CODES);
            }
            return null;
        });
    }

    /** The Insights API's start-up check: a token for it can be had (an application token; users differ). */
    public Uni<Void> checkInsightsToken() {
        return tokens.token(EliqTokens.INSIGHTS, null).replaceWithVoid();
    }

    private Uni<Answer> dataManagement(Function<String, Uni<Response>> request) {
        return withToken(EliqTokens.DATA_MANAGEMENT, null, request);
    }

    private Uni<Answer> insights(long eliqUserId, Function<String, Uni<Response>> request) {
        String user = "delegated".equals(config.insightsToken()) ? Long.toString(eliqUserId) : null;
        return withToken(EliqTokens.INSIGHTS, user, request);
    }

    /** One call with a token of the API; a cached token refused with 401 is renewed once. */
    private Uni<Answer> withToken(String api, String user, Function<String, Uni<Response>> request) {
        return tokens.token(api, user).chain(token -> ProcessorAnswers.read(request.apply("Bearer " + token.value()))
                .chain(answer -> {
                    if (answer.status() == 401 && token.cached()) {
                        tokens.invalidate(token.value());
                        return tokens.token(api, user).chain(fresh -> ProcessorAnswers.read(
                                request.apply("Bearer " + fresh.value())));
                    }
                    return Uni.createFrom().item(answer);
                }));
    }

    /** Data Management's "no such user": 400 with code USER_NOT_FOUND (not a 404: that is a wrong URL). */
    static boolean userNotFound(Answer answer) {
        return answer.status() == 400 && "USER_NOT_FOUND".equals(field(answer, "code"));
    }

    static String field(Answer answer, String name) {
        try {
            return answer.json() || answer.body().startsWith("{") ? JSON.readTree(answer.body()).path(name).asText(null)
                    : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    static JsonNode json(Answer answer) {
        try {
            return JSON.readTree(answer.body());
        } catch (java.io.IOException e) {
            throw CallFailure.permanent("eliq: unreadable answer");
        }
    }
}
