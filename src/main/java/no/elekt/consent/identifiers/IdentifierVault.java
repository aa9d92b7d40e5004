package no.elekt.consent.identifiers;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.config.ConfigMapping;

/**
 * Encrypts what holds identifiers at rest (AES-256-GCM). Ciphertext names its key, so keys can be rotated:
 * add a key, make it active, and older rows still decrypt with the key they were written with.
 * Layout: [key id length][key id][12-byte nonce][ciphertext and tag].
 */
@ApplicationScoped
public class IdentifierVault {

    @ConfigMapping(prefix = "consent.crypto")
    public interface Keys {
        /** Id of the key new data is encrypted with. */
        String activeKey();

        /** Key id to base64 of a 256-bit AES key. From a secret in production. */
        Map<String, String> keys();
    }

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecureRandom random = new SecureRandom();
    private final Map<String, SecretKey> keys = new HashMap<>();
    private final String activeKey;

    IdentifierVault(Keys config) {
        config.keys().forEach((id, base64) -> {
            byte[] raw = Base64.getDecoder().decode(base64);
            if (raw.length != 32) {
                throw new IllegalStateException("consent.crypto.keys." + id + " must be a base64 256-bit key");
            }
            keys.put(id, new SecretKeySpec(raw, "AES"));
        });
        if (!keys.containsKey(config.activeKey())) {
            throw new IllegalStateException("consent.crypto.active-key '" + config.activeKey() + "' is not in consent.crypto.keys");
        }
        this.activeKey = config.activeKey();
    }

    public byte[] encrypt(byte[] plaintext) {
        byte[] keyId = activeKey.getBytes(StandardCharsets.UTF_8);
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(activeKey), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(keyId);
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(1 + keyId.length + NONCE_BYTES + sealed.length)
                    .put((byte) keyId.length).put(keyId).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Encryption failed", e);
        }
    }

    public byte[] decrypt(byte[] ciphertext) {
        ByteBuffer in = ByteBuffer.wrap(ciphertext);
        byte[] keyId = new byte[in.get()];
        in.get(keyId);
        byte[] nonce = new byte[NONCE_BYTES];
        in.get(nonce);
        byte[] sealed = new byte[in.remaining()];
        in.get(sealed);
        SecretKey key = keys.get(new String(keyId, StandardCharsets.UTF_8));
        if (key == null) {
            throw new IllegalStateException("No key '" + new String(keyId, StandardCharsets.UTF_8) + "' to decrypt with");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(keyId);
            return cipher.doFinal(sealed);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Decryption failed", e);
        }
    }

    public byte[] encryptText(String text) {
        return encrypt(text.getBytes(StandardCharsets.UTF_8));
    }

    public String decryptText(byte[] ciphertext) {
        return new String(decrypt(ciphertext), StandardCharsets.UTF_8);
    }
}
