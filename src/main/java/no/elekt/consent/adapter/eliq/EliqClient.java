package no.elekt.consent.adapter.eliq;

import java.time.Instant;
import java.util.List;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RestClient;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.adapter.CallPolicy;
import no.elekt.consent.adapter.CallsConfig;
import no.elekt.consent.adapter.Effect;
import no.elekt.consent.adapter.HttpAnswers;

/**
 * Eliq, as the adapter needs it: bearer tokens by client credentials (a cached token refused with 401 is renewed
 * once), retries and rate limit of {@link CallPolicy}, and "user not found" as already gone.
 */
@ApplicationScoped
public class EliqClient {

    private final EliqApis.DataManagement api;
    private final EliqTokens tokens;
    private final CallPolicy calls;

    EliqClient(@RestClient EliqApis.DataManagement api, EliqTokens tokens, EliqConfig config,
            CallsConfig callsConfig, MeterRegistry metrics) {
        this.api = api;
        this.tokens = tokens;
        this.calls = new CallPolicy("eliq", config.rateLimit(), callsConfig, metrics);
    }

    /** Deletes the user's data at Eliq; 400 USER_NOT_FOUND (or 404) means it is already gone. */
    public Uni<Effect> deleteUser(String userId) {
        return call("delete-user", bearer -> api.deleteUser(bearer, userId));
    }

    /** Records the user's consent for one purpose at Eliq; a user Eliq does not know has nothing to restrict. */
    public Uni<Effect> updateConsent(String userId, String purpose, boolean granted, Instant changedAt) {
        EliqApis.Consents body = new EliqApis.Consents(
                List.of(new EliqApis.Consent(purpose, granted, changedAt.toString())));
        return call("update-consents", bearer -> api.putConsents(bearer, userId, body));
    }

    private Uni<Effect> call(String operation, Function<String, Uni<Response>> request) {
        return calls.call(operation, () -> tokens.token()
                .chain(token -> HttpAnswers.answer(request.apply("Bearer " + token.value()))
                        .chain(response -> {
                            if (response.getStatus() == 401 && token.cached()) {
                                response.close();
                                tokens.invalidate(token.value());
                                return tokens.token().chain(fresh -> HttpAnswers.answer(
                                        request.apply("Bearer " + fresh.value())));
                            }
                            return Uni.createFrom().item(response);
                        }))
                .map(response -> {
                    try (response) {
                        if (HttpAnswers.ok(response)) {
                            return Effect.APPLIED;
                        }
                        if (response.getStatus() == 404 || response.getStatus() == 400
                                && HttpAnswers.body(response).contains("USER_NOT_FOUND")) {
                            return Effect.ALREADY_APPLIED;
                        }
                        throw HttpAnswers.failure(operation, response);
                    }
                }));
    }
}
