package no.elekt.consent.propagation;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.ledger.LedgerService;
import no.elekt.consent.problem.InvalidFieldException;
import no.elekt.consent.problem.ProblemException;

/** Moves each propagation to its end state as receipts arrive, and lets ops retry or confirm. */
@ApplicationScoped
public class PropagationTracker {

    private static final Logger LOG = Logger.getLogger(PropagationTracker.class);

    private static final Map<ReceiptOutcome, PropagationStatus> STATUS_OF = Map.of(
            ReceiptOutcome.APPLIED, PropagationStatus.CONFIRMED,
            ReceiptOutcome.ALREADY_APPLIED, PropagationStatus.CONFIRMED,
            ReceiptOutcome.NOT_APPLICABLE, PropagationStatus.NOT_APPLICABLE,
            ReceiptOutcome.SUPERSEDED, PropagationStatus.SUPERSEDED,
            ReceiptOutcome.AWAITING_MANUAL, PropagationStatus.AWAITING_MANUAL,
            ReceiptOutcome.FAILED_PERMANENT, PropagationStatus.FAILED,
            ReceiptOutcome.FAILED_RETRYABLE, PropagationStatus.PENDING);

    private final LedgerService ledger;

    PropagationTracker(LedgerService ledger) {
        this.ledger = ledger;
    }

    /** Applies a receipt. A closed propagation stays closed; a redelivered receipt changes nothing more. */
    @WithTransaction
    public Uni<Propagation> apply(PropagationReceipt receipt) {
        UUID directiveId = parse(receipt.getDirectiveId());
        return Propagation.<Propagation>findById(directiveId)
                .onItem().ifNull().failWith(() -> new InvalidFieldException("directiveId",
                        "no propagation is known for directive " + directiveId))
                .invoke(p -> {
                    if (!p.status.isOpen()) {
                        return;
                    }
                    p.status = STATUS_OF.get(receipt.getOutcome());
                    p.attempts = Math.max(p.attempts, receipt.getAttempts());
                    p.detail = receipt.getDetail();
                    p.updatedAt = Instant.now();
                    LOG.infof("Propagation %s to %s for subject %s: %s", p.directiveId, p.processor, p.subjectId,
                            p.status);
                });
    }

    @WithSession
    public Uni<List<Propagation>> list(PropagationStatus status, String processor, boolean overdueOnly, int limit) {
        StringBuilder query = new StringBuilder("1 = 1");
        Map<String, Object> params = new java.util.HashMap<>();
        if (status != null) {
            query.append(" and status = :status");
            params.put("status", status);
        }
        if (processor != null) {
            query.append(" and processor = :processor");
            params.put("processor", processor);
        }
        if (overdueOnly) {
            query.append(" and deadline < :now and status in :open");
            params.put("now", Instant.now());
            params.put("open", List.of(PropagationStatus.PENDING, PropagationStatus.AWAITING_MANUAL,
                    PropagationStatus.FAILED));
        }
        query.append(" order by deadline");
        return Propagation.<Propagation>find(query.toString(), params).range(0, limit - 1).list();
    }

    /** Re-issues the directive of a failed (or stuck) propagation; the adapter applies it again. */
    @WithTransaction
    public Uni<Propagation> retry(UUID directiveId) {
        return open(directiveId).chain(p -> {
            if (p.status == PropagationStatus.AWAITING_MANUAL) {
                throw new ProblemException(409, "Awaiting manual confirmation",
                        "Propagation " + directiveId + " waits for ops to confirm it, not for a retry");
            }
            p.status = PropagationStatus.PENDING;
            p.detail = "re-issued by ops";
            p.updatedAt = Instant.now();
            return ledger.reissue(p).replaceWith(p);
        });
    }

    /** Ops confirm a propagation done by hand (a processor without an API, such as AddApptr). */
    @WithTransaction
    public Uni<Propagation> confirm(UUID directiveId, String note) {
        return open(directiveId).invoke(p -> {
            p.status = PropagationStatus.CONFIRMED;
            p.detail = note == null || note.isBlank() ? "confirmed by ops" : "confirmed by ops: " + note;
            p.updatedAt = Instant.now();
            LOG.infof("Propagation %s to %s confirmed by ops", p.directiveId, p.processor);
        });
    }

    private static Uni<Propagation> open(UUID directiveId) {
        return Propagation.<Propagation>findById(directiveId)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("Propagation " + directiveId))
                .invoke(p -> {
                    if (!p.status.isOpen()) {
                        throw new ProblemException(409, "Propagation closed",
                                "Propagation " + directiveId + " is already " + p.status);
                    }
                });
    }

    private static UUID parse(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("directiveId", "is not a UUID");
        }
    }
}
