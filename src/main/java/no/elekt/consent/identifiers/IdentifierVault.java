package no.elekt.consent.identifiers;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.config.ConfigMapping;

/**
 * The key ring (AES-256-GCM): encrypts what holds identifiers at rest and wraps the per-subject data keys. A
 * ciphertext names its key, so keys can be rotated: add a key, make it active, and older ciphertext still decrypts
 * with the key it was written with ({@code keys.KeyRotation} re-wraps the data keys).
 * <p>
 * A ciphertext is bound to where it belongs (its <em>context</em>: table, subject, identifier type; topic and event
 * id for an outbox row) as associated data, so one moved to another row or subject fails to decrypt.
 * Layout: [0][key id length][key id][12-byte nonce][ciphertext and tag], associated data "v2|key id|context".
 * Ciphertext written before contexts existed ([key id length][key id][nonce][ciphertext], associated data the key
 * id) still decrypts, unbound.
 */
@ApplicationScoped
public class IdentifierVault {

    @ConfigMapping(prefix = "consent.crypto")
    public interface Keys {
        /** Id of the key new data is encrypted with. */
        String activeKey();

        /** Key id to base64 of a 256-bit AES key. From a secret in production. */
        Map<String, String> keys();

        /**
         * Id of the key request hashes are keyed with (HMAC); by default the active key. Keep it when the active key
         * rotates, or a repeated Idempotency-Key of before the rotation no longer matches its request.
         */
        Optional<String> hashKey();
    }

    private static final byte BOUND = 0;

    private final Map<String, SecretKey> keys = new HashMap<>();
    private final Map<String, LongAdder> encryptions = new ConcurrentHashMap<>();
    private final String activeKey;
    private final SecretKey hashKey;

    IdentifierVault(Keys config) {
        config.keys().forEach((id, base64) -> {
            byte[] raw = Base64.getDecoder().decode(base64);
            if (raw.length != 32) {
                throw new IllegalStateException("consent.crypto.keys." + id + " must be a base64 256-bit key");
            }
            keys.put(id, new SecretKeySpec(raw, "AES"));
        });
        if (!keys.containsKey(config.activeKey())) {
            throw new IllegalStateException(
                    "consent.crypto.active-key '" + config.activeKey() + "' is not in consent.crypto.keys");
        }
        this.activeKey = config.activeKey();
        String hashKeyId = config.hashKey().orElse(activeKey);
        if (!keys.containsKey(hashKeyId)) {
            throw new IllegalStateException(
                    "consent.crypto.hash-key '" + hashKeyId + "' is not in consent.crypto.keys");
        }
        // a key of its own derived for hashing, so the AES key is never used for two algorithms
        this.hashKey = new SecretKeySpec(hmac(keys.get(hashKeyId), "consent request hash v1".getBytes(
                StandardCharsets.UTF_8)), "HmacSHA256");
    }

    public String activeKey() {
        return activeKey;
    }

    /** Encrypts with the active key, bound to its context (where the ciphertext will be stored). */
    public byte[] encrypt(byte[] plaintext, String context) {
        byte[] keyId = activeKey.getBytes(StandardCharsets.UTF_8);
        encryptions.computeIfAbsent(activeKey, k -> new LongAdder()).increment();
        byte[] sealed = Aead.seal(keys.get(activeKey), associatedData(activeKey, context), plaintext);
        return ByteBuffer.allocate(2 + keyId.length + sealed.length)
                .put(BOUND).put((byte) keyId.length).put(keyId).put(sealed).array();
    }

    /** Decrypts what {@link #encrypt} made for the same context; fails with {@link UnreadableCiphertext}. */
    public byte[] decrypt(byte[] ciphertext, String context) {
        if (ciphertext.length < 2) {
            throw new UnreadableCiphertext("ciphertext too short");
        }
        ByteBuffer in = ByteBuffer.wrap(ciphertext);
        boolean bound = in.get(0) == BOUND;
        if (bound) {
            in.get();
        }
        String keyId = keyId(in);
        SecretKey key = keys.get(keyId);
        if (key == null) {
            throw new UnreadableCiphertext("No key '" + keyId + "' to decrypt with");
        }
        return Aead.open(key, bound ? associatedData(keyId, context) : keyId.getBytes(StandardCharsets.UTF_8), in);
    }

    /** The id of the key a ciphertext of {@link #encrypt} was made with. */
    public static String keyIdOf(byte[] ciphertext) {
        ByteBuffer in = ByteBuffer.wrap(ciphertext);
        if (in.get(0) == BOUND) {
            in.get();
        }
        return keyId(in);
    }

    public byte[] encryptText(String text, String context) {
        return encrypt(text.getBytes(StandardCharsets.UTF_8), context);
    }

    public String decryptText(byte[] ciphertext, String context) {
        return new String(decrypt(ciphertext, context), StandardCharsets.UTF_8);
    }

    /** HMAC-SHA256 under the hash key: a hash a dictionary of identifiers cannot reverse without the key. */
    public byte[] keyedHash(byte[] data) {
        return hmac(hashKey, data);
    }

    /** Encryptions made here with each key id since start (the nonce budget is counted from these). */
    public Map<String, LongAdder> encryptions() {
        return encryptions;
    }

    private static String keyId(ByteBuffer in) {
        int length = in.get();
        if (length <= 0 || length > in.remaining()) {
            throw new UnreadableCiphertext("ciphertext without a key id");
        }
        byte[] keyId = new byte[length];
        in.get(keyId);
        return new String(keyId, StandardCharsets.UTF_8);
    }

    private static byte[] associatedData(String keyId, String context) {
        return ("v2|" + keyId + "|" + context).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] hmac(SecretKey key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
