package no.elekt.consent.identifiers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.outbox.Outbox;

@Tag("unit")
class IdentifierVaultTest {

    static final String OLD = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
    static final String NEW = Base64.getEncoder().encodeToString("fedcba9876543210fedcba9876543210".getBytes());

    static final String CONTEXT = IdentifierStore.context("subject-1", "email");

    static IdentifierVault vault(String active, Map<String, String> keys) {
        return TestVaults.vault(active, keys);
    }

    @Test
    void ciphertextHidesThePlaintextAndRoundTrips() {
        IdentifierVault vault = vault("k1", Map.of("k1", OLD));
        byte[] sealed = vault.encryptText("someone@example.no", CONTEXT);
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("someone");
        assertThat(vault.decryptText(sealed, CONTEXT)).isEqualTo("someone@example.no");
        assertThat(vault.encryptText("someone@example.no", CONTEXT)).isNotEqualTo(sealed); // fresh nonce each time
    }

    @Test
    void afterRotationOldCiphertextStillDecryptsAndNewUsesTheNewKey() {
        byte[] old = vault("k1", Map.of("k1", OLD)).encryptText("gaid-1", CONTEXT);
        IdentifierVault rotated = vault("k2", Map.of("k1", OLD, "k2", NEW));
        assertThat(rotated.decryptText(old, CONTEXT)).isEqualTo("gaid-1");
        byte[] fresh = rotated.encryptText("gaid-1", CONTEXT);
        assertThatThrownBy(() -> vault("k1", Map.of("k1", OLD)).decryptText(fresh, CONTEXT))
                .hasMessageContaining("No key 'k2'");
    }

    @Test
    void aRefusedCiphertextLeavesTheThreadsCipherReadyForTheNext() {
        // each thread reuses one cipher (Aead): a failed open must not leave it unusable or repeat a nonce
        IdentifierVault vault = vault("k1", Map.of("k1", OLD));
        byte[] first = vault.encryptText("token-1", CONTEXT);
        byte[] tampered = first.clone();
        tampered[tampered.length - 1] ^= 1;
        assertThatThrownBy(() -> vault.decryptText(tampered, CONTEXT)).hasMessageContaining("Decryption failed");

        byte[] second = vault.encryptText("token-1", CONTEXT);
        assertThat(vault.decryptText(first, CONTEXT)).isEqualTo("token-1");
        assertThat(vault.decryptText(second, CONTEXT)).isEqualTo("token-1");
        assertThat(second).isNotEqualTo(first);
    }

    @Test
    void tamperedCiphertextIsRefused() {
        IdentifierVault vault = vault("k1", Map.of("k1", OLD));
        byte[] sealed = vault.encryptText("token", CONTEXT);
        sealed[sealed.length - 1] ^= 1;
        assertThatThrownBy(() -> vault.decryptText(sealed, CONTEXT)).hasMessageContaining("Decryption failed");
    }

    @Test
    void aCiphertextMovedToAnotherRowSubjectOrTypeIsRefused() {
        IdentifierVault vault = vault("k1", Map.of("k1", OLD));
        byte[] sealed = vault.encryptText("someone@example.no", CONTEXT);
        assertThatThrownBy(() -> vault.decryptText(sealed, IdentifierStore.context("subject-2", "email")))
                .isInstanceOf(UnreadableCiphertext.class);
        assertThatThrownBy(() -> vault.decryptText(sealed, IdentifierStore.context("subject-1", "fcmToken")))
                .isInstanceOf(UnreadableCiphertext.class);
        UUID event = UUID.randomUUID();
        byte[] payload = vault.encrypt(new byte[]{ 1, 2, 3 }, Outbox.context("consent.directives.mailgun.v1", event));
        assertThatThrownBy(() -> vault.decrypt(payload, Outbox.context("consent.directives.eliq.v1", event)))
                .isInstanceOf(UnreadableCiphertext.class);
        assertThatThrownBy(() -> vault.decrypt(payload, Outbox.context("consent.directives.mailgun.v1",
                UUID.randomUUID()))).isInstanceOf(UnreadableCiphertext.class);
        assertThat(vault.decrypt(payload, Outbox.context("consent.directives.mailgun.v1", event)))
                .containsExactly(1, 2, 3);
    }

    @Test
    void aDataKeyWrappedForOneSubjectDoesNotUnwrapForAnother() {
        IdentifierVault vault = vault("k1", Map.of("k1", OLD));
        byte[] wrapped = vault.encrypt(new byte[32], SubjectKeys.context("subject-1"));
        assertThatThrownBy(() -> vault.decrypt(wrapped, SubjectKeys.context("subject-2")))
                .isInstanceOf(UnreadableCiphertext.class);
    }

    @Test
    void sealedDirectiveIdentifiersOpenOnlyInTheirDirectiveAndNotAfterTheKeyIsGone() {
        SecretKey key = new SecretKeySpec(new byte[32], "AES");
        ProcessorDirective clear = directive("d-1", "subject-1",
                Map.of("email", List.of("a@example.no", "b@example.no")));
        ProcessorDirective sealed = DirectiveSeal.sealed(clear, key);
        assertThat(sealed.getIdentifierValues()).isEmpty();
        assertThat(sealed.getIdentifiers()).isEmpty();
        assertThat(new String(sealed.getSealedIdentifiers().array(), StandardCharsets.ISO_8859_1))
                .doesNotContain("example");
        assertThat(DirectiveSeal.opened(sealed, key).getIdentifierValues())
                .isEqualTo(Map.of("email", List.of("a@example.no", "b@example.no")));
        assertThat(DirectiveSeal.opened(sealed, key).getIdentifiers()).isEqualTo(Map.of("email", "a@example.no"));
        // moved to another directive or subject: refused
        ProcessorDirective moved = ProcessorDirective.newBuilder(directive("d-2", "subject-1", Map.of()))
                .setSealedIdentifiers(sealed.getSealedIdentifiers()).build();
        assertThatThrownBy(() -> DirectiveSeal.opened(moved, key)).isInstanceOf(UnreadableCiphertext.class);
        ProcessorDirective otherSubject = ProcessorDirective.newBuilder(directive("d-1", "subject-2", Map.of()))
                .setSealedIdentifiers(sealed.getSealedIdentifiers()).build();
        assertThatThrownBy(() -> DirectiveSeal.opened(otherSubject, key)).isInstanceOf(UnreadableCiphertext.class);
        // the subject's key shredded: no identifiers
        assertThat(DirectiveSeal.opened(sealed, null).getIdentifierValues()).isEmpty();
    }

    static ProcessorDirective directive(String id, String subject, Map<String, List<String>> values) {
        return ProcessorDirective.newBuilder().setDirectiveId(id).setChangeId("c").setSubjectId(subject)
                .setProcessor("mailgun").setAction(DirectiveAction.DELETE).setPurposes(List.of())
                .setIdentifierValues(values).setIssuedAt(Instant.EPOCH).setDeadline(Instant.EPOCH).build();
    }
}
