package no.elekt.consent.testinfra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;

import io.smallrye.jwt.build.Jwt;

/**
 * Real RS256 tokens as Elekt's identity provider would issue them. The key pair is made once and kept under
 * target/jwt, so every class loader (and the local run) signs with the key the service verifies with.
 */
public final class TestTokens {

    public static final String ISSUER = "https://auth.elekt.example";
    public static final String AUDIENCE = "consent-propagation";
    private static final Path DIR = Path.of("target", "jwt").toAbsolutePath();

    private TestTokens() {
    }

    /** The service setting that makes it trust these tokens. */
    public static String publicKeyLocation() {
        keys();
        return DIR.resolve("public.pem").toString();
    }

    public static String token(Set<String> roles, List<String> sources, Duration validFor, String audience,
            PrivateKey key) {
        return token(roles, sources, validFor, audience, key, "test-client");
    }

    /** A token of a named client (its subject), e.g. for per-client limits. */
    public static String token(Set<String> roles, List<String> sources, String client) {
        return token(roles, sources, Duration.ofMinutes(5), AUDIENCE, privateKey(), client);
    }

    private static String token(Set<String> roles, List<String> sources, Duration validFor, String audience,
            PrivateKey key, String client) {
        var builder = Jwt.issuer(ISSUER).audience(audience).subject(client).upn(client).groups(roles)
                .issuedAt(Instant.now().minus(Duration.ofMinutes(10)))
                .expiresAt(Instant.now().plus(validFor));
        if (sources != null) {
            builder.claim("consent_sources", sources);
        }
        return builder.jws().keyId("test").sign(key);
    }

    public static String token(Set<String> roles, List<String> sources) {
        return token(roles, sources, Duration.ofMinutes(5), AUDIENCE, privateKey());
    }

    public static PrivateKey privateKey() {
        return keys();
    }

    /** A key the service does not trust, for forged tokens. */
    public static PrivateKey strangerKey() {
        return generate().getPrivate();
    }

    private static synchronized PrivateKey keys() {
        try {
            Path privatePem = DIR.resolve("private.der");
            if (!Files.exists(privatePem)) {
                KeyPair pair = generate();
                Files.createDirectories(DIR);
                Files.writeString(DIR.resolve("public.pem"), "-----BEGIN PUBLIC KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPublic().getEncoded())
                        + "\n-----END PUBLIC KEY-----\n");
                Files.write(privatePem, pair.getPrivate().getEncoded());
            }
            return KeyFactory.getInstance("RSA")
                    .generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(privatePem)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
