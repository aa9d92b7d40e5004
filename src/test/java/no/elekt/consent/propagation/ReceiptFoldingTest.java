package no.elekt.consent.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.propagation.ReceiptFolding.Folded;

/** The receipt that decides a propagation in a poll, and the status it leads to. */
@Tag("unit")
class ReceiptFoldingTest {

    static PropagationReceipt receipt(String directiveId, ReceiptOutcome outcome, int attempts) {
        return PropagationReceipt.newBuilder().setReceiptId(UUID.randomUUID().toString()).setDirectiveId(directiveId)
                .setChangeId(UUID.randomUUID().toString()).setSubjectId("s").setProcessor("mailgun")
                .setOutcome(outcome).setDetail(outcome.name()).setAttempts(attempts).setCompletedAt(Instant.now())
                .build();
    }

    @Test
    void theFirstReceiptThatClosesDecidesAndLaterOnesChangeNothing() {
        String id = UUID.randomUUID().toString();
        Folded folded = ReceiptFolding.fold(List.of(receipt(id, ReceiptOutcome.APPLIED, 1),
                receipt(id, ReceiptOutcome.FAILED_PERMANENT, 3)));
        assertThat(folded.decisive().get(UUID.fromString(id)).receipt().getOutcome()).isEqualTo(ReceiptOutcome.APPLIED);
        assertThat(folded.decisive().get(UUID.fromString(id)).attempts()).isEqualTo(1);
    }

    @Test
    void anOpenReceiptIsReplacedByALaterOneWithTheMostAttempts() {
        String id = UUID.randomUUID().toString();
        Folded folded = ReceiptFolding.fold(List.of(receipt(id, ReceiptOutcome.FAILED_RETRYABLE, 4),
                receipt(id, ReceiptOutcome.APPLIED, 2)));
        assertThat(folded.decisive().get(UUID.fromString(id)).receipt().getOutcome()).isEqualTo(ReceiptOutcome.APPLIED);
        assertThat(folded.decisive().get(UUID.fromString(id)).attempts()).isEqualTo(4);
    }

    @Test
    void receiptsOfOtherDirectivesAreFoldedApartAndInOrder() {
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();
        Folded folded = ReceiptFolding.fold(List.of(receipt(b, ReceiptOutcome.APPLIED, 1),
                receipt(a, ReceiptOutcome.NOT_APPLICABLE, 1)));
        assertThat(folded.decisive().keySet()).containsExactly(UUID.fromString(b), UUID.fromString(a));
    }

    @Test
    void aDirectiveIdThatIsNoUuidIsSetApart() {
        Folded folded = ReceiptFolding.fold(List.of(receipt("not-a-uuid", ReceiptOutcome.APPLIED, 1)));
        assertThat(folded.decisive()).isEmpty();
        assertThat(folded.unreadableIds()).containsExactly("not-a-uuid");
    }

    @Test
    void aDeletionAnsweredSupersededIsFailedForOpsNeverDone() {
        assertThat(ReceiptFolding.status(ReceiptOutcome.SUPERSEDED, DirectiveAction.DELETE))
                .isEqualTo(PropagationStatus.FAILED);
        assertThat(ReceiptFolding.detail(receipt(UUID.randomUUID().toString(), ReceiptOutcome.SUPERSEDED, 1),
                DirectiveAction.DELETE)).contains("deletion never is");
        assertThat(ReceiptFolding.status(ReceiptOutcome.SUPERSEDED, DirectiveAction.SUPPRESS))
                .isEqualTo(PropagationStatus.SUPERSEDED);
    }

    @Test
    void eachOutcomeLeadsToItsStatus() {
        assertThat(ReceiptFolding.status(ReceiptOutcome.APPLIED, DirectiveAction.DELETE))
                .isEqualTo(PropagationStatus.CONFIRMED);
        assertThat(ReceiptFolding.status(ReceiptOutcome.ALREADY_APPLIED, DirectiveAction.RESUME))
                .isEqualTo(PropagationStatus.CONFIRMED);
        assertThat(ReceiptFolding.status(ReceiptOutcome.NOT_APPLICABLE, DirectiveAction.RESUME))
                .isEqualTo(PropagationStatus.NOT_APPLICABLE);
        assertThat(ReceiptFolding.status(ReceiptOutcome.AWAITING_MANUAL, DirectiveAction.DELETE))
                .isEqualTo(PropagationStatus.AWAITING_MANUAL);
        assertThat(ReceiptFolding.status(ReceiptOutcome.FAILED_PERMANENT, DirectiveAction.SUPPRESS))
                .isEqualTo(PropagationStatus.FAILED);
        assertThat(ReceiptFolding.status(ReceiptOutcome.FAILED_RETRYABLE, DirectiveAction.SUPPRESS))
                .isEqualTo(PropagationStatus.PENDING);
    }
}
