package no.elekt.consent.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Keys are one caller's, for one endpoint; a Kafka record without a key is keyed by its position. */
@Tag("unit")
class IdempotencyKeyTest {

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

    @Test
    void theHashIsOfTheFieldsInOrder() {
        ObjectMapper json = new ObjectMapper();
        assertThat(RequestHash.of(json, "a", 1, null)).isEqualTo(RequestHash.of(json, "a", 1, null)).hasSize(64);
        assertThat(RequestHash.of(json, "a", 1)).isNotEqualTo(RequestHash.of(json, 1, "a"));
    }
}
