package no.elekt.consent.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import no.elekt.consent.events.Decision;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.problem.Problem.FieldError;

/**
 * What Bean Validation cannot know about a consent decision: whether the policy in force knows its purpose, its
 * policy version (required with a grant) and its identifier types, and whether it claims to have occurred in the
 * future (beyond the clock skew allowed).
 */
@ApplicationScoped
public class ChangePolicyCheck {

    private final Policy policy;
    private final Duration maxClockSkew;

    @Inject
    public ChangePolicyCheck(Policy policy,
            @ConfigProperty(name = "consent.intake.max-clock-skew", defaultValue = "PT5M") Duration maxClockSkew) {
        this.policy = policy;
        this.maxClockSkew = maxClockSkew;
    }

    /** The fields at fault, in a stable order; empty if the request may be recorded. */
    public List<FieldError> faults(ConsentChangeRequest request, Instant now) {
        List<FieldError> errors = new ArrayList<>();
        if (policy.purpose(request.purpose()).isEmpty()) {
            errors.add(new FieldError("purpose", "unknown purpose; one of " + policy.purposes().keySet()));
        }
        if (request.policyVersion() != null && !policy.policyVersions().contains(request.policyVersion())) {
            errors.add(new FieldError("policyVersion",
                    "not a version of the policy; one of " + policy.policyVersions()));
        } else if (request.policyVersion() == null && request.decision() == Decision.GRANTED) {
            errors.add(new FieldError("policyVersion", "is required with a grant: the version of the policy text the "
                    + "person agreed to; one of " + policy.policyVersions()));
        }
        if (request.occurredAt().isAfter(now.plus(maxClockSkew))) {
            errors.add(new FieldError("occurredAt",
                    "is in the future (more than " + maxClockSkew.toMinutes() + " minutes ahead)"));
        }
        List<String> types = policy.identifierTypes();
        request.identifiersOrEmpty().keySet().stream()
                .filter(type -> !types.contains(type))
                .sorted()
                .forEach(type -> errors.add(new FieldError("identifiers." + type,
                        "unknown identifier type; one of " + types)));
        return errors;
    }
}
