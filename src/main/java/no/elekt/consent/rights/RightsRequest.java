package no.elekt.consent.rights;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A data-subject rights request as kept: the ledger rows and propagations it caused carry its id.
 *
 * @param purgedAt for an erasure closed at every processor: when the subject's identifiers were deleted
 */
public record RightsRequest(UUID requestId, String subjectId, RequestType type, List<String> purposes,
        Instant receivedAt, Instant deadline, Instant purgedAt) {
}
