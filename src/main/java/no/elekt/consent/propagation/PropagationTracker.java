package no.elekt.consent.propagation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.identifiers.IdentifierStore;
import no.elekt.consent.outbox.Outbox;
import no.elekt.consent.problem.ProblemException;
import no.elekt.consent.propagation.PropagationRepository.ReceiptUpdate;
import no.elekt.consent.propagation.ReceiptFolding.Decisive;
import no.elekt.consent.propagation.ReceiptFolding.Folded;

/** Moves each propagation to its end state as receipts arrive, and lets ops retry or confirm one. */
@ApplicationScoped
public class PropagationTracker {

    private static final Logger LOG = Logger.getLogger(PropagationTracker.class);

    private final PropagationRepository propagations;
    private final IdentifierStore identifiers;
    private final DirectiveEvents directives;
    private final Outbox outbox;
    private final Pool pool;

    PropagationTracker(PropagationRepository propagations, IdentifierStore identifiers, DirectiveEvents directives,
            Outbox outbox, Pool pool) {
        this.propagations = propagations;
        this.identifiers = identifiers;
        this.directives = directives;
        this.outbox = outbox;
        this.pool = pool;
    }

    /**
     * Applies one poll of receipts in one transaction (a read, then the updates pipelined) and answers the directive
     * ids no propagation is known for. A closed propagation stays closed, so a redelivered receipt changes nothing
     * more.
     */
    public Uni<Set<String>> applyAll(List<PropagationReceipt> receipts) {
        Folded folded = ReceiptFolding.fold(receipts);
        Set<String> unknown = new HashSet<>(folded.unreadableIds());
        if (folded.decisive().isEmpty()) {
            return Uni.createFrom().item(unknown);
        }
        return pool.withTransaction(connection -> propagations.actions(connection, folded.decisive().keySet())
                .chain(actions -> {
                    List<ReceiptUpdate> updates = new ArrayList<>();
                    folded.decisive().forEach((id, decisive) -> {
                        DirectiveAction action = actions.get(id);
                        if (action == null) {
                            unknown.add(id.toString());
                        } else {
                            updates.add(update(id, decisive, action));
                        }
                    });
                    return updates.isEmpty() ? Uni.createFrom().item(List.<PropagationRepository.Changed>of())
                            : propagations.applyReceipts(connection, updates);
                }))
                .map(changed -> {
                    Map<String, Integer> summary = new TreeMap<>();
                    for (PropagationRepository.Changed c : changed) {
                        summary.merge(c.processor() + " " + c.status(), 1, Integer::sum);
                        LOG.debugf("Propagation %s to %s for subject %s: %s", c.directiveId(), c.processor(),
                                c.subjectId(), c.status());
                    }
                    if (!summary.isEmpty()) {
                        LOG.infof("Receipts applied: %s", summary);
                    }
                    return unknown;
                });
    }

    private static ReceiptUpdate update(UUID id, Decisive decisive, DirectiveAction action) {
        PropagationReceipt r = decisive.receipt();
        return new ReceiptUpdate(id, ReceiptFolding.status(r.getOutcome(), action), decisive.attempts(),
                ReceiptFolding.detail(r, action));
    }

    public Uni<List<Propagation>> list(PropagationStatus status, String processor, boolean overdueOnly,
            Instant afterDeadline, UUID afterDirective, int limit) {
        return propagations.list(pool, status, processor, overdueOnly, afterDeadline, afterDirective, limit);
    }

    /**
     * Re-issues the directive of a failed (or stuck) propagation, with the identifiers known now, and marks it
     * PENDING again; in one transaction, and only if its status is still the one read here (a receipt may have
     * closed it meanwhile). The adapter applies it again.
     */
    public Uni<Propagation> retry(UUID directiveId) {
        return open(directiveId).chain(p -> {
            if (p.status() == PropagationStatus.AWAITING_MANUAL) {
                throw new ProblemException(409, "Awaiting manual confirmation",
                        "Propagation " + directiveId + " waits for ops to confirm it, not for a retry");
            }
            Propagation reissued = p.reissued(Instant.now());
            return pool.withTransaction(connection -> propagations.reopen(connection, directiveId, p.status(),
                    reissued.updatedAt())
                    .chain(reopened -> {
                        if (!reopened) {
                            throw new ProblemException(409, "Propagation changed", "Propagation " + directiveId
                                    + " changed while it was being retried; read it again");
                        }
                        return identifiers.load(connection, p.subjectId());
                    })
                    .chain(known -> outbox.add(connection, List.of(directives.reissued(p, known)))))
                    .replaceWith(reissued);
        });
    }

    /** Ops confirm a propagation done by hand (a processor without an API, such as AddApptr). */
    public Uni<Propagation> confirm(UUID directiveId, String note) {
        String detail = note == null || note.isBlank() ? "confirmed by ops" : "confirmed by ops: " + note;
        return propagations.confirm(pool, directiveId, detail)
                .chain(confirmed -> confirmed != null ? Uni.createFrom().item(confirmed)
                        : open(directiveId).map(p -> { // not confirmed: open() answers why
                            throw new ProblemException(409, "Propagation changed", "Propagation " + directiveId
                                    + " changed while it was being confirmed; read it again");
                        }))
                .invoke(p -> LOG.infof("Propagation %s to %s confirmed by ops", p.directiveId(), p.processor()));
    }

    /** The propagation, if it is open; 404 or 409 otherwise. */
    private Uni<Propagation> open(UUID directiveId) {
        return propagations.find(pool, directiveId)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("Propagation " + directiveId))
                .invoke(p -> {
                    if (!p.status().isOpen()) {
                        throw new ProblemException(409, "Propagation closed",
                                "Propagation " + directiveId + " is already " + p.status());
                    }
                });
    }
}
