package no.elekt.consent.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import no.elekt.consent.identifiers.IdentifierVault;

/**
 * Outside the dev and test profiles the service starts only when it is configured securely, and says in one message
 * every setting that is missing or wrong, by its environment variable; it does not come up (readiness UP) to fail on
 * first use.
 * <ul>
 * <li>Every role: the AES-256 key of {@code consent.crypto.active-key}, and every key of {@code consent.crypto.keys}
 * base64 of 32 bytes. The core encrypts identifiers with it; adapters will read per-subject keys with it, so their
 * deployments carry it from the start.</li>
 * <li>The core (the role that serves the API): the identity provider's verification key
 * ({@code mp.jwt.verify.publickey.location}, a readable file or an https URL; or {@code mp.jwt.verify.publickey}) and
 * its issuer ({@code mp.jwt.verify.issuer}); without an issuer any issuer's token would be accepted. Adapters serve no
 * API: without a key they refuse every token.</li>
 * </ul>
 * No value is ever written to the log or the message, only names and sizes.
 */
class SecureStartCheck {

    static final int AES_256_KEY_BYTES = 32;

    void check(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event,
            IdentifierVault.Keys keys) {
        List<String> profiles = ConfigUtils.getProfiles();
        if (profiles.contains("dev") || profiles.contains("test")) {
            return;
        }
        List<String> faults = faults(ConfigProvider.getConfig(), keys);
        if (!faults.isEmpty()) {
            throw new IllegalStateException("Not configured securely, refusing to start (profile " + profiles
                    + "). Set these environment variables from the deployment's secrets:\n - "
                    + String.join("\n - ", faults));
        }
    }

    static List<String> faults(Config config, IdentifierVault.Keys keys) {
        List<String> faults = new ArrayList<>();
        String active = keys.activeKey();
        if (!keys.keys().containsKey(active)) {
            faults.add(env("consent.crypto.keys." + active) + " is missing: base64 of a random 256-bit AES key, the key"
                    + " of " + env("consent.crypto.active-key") + " '" + active + "'");
        }
        new TreeMap<>(keys.keys()).forEach((id, base64) -> {
            int length = decodedLength(base64);
            if (length != AES_256_KEY_BYTES) {
                faults.add(env("consent.crypto.keys." + id) + " is not base64 of " + AES_256_KEY_BYTES + " bytes ("
                        + (length < 0 ? "not base64" : length + " bytes") + ")");
            }
        });
        keys.hashKey().filter(id -> !keys.keys().containsKey(id)).ifPresent(id -> faults.add(
                env("consent.crypto.hash-key") + " names '" + id + "', which " + env("consent.crypto.keys." + id)
                        + " does not set: the request hashes' key must stay in the ring"));
        if (config.getOptionalValue("consent.core.enabled", Boolean.class).orElse(true)) {
            Optional<String> location = config.getOptionalValue("mp.jwt.verify.publickey.location", String.class);
            if (location.isEmpty() && config.getOptionalValue("mp.jwt.verify.publickey", String.class).isEmpty()) {
                faults.add(env("mp.jwt.verify.publickey.location") + " is missing: the identity provider's token"
                        + " verification key, a PEM or JWKS file or its JWKS https URL");
            } else if (location.isPresent() && !httpsOrReadableFile(location.get())) {
                faults.add(env("mp.jwt.verify.publickey.location") + " is neither an https URL nor a readable file: "
                        + location.get());
            }
            if (config.getOptionalValue("mp.jwt.verify.issuer", String.class).isEmpty()) {
                faults.add(
                        env("mp.jwt.verify.issuer") + " is missing: the identity provider's issuer (the tokens' iss)");
            }
        }
        return faults;
    }

    /** The environment variable that sets a property (MicroProfile Config's mapping). */
    static String env(String property) {
        return property.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    private static int decodedLength(String base64) {
        try {
            return Base64.getDecoder().decode(base64).length; // as IdentifierVault decodes it: no blanks, no newline
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    /** A key fetched over plain http could be swapped on the way. */
    private static boolean httpsOrReadableFile(String location) {
        if (location.startsWith("https://")) {
            return true;
        }
        Path file = Path.of(location.startsWith("file:") ? location.substring("file:".length()) : location);
        return Files.isRegularFile(file) && Files.isReadable(file);
    }
}
