package no.elekt.consent.ledger;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.idempotency.IdempotencyKey;
import no.elekt.consent.idempotency.IdempotencyRepository;
import no.elekt.consent.idempotency.IdempotentSubmission.Submitted;
import no.elekt.consent.idempotency.RequestHash;
import no.elekt.consent.lanes.SubjectLanes;
import no.elekt.consent.policy.DirectivePlanner;
import no.elekt.consent.problem.InvalidFieldException;
import no.elekt.consent.problem.Problem.FieldError;
import no.elekt.consent.tracing.Traces;

/**
 * Consent decisions from app backends, over REST one at a time (concurrent ones recorded together, see
 * {@link GroupCommit}), from Kafka a poll at a time: checked against the policy, planned, and recorded under their
 * idempotency key.
 */
@ApplicationScoped
public class ChangeIntake {

    /**
     * A consent decision checked against the policy and planned, with its key and the trace it came in (null if
     * untraced), ready to record.
     */
    public record Prepared(Change change, IdempotencyKey key, String requestHash, UUID changeId, String traceparent) {
    }

    private final ChangePolicyCheck policyCheck;
    private final DirectivePlanner planner;
    private final ChangeRecorder recorder;
    private final GroupCommit groupCommit;
    private final IdempotencyRepository keys;
    private final RequestHash hashes;
    private final Pool pool;

    ChangeIntake(ChangePolicyCheck policyCheck, DirectivePlanner planner, ChangeRecorder recorder,
            GroupCommit groupCommit, IdempotencyRepository keys, RequestHash hashes, Pool pool) {
        this.policyCheck = policyCheck;
        this.planner = planner;
        this.recorder = recorder;
        this.groupCommit = groupCommit;
        this.keys = keys;
        this.hashes = hashes;
        this.pool = pool;
    }

    /**
     * Checks a request that passed Bean Validation against the policy, and plans it; fails with
     * {@link InvalidFieldException} naming the fields at fault.
     */
    public Prepared prepare(ConsentChangeRequest request, IdempotencyKey key) {
        List<FieldError> faults = policyCheck.faults(request, Instant.now());
        if (!faults.isEmpty()) {
            throw new InvalidFieldException(faults);
        }
        Change change = new Change(request.subjectId(), request.purpose(), ChangeKind.DECISION, request.decision(),
                request.occurredAt().truncatedTo(ChronoUnit.MILLIS), request.source(), request.policyVersion(), null,
                request.identifiersOrEmpty(), planner.forDecision(request.purpose(), request.decision()));
        return new Prepared(change, key, key == null ? null : hash(hashes, request), UUID.randomUUID(),
                Traces.traceparent());
    }

    /**
     * Records one decision (the REST intake), with concurrent ones in one transaction ({@link GroupCommit}); a
     * repeated key answers the change it made.
     */
    public Uni<Submitted<ChangeView>> record(Prepared p) {
        return groupCommit.record(p);
    }

    /**
     * Records several decisions in one transaction, a subject's in order (the Kafka intake, a poll at a time; see
     * {@link SubjectLanes}); one whose key was used before is skipped. It fails as a whole: the caller retries it, or
     * records the changes one by one.
     */
    public Uni<Void> recordAll(List<Prepared> changes) {
        return pool.withTransaction(connection -> SubjectLanes.run(changes, p -> p.change().subjectId(),
                p -> keys.claim(connection, p.key(), p.requestHash(), p.changeId())
                        .chain(before -> before != null ? Uni.createFrom().<ChangeRecorder.Pending>nullItem()
                                : recorder.prepare(connection, p.change(), p.changeId(), p.traceparent())))
                .chain(pending -> recorder.write(connection, pending.stream().filter(Objects::nonNull).toList())))
                .replaceWithVoid();
    }

    /** The request's fields, identifiers sorted by type: a repeated key must come with the same. */
    static String hash(RequestHash hashes, ConsentChangeRequest request) {
        return hashes.of(request.subjectId(), request.purpose(), request.decision(),
                request.occurredAt().toEpochMilli(), request.source(), request.policyVersion(),
                new TreeMap<>(request.identifiersOrEmpty()));
    }
}
