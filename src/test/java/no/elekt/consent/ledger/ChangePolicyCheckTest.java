package no.elekt.consent.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import no.elekt.consent.events.Decision;
import no.elekt.consent.policy.ShippedPolicy;
import no.elekt.consent.problem.Problem.FieldError;

/** A consent decision checked against the shipped policy, each fault naming its field. */
@Tag("unit")
class ChangePolicyCheckTest {

    static final ChangePolicyCheck CHECK = new ChangePolicyCheck(ShippedPolicy.load(), Duration.ofMinutes(5));
    static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    static ConsentChangeRequest request(String purpose, Decision decision, Instant occurredAt, String policyVersion,
            Map<String, String> identifiers) {
        return new ConsentChangeRequest("user-1", purpose, decision, occurredAt, "app-android", policyVersion,
                identifiers);
    }

    @Test
    void aValidGrantHasNoFault() {
        assertThat(CHECK.faults(request("newsletter", Decision.GRANTED, NOW, "no-2023-04-27",
                Map.of("email", "a@example.no")), NOW)).isEmpty();
    }

    @Test
    void aWithdrawalNeedsNoPolicyVersion() {
        assertThat(CHECK.faults(request("newsletter", Decision.WITHDRAWN, NOW, null, null), NOW)).isEmpty();
    }

    @Test
    void aGrantNeedsAPolicyVersionThePolicyLists() {
        assertThat(CHECK.faults(request("newsletter", Decision.GRANTED, NOW, null, null), NOW))
                .extracting(FieldError::field).containsExactly("policyVersion");
        assertThat(CHECK.faults(request("newsletter", Decision.WITHDRAWN, NOW, "se-2020-01-01", null), NOW))
                .extracting(FieldError::field).containsExactly("policyVersion");
    }

    @Test
    void anUnknownPurposeAndUnknownIdentifierTypesAreNamedInOrder() {
        assertThat(CHECK.faults(request("horoscopes", Decision.WITHDRAWN, NOW, null,
                Map.of("shoeSize", "44", "email", "a@example.no", "bloodType", "0")), NOW))
                .extracting(FieldError::field)
                .containsExactly("purpose", "identifiers.bloodType", "identifiers.shoeSize");
    }

    @Test
    void anInstantBeyondTheClockSkewIsInTheFutureOneWithinItIsNot() {
        assertThat(CHECK.faults(request("newsletter", Decision.WITHDRAWN, NOW.plusSeconds(301), null, null), NOW))
                .extracting(FieldError::field).containsExactly("occurredAt");
        assertThat(CHECK.faults(request("newsletter", Decision.WITHDRAWN, NOW.plusSeconds(299), null, null), NOW))
                .isEmpty();
    }
}
