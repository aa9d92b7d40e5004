package no.elekt.consent.adapter.eliq;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.rest.client.inject.RestClient;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.mutiny.Uni;
import no.elekt.consent.adapter.CallFailure;
import no.elekt.consent.adapter.ProcessorAnswers;

/**
 * Eliq access tokens by Auth v2 client credentials: a JSON body naming the API in {@code aud} (a token serves that
 * API only) and, for a token on behalf of a user, the user in {@code sub}. Cached per API and user until shortly
 * before they expire.
 */
@ApplicationScoped
public class EliqTokens {

    public static final String DATA_MANAGEMENT = "data-management-api";
    public static final String INSIGHTS = "insights-api";
    private static final int MAX_CACHED = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A token, and whether it came from the cache (a cached token refused with 401 is worth renewing once). */
    public record Token(String value, boolean cached) {
    }

    private record Cached(String value, Instant renewAt) {
    }

    private final EliqApis.Token endpoint;
    private final EliqConfig config;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    EliqTokens(@RestClient EliqApis.Token endpoint, EliqConfig config) {
        this.endpoint = endpoint;
        this.config = config;
    }

    /** A token for one API; {@code user} (Eliq's user id) for a delegated token, else null. */
    public Uni<Token> token(String api, String user) {
        String key = api + "/" + (user == null ? "" : user);
        Cached current = cache.get(key);
        if (current != null && Instant.now().isBefore(current.renewAt())) {
            return Uni.createFrom().item(new Token(current.value(), true));
        }
        boolean insights = INSIGHTS.equals(api);
        String clientId = (insights ? config.insightsClientId().or(config::clientId) : config.clientId()).orElse(null);
        String secret = (insights ? config.insightsClientSecret().or(config::clientSecret) : config.clientSecret())
                .orElse(null);
        if (clientId == null || secret == null) {
            return Uni.createFrom().failure(CallFailure.credentials("eliq: no client id or secret configured"));
        }
        EliqApis.TokenRequest request = new EliqApis.TokenRequest("client_credentials", clientId, secret, api, user,
                user == null ? null : "user");
        return ProcessorAnswers.read(endpoint.token(request)).map(answer -> {
            if (answer.status() == 400 || answer.status() == 401) {
                // 400: invalid or missing parameters (an aud the client may not use); 401: invalid client credentials
                throw CallFailure.credentials("eliq-token (aud " + api + "): HTTP " + answer.status()
                        + " (client refused for this API)");
            }
            if (!answer.ok()) {
                throw ProcessorAnswers.failure("eliq-token", answer, ProcessorAnswers.NONE);
            }
            JsonNode body;
            try {
                body = JSON.readTree(answer.body());
            } catch (java.io.IOException e) {
                throw CallFailure.permanent("eliq-token: unreadable answer");
            }
            String value = body.path("access_token").asText(null);
            if (value == null) {
                throw CallFailure.permanent("eliq-token: answer without access_token");
            }
            Duration lifetime = Duration.ofSeconds(body.path("expires_in").asLong(300))
                    .minus(config.tokenRefreshMargin());
            if (cache.size() >= MAX_CACHED) {
                cache.entrySet().removeIf(e -> Instant.now().isAfter(e.getValue().renewAt()));
                if (cache.size() >= MAX_CACHED) {
                    cache.clear();
                }
            }
            cache.put(key, new Cached(value, Instant.now().plus(lifetime.isNegative() ? Duration.ZERO : lifetime)));
            return new Token(value, false);
        });
    }

    /** Forgets a token the API refused, so the next call gets a new one. */
    public void invalidate(String value) {
        cache.values().removeIf(c -> c.value().equals(value));
    }
}
