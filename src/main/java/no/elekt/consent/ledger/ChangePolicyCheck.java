package no.elekt.consent.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

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
        // a key goes into field names, logs and dead-letter headers: only a plain name is ever echoed
        if (request.identifiersOrEmpty().keySet().stream().anyMatch(type -> !IDENTIFIER_TYPE.matcher(type).matches())) {
            errors.add(new FieldError("identifiers", "an identifier type is a name of letters and digits (no control "
                    + "or other characters); one of " + types));
        }
        request.identifiersOrEmpty().keySet().stream()
                .filter(type -> IDENTIFIER_TYPE.matcher(type).matches() && !types.contains(type))
                .sorted()
                .forEach(type -> errors.add(new FieldError("identifiers." + type,
                        "unknown identifier type; one of " + types)));
        String advertisingId = request.identifiersOrEmpty().get(ADVERTISING_ID);
        if (advertisingId != null && (!DEVICE_ID.matcher(advertisingId).matches() || ZERO_ID.equals(advertisingId))) {
            errors.add(new FieldError("identifiers." + ADVERTISING_ID, "must be a GAID, IDFA or IDFV: a UUID such as "
                    + "38400000-8cf0-11bd-b23e-10b96e40000d, not the all-zero id of a device that limits ad tracking"));
        }
        return errors;
    }

    private static final Pattern IDENTIFIER_TYPE = Pattern.compile("[A-Za-z][A-Za-z0-9]{0,63}");
    private static final String ADVERTISING_ID = "advertisingId";
    /** GAID, IDFA and IDFV are all UUIDs in their 8-4-4-4-12 hex form. */
    private static final Pattern DEVICE_ID = Pattern.compile(
            "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}");
    private static final String ZERO_ID = "00000000-0000-0000-0000-000000000000";
}
