package no.elekt.consent.security;

import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.security.identity.SecurityIdentity;
import no.elekt.consent.problem.ProblemException;

/**
 * An app backend may only write for its own app: its token's {@code consent_sources} claim lists the sources it
 * speaks for (a "*" grants all, for a trusted bridge). The claim is copied onto the identity by
 * {@link SourceClaimAugmentor}.
 */
@ApplicationScoped
public class SourceScope {

    public static final String ATTRIBUTE = "consent_sources";

    private final SecurityIdentity identity;

    SourceScope(SecurityIdentity identity) {
        this.identity = identity;
    }

    public void checkMayWrite(String source) {
        Set<String> allowed = identity.getAttribute(ATTRIBUTE);
        if (allowed == null || !(allowed.contains("*") || allowed.contains(source))) {
            throw new ProblemException(403, "Source not allowed",
                    "source: this caller may not write changes for source '" + source + "'");
        }
    }
}
