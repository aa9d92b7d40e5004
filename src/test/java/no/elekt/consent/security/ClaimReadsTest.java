package no.elekt.consent.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.jwt.auth.principal.DefaultJWTCallerPrincipal;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reading the consent_sources claim, as {@link SourceClaimAugmentor} does on every request, throws no exception with
 * the principal of {@link QuietClaimsPrincipalFactory}; smallrye-jwt's own principal throws one per read (JFR's
 * exception events show it), and both read the same values.
 */
@Tag("unit")
class ClaimReadsTest {

    private static JwtClaims claims() {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer("https://auth.elekt.example");
        claims.setSubject("app-backend");
        claims.setClaim("upn", "app-backend");
        claims.setStringListClaim("groups", List.of(Roles.WRITER));
        claims.setClaim(SourceScope.ATTRIBUTE, List.of("web", "app-android"));
        claims.setExpirationTimeMinutesInTheFuture(5);
        return claims;
    }

    @Test
    void theConsentSourcesClaimIsReadWithoutAnException() throws Exception {
        JwtClaims claims = claims();
        long expires = claims.getExpirationTime().getValue();
        JsonWebToken quiet = new QuietClaimsPrincipalFactory.Principal("JWT", claims);

        Reads reads = readSources(quiet);

        assertThat(reads.sources()).containsExactlyInAnyOrder("web", "app-android");
        assertThat(reads.exceptionsFromClaimTypes()).isZero();
        assertThat(quiet.getGroups()).containsExactly(Roles.WRITER);
        assertThat(quiet.getName()).isEqualTo("app-backend");
        assertThat(quiet.getExpirationTime()).isEqualTo(expires);
        assertThat(quiet.<Object>getClaim("no_such_claim")).isNull();
    }

    @Test
    void smallryesOwnPrincipalThrowsOnEachRead() throws IOException {
        Reads reads = readSources(new DefaultJWTCallerPrincipal("JWT", claims()));

        assertThat(reads.sources()).containsExactlyInAnyOrder("web", "app-android");
        // containsClaim and getClaim each look the claim's type up
        assertThat(reads.exceptionsFromClaimTypes()).isGreaterThanOrEqualTo(2);
    }

    private record Reads(Set<String> sources, long exceptionsFromClaimTypes) {
    }

    /** The augmentor's read of the claim, under a JFR recording of every exception made meanwhile. */
    private static Reads readSources(JsonWebToken token) throws IOException {
        SecurityIdentity identity = QuarkusSecurityIdentity.builder().setPrincipal(token).build();
        Path file = Files.createTempFile("claim-reads", ".jfr");
        Set<String> sources;
        try (Recording recording = new Recording()) {
            recording.enable("jdk.JavaExceptionThrow").withStackTrace();
            recording.start();
            sources = new SourceClaimAugmentor().augment(identity, null).await().indefinitely()
                    .getAttribute(SourceScope.ATTRIBUTE);
            recording.stop();
            recording.dump(file);
        }
        long thrown = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getStackTrace() != null && e.getStackTrace().getFrames().stream()
                        .anyMatch(f -> f.getMethod().getName().equals("getClaimType")))
                .count();
        Files.delete(file);
        return new Reads(sources, thrown);
    }
}
