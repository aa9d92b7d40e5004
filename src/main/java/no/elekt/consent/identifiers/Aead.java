package no.elekt.consent.identifiers;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * AES-GCM with a random 96-bit nonce: [nonce][ciphertext and tag], bound to its associated data.
 * <p>
 * Each thread keeps its one {@link Cipher}, initialised afresh (key, new nonce) for every use: looking the algorithm up
 * in the JCA providers for each identifier was 2 % of the core's CPU and 11 % of its allocations under load
 * (src/test/bench/RESULTS.md). A GCM cipher after {@code doFinal}, or after a refused tag, takes a new {@code init}.
 */
final class Aead {

    static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is not available", e);
        }
    });

    private Aead() {
    }

    static byte[] seal(SecretKey key, byte[] associatedData, byte[] plaintext) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = CIPHERS.get();
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData);
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Encryption failed", e);
        }
    }

    /** Opens what {@link #seal} made; fails with {@link UnreadableCiphertext} if key, data or bytes differ. */
    static byte[] open(SecretKey key, byte[] associatedData, ByteBuffer sealed) {
        if (sealed.remaining() < NONCE_BYTES + TAG_BITS / 8) {
            throw new UnreadableCiphertext("ciphertext too short");
        }
        byte[] nonce = new byte[NONCE_BYTES];
        sealed.get(nonce);
        byte[] body = new byte[sealed.remaining()];
        sealed.get(body);
        try {
            Cipher cipher = CIPHERS.get();
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData);
            return cipher.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new UnreadableCiphertext("Decryption failed: wrong key, or the ciphertext was altered or moved");
        }
    }
}
