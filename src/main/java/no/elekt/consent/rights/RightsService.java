package no.elekt.consent.rights;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import no.elekt.consent.idempotency.IdempotencyKey;
import no.elekt.consent.idempotency.IdempotentSubmission;
import no.elekt.consent.idempotency.IdempotentSubmission.Submitted;
import no.elekt.consent.idempotency.RequestHash;
import no.elekt.consent.ledger.Change;
import no.elekt.consent.ledger.ChangeRecorder;
import no.elekt.consent.ledger.RecordedChange;
import no.elekt.consent.policy.DirectivePlanner;
import no.elekt.consent.policy.DirectivePlanner.PurposePlan;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.problem.ProblemException;
import no.elekt.consent.propagation.PropagationRepository;

/**
 * Data-subject rights requests: one transaction records the request and, for each affected purpose, a ledger change
 * with the request's kind and id (its version, propagations and outbox events), as a consent decision is recorded.
 */
@ApplicationScoped
public class RightsService {

    private static final Logger LOG = Logger.getLogger(RightsService.class);

    private final Policy policy;
    private final DirectivePlanner planner;
    private final ChangeRecorder recorder;
    private final IdempotentSubmission submission;
    private final RightsRequestRepository requests;
    private final PropagationRepository propagations;
    private final RequestHash hashes;
    private final Pool pool;

    RightsService(Policy policy, DirectivePlanner planner, ChangeRecorder recorder, IdempotentSubmission submission,
            RightsRequestRepository requests, PropagationRepository propagations, RequestHash hashes, Pool pool) {
        this.policy = policy;
        this.planner = planner;
        this.recorder = recorder;
        this.submission = submission;
        this.requests = requests;
        this.propagations = propagations;
        this.hashes = hashes;
        this.pool = pool;
    }

    /** Plans the request against the policy (refusing it before anything is stored), then records it. */
    public Uni<Submitted<RequestView>> submit(String subjectId, RequestSubmission submitted, IdempotencyKey key) {
        List<PurposePlan> plans = planner.forRequest(submitted.type().kind(), submitted.purposes());
        String requestHash = key == null ? null : hash(hashes, subjectId, submitted);
        UUID requestId = UUID.randomUUID();
        return submission.submit(key, requestHash, requestId,
                connection -> record(connection, subjectId, submitted, plans, requestId),
                before -> requests.find(pool, before).chain(this::view));
    }

    /** The submission's fields, purposes sorted: a repeated key must come with the same. */
    static String hash(RequestHash hashes, String subjectId, RequestSubmission submitted) {
        return hashes.of("rights-request", subjectId, submitted.type(),
                submitted.purposes() == null ? null : submitted.purposes().stream().sorted().distinct().toList(),
                submitted.source());
    }

    private Uni<RequestView> record(SqlConnection connection, String subjectId, RequestSubmission submitted,
            List<PurposePlan> plans, UUID requestId) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        RequestType type = submitted.type();
        RightsRequest request = new RightsRequest(requestId, subjectId, type,
                plans.stream().map(PurposePlan::purpose).toList(), now, now.plus(policy.defaultDeadline()), null);
        return requests.insert(connection, request)
                .chain(() -> Multi.createFrom().iterable(plans)
                        .onItem().transformToUniAndConcatenate(plan -> recorder.append(connection, new Change(
                                subjectId, plan.purpose(), type.kind(), plan.decision(), now, submitted.source(), null,
                                requestId, Map.of(), plan.directives()), UUID.randomUUID()))
                        .collect().asList())
                .map(changes -> {
                    LOG.infof("Rights request %s (%s) for subject %s: %d purposes, deadline %s", requestId, type,
                            subjectId, changes.size(), request.deadline());
                    return RequestView.of(request, changes.stream().map(RecordedChange::propagations)
                            .flatMap(List::stream).toList());
                });
    }

    public Uni<RequestView> find(String subjectId, UUID requestId) {
        return requests.find(pool, requestId)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("Rights request " + requestId))
                .invoke(r -> {
                    if (!r.subjectId().equals(subjectId)) {
                        throw ProblemException.notFound("Rights request " + requestId + " of subject " + subjectId);
                    }
                })
                .chain(this::view);
    }

    /** The subject's requests, oldest first. */
    public Uni<List<RequestView>> ofSubject(String subjectId) {
        return requests.ofSubject(pool, subjectId)
                .chain(all -> Multi.createFrom().iterable(all)
                        .onItem().transformToUniAndConcatenate(this::view).collect().asList());
    }

    /** The request with its propagations. */
    private Uni<RequestView> view(RightsRequest request) {
        return propagations.ofRequest(pool, request.requestId()).map(of -> RequestView.of(request, of));
    }
}
