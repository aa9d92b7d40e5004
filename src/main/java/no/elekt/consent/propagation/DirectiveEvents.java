package no.elekt.consent.propagation;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PurposeVersion;
import no.elekt.consent.outbox.Outbox;
import no.elekt.consent.policy.IdentifierMinimisation;
import no.elekt.consent.policy.Policy;

/** Builds the {@code ProcessorDirective} of a propagation, first issue or re-issue, for the outbox. */
@ApplicationScoped
public class DirectiveEvents {

    private final IdentifierMinimisation minimisation;

    DirectiveEvents(Policy policy) {
        this.minimisation = new IdentifierMinimisation(policy);
    }

    /** The first issue, as an outbox event whose id is the directive's; with the identifiers its processor needs. */
    public Outbox.Event issued(Propagation p, Map<String, List<String>> identifiers) {
        return new Outbox.Event(Policy.directiveTopic(p.processor()), p.subjectId(), p.directiveId(),
                directive(p, identifiers));
    }

    /** The same directive issued again (a new event), with the identifiers known now. */
    Outbox.Event reissued(Propagation p, Map<String, List<String>> identifiers) {
        return new Outbox.Event(Policy.directiveTopic(p.processor()), p.subjectId(), UUID.randomUUID(),
                directive(p, identifiers));
    }

    ProcessorDirective directive(Propagation p, Map<String, List<String>> identifiers) {
        Map<String, List<String>> own = minimisation.forProcessor(p.processor(), identifiers);
        return ProcessorDirective.newBuilder()
                .setDirectiveId(p.directiveId().toString())
                .setChangeId(p.changeId().toString())
                .setSubjectId(p.subjectId())
                .setProcessor(p.processor())
                .setAction(p.action())
                .setKind(p.kind())
                .setPurposes(List.of(new PurposeVersion(p.purpose(), p.version())))
                .setIdentifiers(own.entrySet().stream()
                        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get(0))))
                .setIdentifierValues(own)
                .setIssuedAt(p.issuedAt())
                .setDeadline(p.deadline())
                .build();
    }
}
