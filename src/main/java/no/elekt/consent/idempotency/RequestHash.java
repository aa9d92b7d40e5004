package no.elekt.consent.idempotency;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** What a repeated Idempotency-Key must come with again: a hash of the request's fields. */
public final class RequestHash {

    private RequestHash() {
    }

    /**
     * SHA-256 (hex) of the fields as a JSON array, in the order given. Give maps sorted by key and lists in a
     * canonical order, so the same request always hashes the same.
     */
    public static String of(ObjectMapper json, Object... fields) {
        try {
            byte[] canonical = json.writeValueAsBytes(fields);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
