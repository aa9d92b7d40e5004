package no.elekt.consent.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReadBack;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.events.Verification;

/** What a receipt's proof claims on the propagation it closes, or leaves open. */
@Tag("unit")
class ProofTest {

    static PropagationReceipt receipt(ReceiptOutcome outcome, Verification verification, String note) {
        return PropagationReceipt.newBuilder(ReceiptFoldingTest.receipt("d", outcome, 1))
                .setVerification(verification).setVerificationNote(note)
                .setEvidence(List.of(new ReadBack("mailgun GET /v3/{domain}/unsubscribes/{address}", Instant.EPOCH,
                        "200: unsubscribed")))
                .build();
    }

    @Test
    void aConfirmedPropagationCarriesTheReceiptsVerificationAndEvidence() {
        Proof proof = Proof.of(receipt(ReceiptOutcome.APPLIED, Verification.VERIFIED, null),
                PropagationStatus.CONFIRMED);

        assertThat(proof.verification()).isEqualTo(Proof.Verification.VERIFIED);
        assertThat(proof.evidence()).singleElement()
                .isEqualTo(new Proof.Check("mailgun GET /v3/{domain}/unsubscribes/{address}", Instant.EPOCH,
                        "200: unsubscribed"));
    }

    @Test
    void aPropagationLeftOpenOrFailedClaimsNothingButKeepsTheEvidence() {
        Proof awaiting = Proof.of(receipt(ReceiptOutcome.AWAITING_MANUAL, Verification.ACCEPTED_UNVERIFIED,
                "AddApptr offers no API"), PropagationStatus.AWAITING_MANUAL);
        Proof contradicted = Proof.of(receipt(ReceiptOutcome.FAILED_PERMANENT, Verification.ACCEPTED_UNVERIFIED,
                "a read-back contradicted the call"), PropagationStatus.FAILED);

        assertThat(awaiting.verification()).isNull();
        assertThat(contradicted.verification()).isNull();
        assertThat(contradicted.note()).isEqualTo("a read-back contradicted the call");
        assertThat(contradicted.evidence()).hasSize(1);
    }

    @Test
    void aReceiptThatRecordedNoVerificationProvesNothing() {
        assertThat(Proof.of(receipt(ReceiptOutcome.ALREADY_APPLIED, Verification.NOT_RECORDED, null),
                PropagationStatus.CONFIRMED).verification()).isNull();
    }

    @Test
    void theApiNamesTheLevelsAsTheIssueDoes() {
        assertThat(Proof.Verification.VERIFIED.word()).isEqualTo("verified");
        assertThat(Proof.Verification.ACCEPTED_UNVERIFIED.word()).isEqualTo("accepted-unverified");
    }
}
