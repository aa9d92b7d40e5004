package no.elekt.consent.backfill;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.identifiers.IdentifierStore;
import no.elekt.consent.ledger.ConsentStateRepository.InForce;
import no.elekt.consent.outbox.Outbox;
import no.elekt.consent.policy.DirectivePlanner;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.propagation.DirectiveEvents;
import no.elekt.consent.propagation.Propagation;
import no.elekt.consent.propagation.PropagationRepository;

/**
 * Issues the directive in force again to one processor, for decisions read from {@code consent_state}: their
 * propagations and directives written in the caller's transaction, through the normal outbox path. Used by backfills
 * (every subject of some purposes) and by ops repairing drift (the subjects a reconciliation found drifted).
 */
@ApplicationScoped
public class InForceDirectives {

    private final IdentifierStore identifiers;
    private final PropagationRepository propagations;
    private final DirectiveEvents directives;
    private final DirectivePlanner planner;
    private final Policy policy;
    private final Outbox outbox;

    InForceDirectives(IdentifierStore identifiers, PropagationRepository propagations, DirectiveEvents directives,
            DirectivePlanner planner, Policy policy, Outbox outbox) {
        this.identifiers = identifiers;
        this.propagations = propagations;
        this.directives = directives;
        this.planner = planner;
        this.policy = policy;
        this.outbox = outbox;
    }

    /**
     * Issues the directive each decision needs at the processor (none where the decision asks nothing of it); the
     * propagations are marked as the backfill's when {@code backfillId} is given. Answers the propagations issued.
     */
    public Uni<List<Propagation>> issue(SqlConnection c, String processor, List<InForce> states, UUID backfillId) {
        if (states.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<String> subjects = states.stream().map(InForce::subjectId).distinct().toList();
        return identifiers.loadAll(c, subjects).chain(known -> {
            List<Propagation> issued = new ArrayList<>();
            List<Outbox.Event> events = new ArrayList<>();
            for (InForce s : states) {
                DirectiveAction action = action(s, processor);
                if (action == null) {
                    continue;
                }
                Propagation p = Propagation.planned(s.changeId(), s.subjectId(), processor, action,
                        now.plus(policy.deadlineFor(processor)), s.purpose(), s.version(), s.kind(), null, now);
                issued.add(p);
                events.add(directives.issued(p, known.getOrDefault(s.subjectId(), Map.of())));
            }
            Uni<Void> recorded = backfillId == null ? propagations.insertAll(c, issued)
                    : propagations.insertForBackfill(c, backfillId, issued);
            return recorded.chain(() -> directives.sealed(c, events)).chain(sealed -> outbox.add(c, sealed))
                    .replaceWith(issued);
        });
    }

    /**
     * The directive that carries out the decision in force at this processor: an erasure or an objection as a
     * deletion, an uninstall as a deletion where the processor holds app data, a restriction as a suppression, and
     * a consent decision as planned for it (a grant resumes, a withdrawal does the purpose's withdrawal action).
     */
    DirectiveAction action(InForce s, String processor) {
        if (s.kind() == ChangeKind.ERASURE || s.kind() == ChangeKind.OBJECTION
                || s.kind() == ChangeKind.APP_UNINSTALLED && policy.processor(processor).holdsAppData()) {
            return DirectiveAction.DELETE;
        }
        if (s.kind() == ChangeKind.RESTRICTION || s.decision() == null) {
            return DirectiveAction.SUPPRESS;
        }
        return planner.forDecision(s.purpose(), s.decision()).stream()
                .filter(d -> d.processor().equals(processor)).map(DirectivePlanner.Planned::action)
                .findFirst().orElse(null);
    }
}
