package no.elekt.consent.backfill;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import no.elekt.consent.events.Decision;

/**
 * A backfill as kept: the directive in force for every subject of some purposes, issued again to one processor, a
 * page at a time from its cursor (the last subject and purpose issued), at most {@code rate} directives a second.
 */
public record Backfill(UUID backfillId, String processor, List<String> purposes, Decision decision, Status status,
        double rate, long total, long issued, String cursorSubject, String cursorPurpose, String requestedBy,
        Instant createdAt, Instant updatedAt, Instant finishedAt) {

    public enum Status {
        RUNNING, DONE, CANCELLED
    }

    /** Directives issued a second since it started (to its end, once ended). */
    public double issuedPerSecond(Instant now) {
        double seconds = Duration.between(createdAt, finishedAt != null ? finishedAt : now).toMillis() / 1000.0;
        return seconds <= 0 ? 0 : issued / seconds;
    }

    /** When it will have issued every directive at the rate so far; null when ended or not yet measurable. */
    public Instant estimatedEnd(Instant now) {
        double rateSoFar = issuedPerSecond(now);
        if (status != Status.RUNNING || rateSoFar <= 0) {
            return null;
        }
        return now.plusMillis((long) (Math.max(0, total - issued) / rateSoFar * 1000));
    }
}
