package no.elekt.consent.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A processor is sent only the identifier types policy.yaml says it needs, every value of each, newest first. */
@Tag("unit")
class IdentifierMinimisationTest {

    static final IdentifierMinimisation MINIMISATION = new IdentifierMinimisation(ShippedPolicy.load());

    static Map<String, List<String>> known() {
        Map<String, List<String>> known = new LinkedHashMap<>();
        known.put("email", List.of("new@example.no", "old@example.no"));
        known.put("fcmToken", List.of("token-tablet", "token-phone"));
        known.put("firebaseAppInstanceId", List.of("instance-phone"));
        known.put("advertisingId", List.of());
        known.put("eliqUserId", List.of("eliq-1"));
        return known;
    }

    @Test
    void mailgunGetsEveryAddressAndNothingElse() {
        assertThat(MINIMISATION.forProcessor("mailgun", known()))
                .containsExactly(Map.entry("email", List.of("new@example.no", "old@example.no")));
    }

    @Test
    void firebaseGetsItsThreeTypesWithEveryDeviceNewestFirst() {
        Map<String, List<String>> own = MINIMISATION.forProcessor("firebase", known());
        assertThat(own).containsOnlyKeys("fcmToken", "firebaseAppInstanceId");
        assertThat(own.get("fcmToken")).containsExactly("token-tablet", "token-phone");
    }

    @Test
    void aTypeWithNoValueIsLeftOut() {
        assertThat(MINIMISATION.forProcessor("addapptr", known())).isEmpty();
    }

    @Test
    void nothingKnownSendsNothing() {
        assertThat(MINIMISATION.forProcessor("eliq", Map.of())).isEmpty();
    }
}
