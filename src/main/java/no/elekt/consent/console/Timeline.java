package no.elekt.consent.console;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import no.elekt.consent.propagation.Proof;
import no.elekt.consent.propagation.PropagationStatus;
import no.elekt.consent.rights.RequestView;
import no.elekt.consent.subject.HistoryEntry;

/**
 * One subject's story for the console: its decisions (with source, policy version and time), its rights requests,
 * and every propagation with its status, the receipt's detail and the evidence read back at the processor. Which
 * identifier types are held, but never their values: the console reveals those through the (audited) export.
 */
public record Timeline(String subjectId, List<HistoryEntry> history, List<RequestView> requests,
        List<PropagationEntry> propagations, List<HeldIdentifier> identifiers, Instant identifiersPurgedAt) {

    public record PropagationEntry(UUID directiveId, UUID changeId, UUID requestId, String purpose, String processor,
            String action, PropagationStatus status, Instant createdAt, Instant updatedAt, Instant deadline,
            boolean overdue, int attempts, String detail, Proof proof) {
    }

    /** How many values of one identifier type are held, and when the newest was last seen. */
    public record HeldIdentifier(String type, int values, Instant lastSeenAt) {
    }
}
