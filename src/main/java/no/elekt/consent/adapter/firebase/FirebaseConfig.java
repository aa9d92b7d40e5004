package no.elekt.consent.adapter.firebase;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Firebase adapter settings (env CONSENT_ADAPTERS_FIREBASE_*). Base URLs are the Google API hosts. */
@ConfigMapping(prefix = "consent.adapters.firebase")
public interface FirebaseConfig {

    /** The role switch, read by the shell (AdapterStartup, DirectiveChannels); declared here so the key is known. */
    @WithDefault("false")
    boolean enabled();

    Optional<String> projectId();

    /** Service-account key file (JSON) the access tokens are obtained with. */
    Optional<String> credentialsFile();

    /** The Google Analytics 4 property (numeric id) whose user data is deleted; the service account edits it. */
    Optional<String> analyticsPropertyId();

    /** Analytics Admin API host. */
    @WithDefault("https://analyticsadmin.googleapis.com")
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

    /** FCM calls per second at most (0: unlimited); FCM allows 3,000 subscription changes a second per project. */
    @WithDefault("10")
    double rateLimit();

    /** GA4 deletions per second at most: the Admin API allows 180 writes a minute per user (and 500 deletions a day). */
    @WithDefault("3")
    double analyticsRateLimit();

    /** Identity Toolkit calls per second at most: 10 account deletions a second, 1 batch deletion a second. */
    @WithDefault("1")
    double authRateLimit();
}
