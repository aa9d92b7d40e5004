package no.elekt.consent.idempotency;

/**
 * An Idempotency-Key as it is kept: one caller's key for one endpoint. Two callers, or one caller on two endpoints,
 * may use the same key for different requests.
 *
 * @param caller the authenticated caller (the token's principal), or {@link #KAFKA} for the Kafka intake
 * @param endpoint what was called, e.g. {@code POST /v1/consent-changes}, or the topic read from
 * @param key the key the caller sent
 */
public record IdempotencyKey(String caller, String endpoint, String key) {

    /** The caller of records read from Kafka: who published them is not known to the consumer. */
    public static final String KAFKA = "kafka";

    /** The key of a request, or null when the caller sent none (the request is then not idempotent). */
    public static IdempotencyKey of(String caller, String endpoint, String key) {
        return key == null ? null : new IdempotencyKey(caller, endpoint, key);
    }

    /** The key of a record read from Kafka: its own key, else its position, so a redelivery is recognised. */
    public static IdempotencyKey ofRecord(String topic, int partition, long offset, String key) {
        return new IdempotencyKey(KAFKA, topic, key != null ? key : topic + "/" + partition + "/" + offset);
    }
}
