package no.elekt.consent.console;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import no.elekt.consent.propagation.Propagation;
import no.elekt.consent.propagation.PropagationStatus;

/**
 * What the privacy officer and ops see first: the open work at each processor, the rights requests by how soon they
 * are due, the relay's backlog, the dead letters, the last hours of accepted changes and of propagation latency, and
 * the work lists. Holds no identifier. {@code deadLetters} is null when Kafka did not answer in time.
 */
public record Overview(Instant at, Viewer viewer, List<ProcessorWork> processors, RightsDue rights, Backlog outbox,
        List<DeadLetters> deadLetters, int bucketSeconds, List<AcceptedPoint> accepted, List<LatencyPoint> latency,
        WorkLists work) {

    /** Who is looking, and whether they may act (the ops role). */
    public record Viewer(String name, boolean canAct) {
    }

    /** Open propagations at one processor by status; overdue counts the open ones past their deadline. */
    public record ProcessorWork(String processor, long pending, long awaitingManual, long failed, long overdue) {
    }

    /** Open rights requests by days left to their deadline, overdue first, and the soonest due. */
    public record RightsDue(long overdue, long within7Days, long within14Days, long within30Days, long later,
            List<DueRequest> soonest) {
    }

    public record DueRequest(UUID requestId, String subjectId, String type, Instant deadline, long daysLeft,
            boolean overdue) {
    }

    /** Events written but not yet relayed to Kafka, and the age of the oldest. */
    public record Backlog(long events, long oldestAgeSeconds) {
    }

    /** One DLQ topic: dead letters held, and those waiting for a replay. */
    public record DeadLetters(String topic, long held, long waiting) {
    }

    public record AcceptedPoint(Instant at, long changes) {
    }

    /** Propagations closed in a bucket, with the time from accepted change to close. */
    public record LatencyPoint(Instant at, long closed, Double p50Seconds, Double p95Seconds) {
    }

    public record WorkLists(List<WorkRow> awaitingManual, List<WorkRow> failed, List<WorkRow> overdue) {
    }

    /** One open propagation in a work list, linking to its subject. */
    public record WorkRow(UUID directiveId, UUID changeId, UUID requestId, String subjectId, String processor,
            String purpose, String action, PropagationStatus status, Instant deadline, boolean overdue, int attempts,
            String detail, Instant updatedAt) {

        static WorkRow of(Propagation p, Instant now) {
            return new WorkRow(p.directiveId(), p.changeId(), p.requestId(), p.subjectId(), p.processor(),
                    p.purpose(), p.action().name(), p.status(), p.deadline(), p.overdue(now), p.attempts(),
                    p.detail(), p.updatedAt());
        }
    }
}
