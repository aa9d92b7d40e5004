package no.elekt.consent.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import no.elekt.consent.identifiers.TestVaults;

/** Keys are one caller's, for one endpoint; a Kafka record without a key is keyed by its position. */
@Tag("unit")
class IdempotencyKeyTest {

    static final String KEY = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());

    @Test
    void noKeySentMeansNoIdempotency() {
        assertThat(IdempotencyKey.of("backend-a", "POST /v1/consent-changes", null)).isNull();
    }

    @Test
    void theSameKeyOfTwoCallersOrTwoEndpointsIsTwoKeys() {
        IdempotencyKey a = IdempotencyKey.of("backend-a", "POST /v1/consent-changes", "k-1");
        assertThat(a).isEqualTo(IdempotencyKey.of("backend-a", "POST /v1/consent-changes", "k-1"));
        assertThat(a).isNotEqualTo(IdempotencyKey.of("backend-b", "POST /v1/consent-changes", "k-1"));
        assertThat(a).isNotEqualTo(IdempotencyKey.of("backend-a", "POST /v1/subjects/{subjectId}/requests", "k-1"));
    }

    @Test
    void aKafkaRecordIsKeyedByItsOwnKeyElseByItsPositionOnItsTopic() {
        assertThat(IdempotencyKey.ofRecord("consent.change-requests.v1", 2, 41, "k-1"))
                .isEqualTo(new IdempotencyKey("kafka", "consent.change-requests.v1", "k-1"));
        assertThat(IdempotencyKey.ofRecord("consent.change-requests.v1", 2, 41, null))
                .isEqualTo(new IdempotencyKey("kafka", "consent.change-requests.v1",
                        "consent.change-requests.v1/2/41"));
    }

    static final RequestHash HASH = new RequestHash(TestVaults.vault("k1", Map.of("k1", KEY)), new ObjectMapper());

    @Test
    void theHashIsOfTheFieldsInOrder() {
        assertThat(HASH.of("a", 1, null)).isEqualTo(HASH.of("a", 1, null)).hasSize(64);
        assertThat(HASH.of("a", 1)).isNotEqualTo(HASH.of(1, "a"));
    }

    /** Request bodies hold identifiers: an unkeyed SHA-256 of them is reversed by hashing a list of addresses. */
    @Test
    void theHashIsKeyedSoADictionaryOfIdentifiersCannotReverseIt() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Object[] fields = { "user-1", Map.of("email", "someone@example.no") };
        String plain = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(json.writeValueAsBytes(fields)));
        assertThat(HASH.of(fields)).isNotEqualTo(plain);
        RequestHash otherKey = new RequestHash(TestVaults.vault("k2", Map.of("k2",
                Base64.getEncoder().encodeToString(new byte[32]))), json);
        assertThat(otherKey.of(fields)).isNotEqualTo(HASH.of(fields));
    }
}
