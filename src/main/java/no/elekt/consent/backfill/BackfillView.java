package no.elekt.consent.backfill;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import no.elekt.consent.events.Decision;
import no.elekt.consent.propagation.PropagationRepository.BackfillProgress;

/** A backfill as the API shows it: how far it has come, at what rate, and when it should end. */
public record BackfillView(UUID backfillId, String processor, List<String> purposes, Decision decision,
        Backfill.Status status, double rate, long total, long issued,
        @Schema(description = "Of the directives issued, those whose propagation is closed (CONFIRMED, NOT_APPLICABLE, "
                + "SUPERSEDED)") long closed,
        @Schema(description = "Of the directives issued, those whose propagation FAILED: ops retry them") long failed,
        @Schema(description = "Of the directives issued, those the processor's adapter has not answered (PENDING); at "
                + "consent.backfill.max-pending the backfill waits for it") long unanswered,
        @Schema(description = "Directives issued a second so far") double issuedPerSecond,
        @Schema(description = "When every directive will have been issued at the rate so far") Instant estimatedEnd,
        String requestedBy, Instant createdAt, Instant updatedAt, Instant finishedAt) {

    static BackfillView of(Backfill b, BackfillProgress progress, Instant now) {
        return new BackfillView(b.backfillId(), b.processor(), b.purposes(), b.decision(), b.status(), b.rate(),
                b.total(), b.issued(), progress.closed(), progress.failed(), progress.unanswered(),
                b.issuedPerSecond(now),
                b.estimatedEnd(now), b.requestedBy(), b.createdAt(), b.updatedAt(), b.finishedAt());
    }
}
