package no.elekt.consent.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTCallerPrincipal;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.jwt.util.KeyUtils;
import no.elekt.consent.testinfra.TestTokens;

/**
 * A token verified once is kept by its exact text, so an app backend's next request with it is not verified again;
 * any other text is verified in full, and a kept token stops passing when it expires.
 */
@Tag("unit")
class VerifiedTokensTest {

    private final QuietClaimsPrincipalFactory factory = new QuietClaimsPrincipalFactory();
    private JWTAuthContextInfo settings;

    @BeforeEach
    void settings() throws Exception {
        settings = new JWTAuthContextInfo(
                KeyUtils.decodePublicKey(Files.readString(Path.of(TestTokens.publicKeyLocation()))),
                TestTokens.ISSUER);
        settings.setExpectedAudience(Set.of(TestTokens.AUDIENCE));
        settings.setClockSkew(0); // so expiry is exact, as the service's own grace would only lengthen it
    }

    @Test
    void theSameTokenAgainIsNotVerifiedAgain() throws Exception {
        String token = TestTokens.token(Set.of(Roles.WRITER), List.of("web"));

        JWTCallerPrincipal first = factory.parse(token, settings);
        JWTCallerPrincipal again = factory.parse(token, settings);

        assertThat(again).isSameAs(first);
        assertThat(again.getGroups()).containsExactly(Roles.WRITER);
        assertThat(factory.parse(TestTokens.token(Set.of(Roles.OPS), List.of()), settings)).isNotSameAs(first);
    }

    @Test
    void aTokenWithAnotherSignatureIsRefusedEvenWhenTheGenuineOneIsKept() throws Exception {
        String token = TestTokens.token(Set.of(Roles.WRITER), List.of("web"));
        factory.parse(token, settings);
        String[] parts = token.split("\\.");
        String forged = parts[0] + "." + parts[1] + "." + new StringBuilder(parts[2]).reverse();

        assertThatThrownBy(() -> factory.parse(forged, settings)).isInstanceOf(ParseException.class);
    }

    @Test
    void aKeptTokenStopsPassingWhenItExpires() throws Exception {
        String token = TestTokens.token(Set.of(Roles.WRITER), List.of("web"), Duration.ofSeconds(2),
                TestTokens.AUDIENCE, TestTokens.privateKey());
        JWTCallerPrincipal kept = factory.parse(token, settings);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> System.currentTimeMillis() / 1000 > kept.getExpirationTime());

        assertThatThrownBy(() -> factory.parse(token, settings)).isInstanceOf(ParseException.class);
    }
}
