package no.elekt.consent.identifiers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class IdentifierVaultTest {

    static final String OLD = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
    static final String NEW = Base64.getEncoder().encodeToString("fedcba9876543210fedcba9876543210".getBytes());

    static IdentifierVault vault(String active, Map<String, String> keys) {
        return new IdentifierVault(new IdentifierVault.Keys() {
            public String activeKey() {
                return active;
            }

            public Map<String, String> keys() {
                return keys;
            }
        });
    }

    @Test
    void ciphertextHidesThePlaintextAndRoundTrips() {
        IdentifierVault vault = vault("k1", Map.of("k1", OLD));
        byte[] sealed = vault.encryptText("someone@example.no");
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("someone");
        assertThat(vault.decryptText(sealed)).isEqualTo("someone@example.no");
        assertThat(vault.encryptText("someone@example.no")).isNotEqualTo(sealed); // fresh nonce each time
    }

    @Test
    void afterRotationOldCiphertextStillDecryptsAndNewUsesTheNewKey() {
        byte[] old = vault("k1", Map.of("k1", OLD)).encryptText("gaid-1");
        IdentifierVault rotated = vault("k2", Map.of("k1", OLD, "k2", NEW));
        assertThat(rotated.decryptText(old)).isEqualTo("gaid-1");
        byte[] fresh = rotated.encryptText("gaid-1");
        assertThatThrownBy(() -> vault("k1", Map.of("k1", OLD)).decryptText(fresh))
                .hasMessageContaining("No key 'k2'");
    }

    @Test
    void tamperedCiphertextIsRefused() {
        IdentifierVault vault = vault("k1", Map.of("k1", OLD));
        byte[] sealed = vault.encryptText("token");
        sealed[sealed.length - 1] ^= 1;
        assertThatThrownBy(() -> vault.decryptText(sealed)).hasMessageContaining("Decryption failed");
    }
}
