package no.elekt.consent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.smallrye.config.SmallRyeConfigBuilder;
import no.elekt.consent.identifiers.IdentifierVault;

/** The settings the packaged service refuses to start without (see DeployedConfigurationIT for the whole start). */
@Tag("unit")
class SecureStartCheckTest {

    record Keys(String activeKey, Map<String, String> keys, java.util.Optional<String> hashKey)
            implements
                IdentifierVault.Keys {

        Keys(String activeKey, Map<String, String> keys) {
            this(activeKey, keys, java.util.Optional.empty());
        }
    }

    static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    @TempDir
    Path dir;

    @Test
    void withNothingConfiguredTheCoreNamesTheKeyTheJwtKeyAndTheIssuerByTheirEnvironmentVariables() {
        assertThat(faults(Map.of(), new Keys("primary", Map.of())))
                .hasSize(3)
                .anySatisfy(f -> assertThat(f).startsWith("CONSENT_CRYPTO_KEYS_PRIMARY is missing")
                        .contains("CONSENT_CRYPTO_ACTIVE_KEY 'primary'"))
                .anySatisfy(f -> assertThat(f).startsWith("MP_JWT_VERIFY_PUBLICKEY_LOCATION is missing"))
                .anySatisfy(f -> assertThat(f).startsWith("MP_JWT_VERIFY_ISSUER is missing"));
    }

    @Test
    void aShortKeyOrOneThatIsNotBase64IsNamedWithoutItsValue() {
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        List<String> faults = faults(secureJwt(),
                new Keys("primary", Map.of("primary", shortKey, "old", "c2VjcmV0\n")));
        assertThat(faults).containsExactly(
                "CONSENT_CRYPTO_KEYS_OLD is not base64 of 32 bytes (not base64)",
                "CONSENT_CRYPTO_KEYS_PRIMARY is not base64 of 32 bytes (16 bytes)");
        assertThat(String.join("", faults)).doesNotContain(shortKey).doesNotContain("c2VjcmV0");
    }

    @Test
    void aHashKeyThatIsNotInTheRingIsNamedAtStartNotAtFirstUse() {
        assertThat(faults(secureJwt(), new Keys("primary", Map.of("primary", KEY), java.util.Optional.of("old"))))
                .containsExactly("CONSENT_CRYPTO_HASH_KEY names 'old', which CONSENT_CRYPTO_KEYS_OLD does not set: "
                        + "the request hashes' key must stay in the ring");
        assertThat(faults(secureJwt(), new Keys("primary", Map.of("primary", KEY, "old", KEY),
                java.util.Optional.of("old")))).isEmpty();
    }

    @Test
    void anAdapterNeedsTheCryptoKeyButNoJwtSettings() {
        Map<String, String> adapter = Map.of("consent.core.enabled", "false");
        assertThat(faults(adapter, new Keys("primary", Map.of("primary", KEY)))).isEmpty();
        assertThat(faults(adapter, new Keys("primary", Map.of()))).singleElement().asString()
                .startsWith("CONSENT_CRYPTO_KEYS_PRIMARY is missing");
    }

    @Test
    void theJwtKeyLocationMustBeAReadableFileOrAnHttpsUrl() {
        Keys keys = new Keys("primary", Map.of("primary", KEY));
        assertThat(faults(secureJwt(), keys)).isEmpty();
        Map<String, String> url = new HashMap<>(secureJwt());
        url.put("mp.jwt.verify.publickey.location", "https://auth.elekt.example/jwks");
        assertThat(faults(url, keys)).isEmpty();
        for (String bad : List.of("http://auth.elekt.example/jwks", dir.resolve("absent.pem").toString(),
                dir.toString())) {
            url.put("mp.jwt.verify.publickey.location", bad);
            assertThat(faults(url, keys)).as(bad).singleElement().asString()
                    .startsWith("MP_JWT_VERIFY_PUBLICKEY_LOCATION is neither an https URL nor a readable file");
        }
    }

    private Map<String, String> secureJwt() {
        try {
            Path key = Files.writeString(dir.resolve("public.pem"), "-----BEGIN PUBLIC KEY-----\n");
            return Map.of("mp.jwt.verify.publickey.location", key.toString(), "mp.jwt.verify.issuer",
                    "https://auth.elekt.example");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> faults(Map<String, String> config, Keys keys) {
        return SecureStartCheck.faults(new SmallRyeConfigBuilder().withDefaultValues(config).build(), keys);
    }
}
