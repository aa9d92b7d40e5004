package no.elekt.consent.ledger;

import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import no.elekt.consent.events.ConsentChanged;
import no.elekt.consent.events.PlannedDirective;
import no.elekt.consent.outbox.Outbox;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.propagation.Propagation;

/** Builds the canonical {@code ConsentChanged} of a ledger entry: the fact, the directives issued, no identifier. */
@ApplicationScoped
public class ChangeEvents {

    static final String CHANGES_TOPIC = "consent.changes.v1";

    private final Policy policy;

    ChangeEvents(Policy policy) {
        this.policy = policy;
    }

    Outbox.Event changed(ConsentRecord record, List<Propagation> propagations) {
        ConsentChanged changed = ConsentChanged.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setChangeId(record.changeId().toString())
                .setSubjectId(record.subjectId())
                .setPurpose(record.purpose())
                .setKind(record.kind())
                .setDecision(record.decision())
                .setVersion(record.version())
                .setOccurredAt(record.occurredAt())
                .setRecordedAt(record.recordedAt())
                .setSource(record.source())
                .setPolicyVersion(record.policyVersion())
                .setLegalBasis(policy.purposes().get(record.purpose()).primaryLegalBasis().name())
                .setDirectives(propagations.stream()
                        .map(p -> new PlannedDirective(p.directiveId().toString(), p.processor(), p.action()))
                        .toList())
                .setInForce(record.inForce())
                .build();
        return new Outbox.Event(CHANGES_TOPIC, record.subjectId(), UUID.fromString(changed.getEventId()), changed);
    }
}
