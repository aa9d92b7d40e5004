package no.elekt.consent.adapter.firebase;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.api.client.http.HttpResponseException;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.ServiceAccountCredentials;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import no.elekt.consent.adapter.CallFailure;

/**
 * OAuth2 access tokens of the Firebase service account, from Google's auth library: a signed JWT exchanged at the
 * (configurable) token endpoint, cached by the library and refreshed shortly before it expires.
 */
@ApplicationScoped
public class GoogleAccessTokens {

    /**
     * The scopes asked for: analytics.edit (GA4 submitUserDeletion and properties.get), firebase.messaging (FCM topic
     * subscriptions), cloud-platform (Identity Toolkit accounts:delete, batchDelete, lookup).
     */
    static final List<String> SCOPES = List.of(
            "https://www.googleapis.com/auth/analytics.edit",
            "https://www.googleapis.com/auth/firebase.messaging",
            "https://www.googleapis.com/auth/cloud-platform");

    /**
     * A cached token this far from its expiry is used as it is, on the caller's thread: past the library's own refresh
     * margin (3 min 45 s), so the library would not refresh it either.
     */
    static final Duration FRESH_FOR = Duration.ofMinutes(5);

    private final FirebaseConfig config;
    private volatile ServiceAccountCredentials credentials;

    GoogleAccessTokens(FirebaseConfig config) {
        this.config = config;
    }

    /**
     * A valid access token: the cached one while it is fresh, else from the library on a worker thread (its refresh
     * is a blocking HTTP call). Every Google call asks for one, and a hop to a worker and back for a cached value
     * cost each call a thread switch.
     */
    public Uni<String> token() {
        String fresh = freshToken();
        return fresh != null ? Uni.createFrom().item(fresh)
                : Uni.createFrom().item(this::currentToken).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private String freshToken() {
        ServiceAccountCredentials c = credentials;
        AccessToken token = c == null ? null : c.getAccessToken();
        return token != null && token.getExpirationTime() != null
                && token.getExpirationTime().toInstant().isAfter(Instant.now().plus(FRESH_FOR))
                        ? token.getTokenValue()
                        : null;
    }

    private String currentToken() {
        try {
            ServiceAccountCredentials c = credentials();
            c.refreshIfExpired();
            return c.getAccessToken().getTokenValue();
        } catch (IOException e) {
            throw failure(e);
        }
    }

    private ServiceAccountCredentials credentials() throws IOException {
        ServiceAccountCredentials c = credentials;
        if (c == null) {
            synchronized (this) {
                if (credentials == null) {
                    String file = config.credentialsFile().orElseThrow(
                            () -> CallFailure.permanent("firebase: no service-account credentials file configured"));
                    try (InputStream in = Files.newInputStream(Path.of(file))) {
                        credentials = ServiceAccountCredentials.fromStream(in).toBuilder()
                                .setScopes(SCOPES)
                                .setTokenServerUri(URI.create(config.tokenUrl()))
                                .build();
                    }
                }
                c = credentials;
            }
        }
        return c;
    }

    /** The token endpoint refusing the service account is a credentials problem; anything else may pass. */
    private static CallFailure failure(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpResponseException http) {
                int status = http.getStatusCode();
                if (status == 429 || status >= 500) {
                    return CallFailure.retryable("google-token: HTTP " + status);
                }
                return CallFailure.credentials("google-token: HTTP " + status + " (service account refused)");
            }
        }
        return CallFailure.retryable("google-token: " + e.getClass().getSimpleName());
    }
}
