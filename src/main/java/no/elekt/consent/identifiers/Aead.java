package no.elekt.consent.identifiers;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/** AES-GCM with a random 96-bit nonce: [nonce][ciphertext and tag], bound to its associated data. */
final class Aead {

    static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Aead() {
    }

    static byte[] seal(SecretKey key, byte[] associatedData, byte[] plaintext) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
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
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData);
            return cipher.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new UnreadableCiphertext("Decryption failed: wrong key, or the ciphertext was altered or moved");
        }
    }
}
