package no.elekt.consent.security;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import org.eclipse.microprofile.jwt.Claims;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtContext;

import io.smallrye.jwt.auth.principal.DefaultJWTCallerPrincipal;
import io.smallrye.jwt.auth.principal.DefaultJWTTokenParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTCallerPrincipal;
import io.smallrye.jwt.auth.principal.JWTCallerPrincipalFactory;
import io.smallrye.jwt.auth.principal.ParseException;

/**
 * smallrye-jwt's own factory, with one difference in the principal it makes. smallrye-jwt finds a claim's type with
 * {@code Claims.valueOf(name)} and catches the {@link IllegalArgumentException}, so every read of a claim that is not
 * a standard one (our {@code consent_sources}, twice per request) made an exception and filled its stack trace: it
 * showed in the profile of the REST intake. Tokens are parsed and verified exactly as before.
 *
 * <p>And a verified token is kept, by its exact text, until it expires and for at most a minute: an app backend sends
 * the same token with each of its requests, and verifying it (the JSON parsed, the RSA signature checked) was a
 * quarter of the allocations of the REST intake in the benchmark's profile. Any other text (another signature, a
 * claim changed) is verified in full; an expired token never passes, the cache ends at its expiry. A key removed from
 * the verification key set stops a token it signed within the minute.
 */
@ApplicationScoped
@Alternative
@Priority(1)
public class QuietClaimsPrincipalFactory extends JWTCallerPrincipalFactory {

    /** How long a verified token is kept at most. */
    static final long KEPT_MILLIS = 60_000;
    /** The most tokens kept: a few per app backend and ops user; beyond it the cache starts again empty. */
    static final int MOST_KEPT = 1_000;

    private final DefaultJWTTokenParser parser = new DefaultJWTTokenParser();
    private final Map<String, Verified> verified = new ConcurrentHashMap<>();

    @Override
    public JWTCallerPrincipal parse(String token, JWTAuthContextInfo authContextInfo) throws ParseException {
        long now = System.currentTimeMillis();
        Verified kept = verified.get(token);
        if (kept != null && kept.by() == authContextInfo && now < kept.until()) {
            return kept.principal();
        }
        JwtContext context = parser.parse(token, authContextInfo);
        Principal principal = new Principal(context.getJoseObjects().get(0).getHeader("typ"), context.getJwtClaims());
        if (verified.size() >= MOST_KEPT) {
            verified.clear();
        }
        verified.put(token, new Verified(principal, authContextInfo,
                Math.min(principal.getExpirationTime() * 1000, now + KEPT_MILLIS)));
        return principal;
    }

    /** A token verified against these settings, good until {@code until} (epoch milliseconds). */
    private record Verified(Principal principal, JWTAuthContextInfo by, long until) {
    }

    /** The default principal, whose lookup of a claim's type is a map read instead of a caught exception. */
    static final class Principal extends DefaultJWTCallerPrincipal {

        private static final Map<String, Claims> STANDARD = Arrays.stream(Claims.values())
                .collect(Collectors.toUnmodifiableMap(Claims::name, Function.identity()));

        Principal(String tokenType, JwtClaims claims) {
            super(tokenType, claims);
        }

        @Override
        protected Claims getClaimType(String claimName) {
            return STANDARD.getOrDefault(claimName, Claims.UNKNOWN);
        }
    }
}
