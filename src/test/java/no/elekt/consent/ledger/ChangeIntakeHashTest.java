package no.elekt.consent.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import no.elekt.consent.events.Decision;
import no.elekt.consent.idempotency.RequestHash;
import no.elekt.consent.identifiers.TestVaults;

/** What a repeated Idempotency-Key must come with again: the same decision, whatever the order of its identifiers. */
@Tag("unit")
class ChangeIntakeHashTest {

    static final RequestHash JSON = new RequestHash(TestVaults.vault("k1", Map.of("k1",
            Base64.getEncoder().encodeToString(new byte[32]))), new ObjectMapper());
    static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");

    static ConsentChangeRequest request(Decision decision, Map<String, String> identifiers) {
        return new ConsentChangeRequest("user-1", "newsletter", decision, AT, "web", null, identifiers);
    }

    @Test
    void theOrderOfTheIdentifiersDoesNotMatter() {
        Map<String, String> oneOrder = new LinkedHashMap<>();
        oneOrder.put("email", "a@example.no");
        oneOrder.put("fcmToken", "t");
        Map<String, String> otherOrder = new LinkedHashMap<>();
        otherOrder.put("fcmToken", "t");
        otherOrder.put("email", "a@example.no");
        assertThat(ChangeIntake.hash(JSON, request(Decision.WITHDRAWN, oneOrder)))
                .isEqualTo(ChangeIntake.hash(JSON, request(Decision.WITHDRAWN, otherOrder)));
    }

    @Test
    void anotherDecisionOrIdentifierIsAnotherRequest() {
        String withdrawn = ChangeIntake.hash(JSON, request(Decision.WITHDRAWN, Map.of("email", "a@example.no")));
        assertThat(ChangeIntake.hash(JSON, request(Decision.GRANTED, Map.of("email", "a@example.no"))))
                .isNotEqualTo(withdrawn);
        assertThat(ChangeIntake.hash(JSON, request(Decision.WITHDRAWN, Map.of("email", "b@example.no"))))
                .isNotEqualTo(withdrawn);
    }

    @Test
    void noIdentifiersHashesAsAnEmptyMap() {
        assertThat(ChangeIntake.hash(JSON, request(Decision.WITHDRAWN, null)))
                .isEqualTo(ChangeIntake.hash(JSON, request(Decision.WITHDRAWN, Map.of())))
                .hasSize(64);
    }
}
