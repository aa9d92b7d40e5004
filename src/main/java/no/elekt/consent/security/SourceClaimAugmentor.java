package no.elekt.consent.security;

import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Copies the token's consent_sources claim onto the identity, where {@link SourceScope} reads it. */
@ApplicationScoped
public class SourceClaimAugmentor implements SecurityIdentityAugmentor {

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (!(identity.getPrincipal() instanceof JsonWebToken jwt) || !jwt.containsClaim(SourceScope.ATTRIBUTE)) {
            return Uni.createFrom().item(identity);
        }
        Object claim = jwt.getClaim(SourceScope.ATTRIBUTE);
        Set<String> sources = claim instanceof JsonArray array
                ? array.getValuesAs(JsonString.class).stream().map(JsonString::getString).collect(Collectors.toSet())
                : Set.of(String.valueOf(claim));
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder(identity)
                .addAttribute(SourceScope.ATTRIBUTE, sources).build());
    }
}
