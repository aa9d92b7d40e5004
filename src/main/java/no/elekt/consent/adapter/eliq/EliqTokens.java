package no.elekt.consent.adapter.eliq;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.rest.client.inject.RestClient;

import io.smallrye.mutiny.Uni;
import no.elekt.consent.adapter.CallFailure;
import no.elekt.consent.adapter.HttpAnswers;

/** Eliq access tokens by OAuth2 client credentials, cached until shortly before they expire. */
@ApplicationScoped
public class EliqTokens {

    /** A token, and whether it came from the cache (a cached token refused with 401 is worth renewing once). */
    public record Token(String value, boolean cached) {
    }

    private record Cached(String value, Instant renewAt) {
    }

    private final EliqApis.Token endpoint;
    private final EliqConfig config;
    private volatile Cached cached;

    EliqTokens(@RestClient EliqApis.Token endpoint, EliqConfig config) {
        this.endpoint = endpoint;
        this.config = config;
    }

    public Uni<Token> token() {
        Cached current = cached;
        if (current != null && Instant.now().isBefore(current.renewAt())) {
            return Uni.createFrom().item(new Token(current.value(), true));
        }
        String clientId = config.clientId().orElse(null);
        String secret = config.clientSecret().orElse(null);
        if (clientId == null || secret == null) {
            return Uni.createFrom().failure(CallFailure.permanent("eliq: no client id or secret configured"));
        }
        return HttpAnswers.answer(endpoint.clientCredentials("client_credentials", clientId, secret))
                .map(response -> {
                    try (response) {
                        if (response.getStatus() == 400 || response.getStatus() == 401) {
                            // OAuth2 answers an unknown client or a wrong secret with 400 invalid_client or 401
                            throw new CallFailure(CallFailure.Kind.AUTHENTICATION, "eliq-token: HTTP "
                                    + response.getStatus() + " (client credentials refused)", null);
                        }
                        if (!HttpAnswers.ok(response)) {
                            throw HttpAnswers.failure("eliq-token", response);
                        }
                        Map<?, ?> body = response.readEntity(Map.class);
                        Object value = body.get("access_token");
                        if (value == null) {
                            throw CallFailure.permanent("eliq-token: answer without access_token");
                        }
                        long expiresIn = body.get("expires_in") instanceof Number n ? n.longValue() : 300;
                        Duration lifetime = Duration.ofSeconds(expiresIn).minus(config.tokenRefreshMargin());
                        cached = new Cached(value.toString(),
                                Instant.now().plus(lifetime.isNegative() ? Duration.ZERO : lifetime));
                        return new Token(value.toString(), false);
                    }
                });
    }

    /** Forgets a token the API refused, so the next call gets a new one. */
    public void invalidate(String value) {
        Cached current = cached;
        if (current != null && current.value().equals(value)) {
            cached = null;
        }
    }
}
