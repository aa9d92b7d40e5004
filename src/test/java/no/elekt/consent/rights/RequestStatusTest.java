package no.elekt.consent.rights;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.propagation.Propagation;
import no.elekt.consent.propagation.PropagationStatus;

/** A rights request's status rolled up from its propagations, overall and per processor. */
@Tag("unit")
class RequestStatusTest {

    static final Instant NOW = Instant.now();

    static Propagation at(String processor, String purpose, PropagationStatus status) {
        Propagation p = Propagation.planned(UUID.randomUUID(), "subject-1", processor, DirectiveAction.DELETE,
                NOW.plusSeconds(3600), purpose, 1, ChangeKind.ERASURE, UUID.randomUUID(), NOW);
        return new Propagation(p.directiveId(), p.changeId(), p.subjectId(), p.processor(), p.action(), status,
                p.deadline(), p.createdAt(), p.updatedAt(), p.attempts(), p.detail(), p.purpose(), p.version(),
                p.kind(), p.issuedAt(), p.requestId());
    }

    static RightsRequest erasure(Instant deadline) {
        return new RightsRequest(UUID.randomUUID(), "subject-1", RequestType.ERASURE, List.of("newsletter"),
                NOW.minusSeconds(60), deadline, null);
    }

    @Test
    void aFailureOutranksWorkInProgressWhichOutranksManualWork() {
        assertThat(RequestStatus.of(List.of(PropagationStatus.CONFIRMED, PropagationStatus.PENDING,
                PropagationStatus.FAILED))).isEqualTo(RequestStatus.FAILED);
        assertThat(RequestStatus.of(List.of(PropagationStatus.AWAITING_MANUAL, PropagationStatus.PENDING)))
                .isEqualTo(RequestStatus.IN_PROGRESS);
        assertThat(RequestStatus.of(List.of(PropagationStatus.AWAITING_MANUAL, PropagationStatus.CONFIRMED)))
                .isEqualTo(RequestStatus.AWAITING_MANUAL);
    }

    @Test
    void everyPropagationClosedIsCompleted() {
        assertThat(RequestStatus.of(List.of(PropagationStatus.CONFIRMED, PropagationStatus.NOT_APPLICABLE,
                PropagationStatus.SUPERSEDED))).isEqualTo(RequestStatus.COMPLETED);
    }

    @Test
    void aDeletionNotDoneKeepsTheRequestFromCompletedAtThatProcessorOnly() {
        // a deletion answered SUPERSEDED is FAILED (ReceiptFoldingTest): never done
        RequestView view = RequestView.of(erasure(NOW.plusSeconds(3600)), List.of(
                at("mailgun", "newsletter", PropagationStatus.FAILED),
                at("firebase", "analytics", PropagationStatus.CONFIRMED)));
        assertThat(view.status()).isEqualTo(RequestStatus.FAILED);
        assertThat(view.processors()).containsEntry("mailgun", RequestStatus.FAILED)
                .containsEntry("firebase", RequestStatus.COMPLETED);
        assertThat(view.propagations()).extracting(RequestView.PropagationLine::processor)
                .containsExactly("firebase", "mailgun");
    }

    @Test
    void overdueOnlyWhenPastTheDeadlineAndNotCompleted() {
        assertThat(RequestView.of(erasure(NOW.minusSeconds(1)),
                List.of(at("eliq", "energy-insights", PropagationStatus.PENDING))).overdue()).isTrue();
        assertThat(RequestView.of(erasure(NOW.minusSeconds(1)),
                List.of(at("eliq", "energy-insights", PropagationStatus.CONFIRMED))).overdue()).isFalse();
        assertThat(RequestView.of(erasure(NOW.plusSeconds(60)),
                List.of(at("eliq", "energy-insights", PropagationStatus.PENDING))).overdue()).isFalse();
    }
}
