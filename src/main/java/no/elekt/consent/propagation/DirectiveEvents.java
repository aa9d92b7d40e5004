package no.elekt.consent.propagation;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PurposeVersion;
import no.elekt.consent.identifiers.DirectiveSeal;
import no.elekt.consent.outbox.Outbox;
import no.elekt.consent.policy.IdentifierMinimisation;
import no.elekt.consent.policy.Policy;

/**
 * Builds the {@code ProcessorDirective} of a propagation, first issue or re-issue, for the outbox; {@link #sealed}
 * seals their identifiers before they are written (crypto-shredding, {@link DirectiveSeal}).
 */
@ApplicationScoped
public class DirectiveEvents {

    private final IdentifierMinimisation minimisation;
    private final DirectiveSeal seal;

    @Inject
    DirectiveEvents(Policy policy, DirectiveSeal seal) {
        this.minimisation = new IdentifierMinimisation(policy);
        this.seal = seal;
    }

    /** For building directives only (unit tests): {@link #sealed} needs the seal. */
    DirectiveEvents(Policy policy) {
        this(policy, null);
    }

    /** The events with the identifiers of their directives sealed, on the connection of the transaction. */
    public Uni<List<Outbox.Event>> sealed(SqlClient client, List<Outbox.Event> events) {
        List<Outbox.Event> directives = events.stream().filter(e -> e.payload() instanceof ProcessorDirective).toList();
        return seal.seal(client, directives.stream().map(e -> (ProcessorDirective) e.payload()).toList())
                .map(sealed -> {
                    Map<UUID, ProcessorDirective> byEvent = new java.util.HashMap<>();
                    for (int i = 0; i < sealed.size(); i++) {
                        byEvent.put(directives.get(i).eventId(), sealed.get(i));
                    }
                    return events.stream().map(e -> byEvent.containsKey(e.eventId())
                            ? new Outbox.Event(e.topic(), e.key(), e.eventId(), byEvent.get(e.eventId())) : e)
                            .toList();
                });
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
