package no.elekt.consent.propagation;

import java.time.Instant;
import java.util.UUID;

import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;

/**
 * The tracked life of one directive to one processor, from PENDING to a confirmed end, with a deadline; with what
 * the directive was built from (purpose, version, kind, issued-at), so it can be issued again as it was, and the
 * rights request it serves, if any; and how far its effect at the processor is proven.
 */
public record Propagation(UUID directiveId, UUID changeId, String subjectId, String processor,
        DirectiveAction action, PropagationStatus status, Instant deadline, Instant createdAt, Instant updatedAt,
        int attempts, String detail, String purpose, long version, ChangeKind kind, Instant issuedAt,
        UUID requestId, Proof proof) {

    /** Without proof yet: planned, re-issued, or not closed by a receipt. */
    public Propagation(UUID directiveId, UUID changeId, String subjectId, String processor, DirectiveAction action,
            PropagationStatus status, Instant deadline, Instant createdAt, Instant updatedAt, int attempts,
            String detail, String purpose, long version, ChangeKind kind, Instant issuedAt, UUID requestId) {
        this(directiveId, changeId, subjectId, processor, action, status, deadline, createdAt, updatedAt, attempts,
                detail, purpose, version, kind, issuedAt, requestId, Proof.NONE);
    }

    /** A new propagation of a change just recorded: PENDING, issued now. */
    public static Propagation planned(UUID changeId, String subjectId, String processor, DirectiveAction action,
            Instant deadline, String purpose, long version, ChangeKind kind, UUID requestId, Instant now) {
        return new Propagation(UUID.randomUUID(), changeId, subjectId, processor, action, PropagationStatus.PENDING,
                deadline, now, now, 0, null, purpose, version, kind, now, requestId);
    }

    public boolean overdue(Instant now) {
        return status.isOpen() && now.isAfter(deadline);
    }

    Propagation reissued(Instant now) {
        return new Propagation(directiveId, changeId, subjectId, processor, action, PropagationStatus.PENDING,
                deadline, createdAt, now, attempts, PropagationRepository.REISSUED, purpose, version, kind, issuedAt,
                requestId);
    }
}
