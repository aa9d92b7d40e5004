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

    /** Control characters in a key would reach field names, logs and dead-letter headers: refused, never echoed. */
    @Test
    void anIdentifierTypeWithAnyControlCharacterIsRefusedWithoutEchoingIt() {
        java.util.Random random = new java.util.Random(13);
        for (int c = 0; c < 0x20; c++) {
            String type = "em" + (char) c + "ail";
            var faults = CHECK.faults(request("newsletter", Decision.WITHDRAWN, NOW, null,
                    Map.of(type, "a@example.no")), NOW);
            assertThat(faults).as("U+%04X", c).extracting(FieldError::field).containsExactly("identifiers");
            assertThat(faults.get(0).message()).doesNotContain(type);
        }
        for (int i = 0; i < 200; i++) { // random keys with a control character somewhere (DEL and C1 included)
            StringBuilder type = new StringBuilder("email");
            char control = random.nextBoolean() ? (char) random.nextInt(0x20) : (char) (0x7f + random.nextInt(0x21));
            type.insert(random.nextInt(type.length() + 1), control);
            assertThat(CHECK.faults(request("newsletter", Decision.WITHDRAWN, NOW, null,
                    Map.of(type.toString(), "a@example.no")), NOW))
                    .extracting(FieldError::field).containsExactly("identifiers");
        }
    }

    @Test
    void anAdvertisingIdIsAGaidIdfaOrIdfv() {
        for (String valid : java.util.List.of("38400000-8cf0-11bd-b23e-10b96e40000d",
                "EA7583CD-A667-48BC-B806-42ECB2B48606", java.util.UUID.randomUUID().toString())) {
            assertThat(CHECK.faults(request("personalised-ads", Decision.WITHDRAWN, NOW, null,
                    Map.of("advertisingId", valid)), NOW)).as(valid).isEmpty();
        }
        for (String invalid : java.util.List.of("ad-123", "38400000-8cf0-11bd-b23e-10b96e40000", "38400000"
                + "8cf011bdb23e10b96e40000d", "38400000-8cf0-11bd-b23e-10b96e40000d ",
                "g8400000-8cf0-11bd-b23e-10b96e40000d",
                "00000000-0000-0000-0000-000000000000", "a@example.no")) {
            assertThat(CHECK.faults(request("personalised-ads", Decision.WITHDRAWN, NOW, null,
                    Map.of("advertisingId", invalid)), NOW)).as(invalid)
                    .extracting(FieldError::field).containsExactly("identifiers.advertisingId");
        }
    }
}
