package no.elekt.consent.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.crypto.SecretKey;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.identifiers.IdentifierVault;
import no.elekt.consent.identifiers.SubjectKeys;
import no.elekt.consent.identifiers.TestVaults;
import no.elekt.consent.identifiers.UnreadableCiphertext;
import no.elekt.consent.testinfra.ComponentDatabase;

/** A rotation re-wraps the subjects' data keys under the new active key; encryptions are counted per key. */
@Tag("component")
class KeyRotationTest {

    static final Pool POOL = ComponentDatabase.pool();
    static final String K1 = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
    static final String K2 = Base64.getEncoder().encodeToString("fedcba9876543210fedcba9876543210".getBytes());

    @Test
    void rotationRewrapsTheDataKeysUnderTheActiveKeyAndTheyStayTheSame() {
        String subject = "rotation-" + UUID.randomUUID();
        SubjectKeys before = new SubjectKeys(TestVaults.vault("r1", Map.of("r1", K1)));
        SecretKey made = POOL.withTransaction(c -> before.keysOf(c, List.of(subject))).await().indefinitely()
                .get(subject);

        IdentifierVault rotated = TestVaults.vault("r2", Map.of("r1", K1, "r2", K2));
        KeyRotation rotation = new KeyRotation(rotated, new SubjectKeys(rotated), new KeyUsageRepository(POOL), POOL,
                new SimpleMeterRegistry(), 1e9);
        assertThat(rotation.rewrap().await().indefinitely()).isPositive();

        assertThat(keyIdOf(subject)).isEqualTo("r2");
        // the old key can go: the data key unwraps with the new one alone, unchanged
        SubjectKeys after = new SubjectKeys(TestVaults.vault("r2", Map.of("r2", K2)));
        assertThat(after.existing(POOL, List.of(subject)).await().indefinitely().get(subject).getEncoded())
                .isEqualTo(made.getEncoded());
        assertThatThrownBy(() -> before.existing(POOL, List.of(subject)).await().indefinitely())
                .isInstanceOf(UnreadableCiphertext.class);
        assertThat(rotation.rewrap().await().indefinitely()).isZero();
    }

    @Test
    void encryptionsAreCountedPerKeyAgainstTheNonceBudget() {
        String key = "n" + UUID.randomUUID().toString().substring(0, 8);
        IdentifierVault vault = TestVaults.vault(key, Map.of(key, K1));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        KeyRotation rotation = new KeyRotation(vault, new SubjectKeys(vault), new KeyUsageRepository(POOL), POOL,
                metrics, 1000);
        for (int i = 0; i < 30; i++) {
            vault.encrypt(new byte[]{ 1 }, "test");
        }
        rotation.countEncryptions().await().indefinitely();
        vault.encrypt(new byte[]{ 1 }, "test"); // counted on the next sweep, by this or another instance
        rotation.countEncryptions().await().indefinitely();

        assertThat(metrics.get("consent_crypto_key_encryptions").tag("key", key).gauge().value()).isEqualTo(31);
        assertThat(metrics.get("consent_crypto_nonce_budget_used").tag("key", key).gauge().value()).isEqualTo(0.031);
    }

    private static String keyIdOf(String subject) {
        return POOL.preparedQuery("select key_id from subject_key where subject_id = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(subject)).await().indefinitely()
                .iterator().next().getString(0);
    }
}
