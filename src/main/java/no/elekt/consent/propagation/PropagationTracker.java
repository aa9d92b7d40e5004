package no.elekt.consent.propagation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import no.elekt.consent.propagation.PropagationRepository.Target;
import no.elekt.consent.propagation.ReceiptFolding.Decisive;

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

    /** A receipt as it arrived: {@code processor} is whose receipt topic it came on, so whose adapter sent it. */
    public record Arrived(String processor, PropagationReceipt receipt) {
    }

    /**
     * Applies one poll of receipts in one transaction (a read, then the updates pipelined) and answers those refused,
     * with the reason: a receipt for no known propagation, and one that did not come from the propagation's own
     * processor (an adapter may close only its own processor's propagations, an erasure's included). A closed
     * propagation stays closed, so a redelivered receipt changes nothing more.
     */
    public Uni<Map<Arrived, String>> applyAll(List<Arrived> arrived) {
        Map<Arrived, String> refused = new HashMap<>();
        Map<UUID, List<Arrived>> byDirective = new LinkedHashMap<>();
        for (Arrived a : arrived) {
            UUID id = ReceiptFolding.parse(a.receipt().getDirectiveId());
            if (id == null) {
                refused.put(a, unknown(a));
            } else {
                byDirective.computeIfAbsent(id, k -> new ArrayList<>()).add(a);
            }
        }
        if (byDirective.isEmpty()) {
            return Uni.createFrom().item(refused);
        }
        return pool.withTransaction(connection -> propagations.targets(connection, byDirective.keySet())
                .chain(targets -> {
                    List<PropagationReceipt> owned = new ArrayList<>();
                    for (Arrived a : arrived) {
                        if (refused.containsKey(a)) {
                            continue;
                        }
                        Target target = targets.get(ReceiptFolding.parse(a.receipt().getDirectiveId()));
                        if (target == null) {
                            refused.put(a, unknown(a));
                        } else if (!target.processor().equals(a.processor())
                                || !target.processor().equals(a.receipt().getProcessor())) {
                            refused.put(a, "a receipt from " + a.processor() + " (naming " + a.receipt().getProcessor()
                                    + ") for a propagation to " + target.processor() + ": only " + target.processor()
                                    + "'s adapter may close it");
                        } else {
                            owned.add(a.receipt());
                        }
                    }
                    List<ReceiptUpdate> updates = new ArrayList<>();
                    ReceiptFolding.fold(owned).decisive()
                            .forEach((id, decisive) -> updates.add(update(id, decisive, targets.get(id).action())));
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
                    return refused;
                });
    }

    private static String unknown(Arrived a) {
        return "no propagation is known for directive " + a.receipt().getDirectiveId();
    }

    private static ReceiptUpdate update(UUID id, Decisive decisive, DirectiveAction action) {
        PropagationReceipt r = decisive.receipt();
        PropagationStatus status = ReceiptFolding.status(r.getOutcome(), action);
        return new ReceiptUpdate(id, status, decisive.attempts(), ReceiptFolding.detail(r, action),
                Proof.of(r, status));
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
                    .chain(known -> directives.sealed(connection, List.of(directives.reissued(p, known))))
                    .chain(sealed -> outbox.add(connection, sealed)))
                    .replaceWith(reissued);
        });
    }

    /**
     * Ops confirm a propagation done by hand (a processor without an API, such as AddApptr): only one AWAITING_MANUAL.
     * A pending or failed one waits for its processor's adapter (or a retry), never for a person's word.
     */
    public Uni<Propagation> confirm(UUID directiveId, String note) {
        String detail = note == null || note.isBlank() ? "confirmed by ops" : "confirmed by ops: " + note;
        return propagations.confirm(pool, directiveId, detail)
                .chain(confirmed -> confirmed != null ? Uni.createFrom().item(confirmed)
                        : open(directiveId).map(p -> { // not confirmed: open() answers why
                            throw new ProblemException(409, "Not awaiting manual confirmation", "Propagation "
                                    + directiveId + " is " + p.status() + ": only a propagation AWAITING_MANUAL can be "
                                    + "confirmed by hand; retry it instead");
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
