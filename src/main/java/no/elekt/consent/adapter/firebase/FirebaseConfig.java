package no.elekt.consent.adapter.firebase;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Firebase adapter settings (env CONSENT_ADAPTERS_FIREBASE_*). Base URLs are the Google API hosts. */
@ConfigMapping(prefix = "consent.adapters.firebase")
public interface FirebaseConfig {

    @WithDefault("false")
    boolean enabled();

    Optional<String> projectId();

    /** Service-account key file (JSON) the access tokens are obtained with. */
    Optional<String> credentialsFile();

    @WithDefault("https://www.googleapis.com")
    String analyticsUrl();

    @WithDefault("https://fcm.googleapis.com")
    String fcmUrl();

    @WithDefault("https://identitytoolkit.googleapis.com")
    String identityUrl();

    /** OAuth2 token endpoint, in full. */
    @WithDefault("https://oauth2.googleapis.com/token")
    String tokenUrl();

    /** FCM topics per purpose a device is unsubscribed from, e.g. topics.push-notifications=news,price-alerts. */
    Map<String, List<String>> topics();

    /** Calls per second at most (0: unlimited). */
    @WithDefault("10")
    double rateLimit();
}
