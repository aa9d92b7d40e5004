package no.elekt.consent.ledger;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.Decision;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.propagation.Proof;
import no.elekt.consent.propagation.Propagation;
import no.elekt.consent.propagation.PropagationStatus;

/** A change as the API shows it: the ledger entry and the status of each propagation. */
public record ChangeView(
        UUID changeId,
        String subjectId,
        String purpose,
        ChangeKind kind,
        Decision decision,
        long version,
        Instant occurredAt,
        Instant recordedAt,
        String source,
        String policyVersion,
        @Schema(description = "False when the change occurred before the decision in force (it arrived late): "
                + "recorded as proof, propagated nowhere; not an error, do not retry it") boolean inForce,
        List<PropagationView> propagations) {

    public record PropagationView(UUID directiveId, String processor, DirectiveAction action,
            PropagationStatus status, Instant deadline, boolean overdue, int attempts, String detail,
            @Schema(description = Proof.DESCRIPTION) Proof proof) {

        public static PropagationView of(Propagation p, Instant now) {
            return new PropagationView(p.directiveId(), p.processor(), p.action(), p.status(), p.deadline(),
                    p.overdue(now), p.attempts(), p.detail(), p.proof());
        }
    }

    public static ChangeView of(RecordedChange recorded) {
        Instant now = Instant.now();
        ConsentRecord r = recorded.record();
        return new ChangeView(r.changeId(), r.subjectId(), r.purpose(), r.kind(), r.decision(), r.version(),
                r.occurredAt(), r.recordedAt(), r.source(), r.policyVersion(), r.inForce(),
                recorded.propagations().stream().map(p -> PropagationView.of(p, now)).toList());
    }
}
