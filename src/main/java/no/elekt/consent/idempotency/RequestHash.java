package no.elekt.consent.idempotency;

import java.util.HexFormat;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import no.elekt.consent.identifiers.IdentifierVault;

/**
 * What a repeated Idempotency-Key must come with again: a keyed hash of the request's fields. Keyed (HMAC-SHA256
 * under a key of the key ring, {@code consent.crypto.hash-key}) because the fields hold identifiers: a plain hash of
 * them is reversed by hashing a dictionary of e-mail addresses.
 */
@ApplicationScoped
public class RequestHash {

    private final IdentifierVault vault;
    private final ObjectMapper json;

    public RequestHash(IdentifierVault vault, ObjectMapper json) {
        this.vault = vault;
        this.json = json;
    }

    /**
     * HMAC (hex) of the fields as a JSON array, in the order given. Give maps sorted by key and lists in a
     * canonical order, so the same request always hashes the same.
     */
    public String of(Object... fields) {
        try {
            return HexFormat.of().formatHex(vault.keyedHash(json.writeValueAsBytes(fields)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
