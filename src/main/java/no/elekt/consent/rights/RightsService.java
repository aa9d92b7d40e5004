package no.elekt.consent.rights;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import no.elekt.consent.identifiers.IdentifierStore;
import no.elekt.consent.ledger.ChangeView;
import no.elekt.consent.ledger.ConsentRecord;
import no.elekt.consent.ledger.IdempotencyKey;
import no.elekt.consent.ledger.LedgerService;
import no.elekt.consent.ledger.SubjectResource.CurrentConsent;
import no.elekt.consent.policy.DirectivePlanner;
import no.elekt.consent.policy.DirectivePlanner.PurposePlan;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.problem.ProblemException;
import no.elekt.consent.propagation.Propagation;

/**
 * Data-subject rights requests: one transaction records the request and, for each affected purpose, a ledger change
 * with the request's kind and id (its version, propagations and outbox events), as {@link LedgerService#append} does
 * for a consent decision. Also answers a subject's export (art. 15 and 20).
 */
@ApplicationScoped
public class RightsService {

    private static final Logger LOG = Logger.getLogger(RightsService.class);

    /** The request as recorded, and whether this call recorded it or found it under its idempotency key. */
    public record Submitted(RequestView request, boolean replayed) {
    }

    /** Everything the service holds about a subject, as one document. */
    public record SubjectExport(String subjectId, Instant exportedAt, List<CurrentConsent> consents,
            List<no.elekt.consent.ledger.HistoryEntry> history, List<RequestView> requests,
            Map<String, List<IdentifierStore.Value>> identifiers, Instant identifiersPurgedAt) {
    }

    private final Policy policy;
    private final DirectivePlanner planner;
    private final LedgerService ledger;
    private final IdentifierStore identifiers;
    private final Pool pool;
    private final ObjectMapper json;

    RightsService(Policy policy, DirectivePlanner planner, LedgerService ledger, IdentifierStore identifiers,
            ObjectMapper json, Pool pool) {
        this.pool = pool;
        this.policy = policy;
        this.planner = planner;
        this.ledger = ledger;
        this.identifiers = identifiers;
        this.json = json;
    }

    /** Plans the request against the policy (refusing it before anything is stored), then records it. */
    public Uni<Submitted> submit(String subjectId, RequestSubmission submission, String idempotencyKey) {
        List<PurposePlan> plans = planner.forRequest(submission.type().kind(), submission.purposes());
        String requestHash = idempotencyKey == null ? null
                : IdempotencyKey.hash(json, "rights-request", subjectId, submission.type(),
                        submission.purposes() == null ? null : submission.purposes().stream().sorted().distinct().toList(),
                        submission.source());
        UUID requestId = UUID.randomUUID();
        return pool.withTransaction(connection -> ledger.claim(connection, idempotencyKey, requestHash, requestId)
                .chain(previous -> previous != null ? Uni.createFrom().item(new Claim(previous, null))
                        : record(connection, subjectId, submission.type(), submission.source(), plans, requestId)
                                .map(view -> new Claim(null, view))))
                .chain(claim -> claim.recorded() != null ? Uni.createFrom().item(new Submitted(claim.recorded(), false))
                        : Panache.withSession(() -> RightsRequest.<RightsRequest>findById(claim.previous())
                                .chain(this::view)).map(view -> new Submitted(view, true)));
    }

    /** The request an idempotency key already stood for, or the one this call recorded. */
    private record Claim(UUID previous, RequestView recorded) {
    }

    private Uni<RequestView> record(SqlConnection connection, String subjectId, RequestType type, String source,
            List<PurposePlan> plans, UUID requestId) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        RightsRequest request = new RightsRequest();
        request.requestId = requestId;
        request.subjectId = subjectId;
        request.type = type;
        request.purposes = plans.stream().map(PurposePlan::purpose).collect(Collectors.joining(","));
        request.receivedAt = now;
        request.deadline = now.plus(policy.defaultDeadline());
        return connection.preparedQuery("""
                insert into rights_request (request_id, subject_id, type, purposes, received_at, deadline)
                values ($1, $2, $3, $4, $5, $6)""")
                .execute(Tuple.of(requestId, subjectId, type.name(), request.purposes,
                        OffsetDateTime.ofInstant(now, ZoneOffset.UTC),
                        OffsetDateTime.ofInstant(request.deadline, ZoneOffset.UTC)))
                .chain(() -> Multi.createFrom().iterable(plans)
                        .onItem().transformToUniAndConcatenate(plan -> ledger.append(connection, new LedgerService.Change(
                                subjectId, plan.purpose(), type.kind(), plan.decision(), now, source, null, requestId,
                                Map.of(), plan.directives()), UUID.randomUUID()))
                        .collect().asList())
                .map(changes -> {
                    LOG.infof("Rights request %s (%s) for subject %s: %d purposes, deadline %s", requestId, type,
                            subjectId, changes.size(), request.deadline);
                    return RequestView.of(request, changes);
                });
    }

    @WithSession
    public Uni<RequestView> find(String subjectId, UUID requestId) {
        return RightsRequest.<RightsRequest>findById(requestId)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("Rights request " + requestId))
                .invoke(r -> {
                    if (!r.subjectId.equals(subjectId)) {
                        throw ProblemException.notFound("Rights request " + requestId + " of subject " + subjectId);
                    }
                })
                .chain(this::view);
    }

    /** The request with its ledger changes and their propagations. Runs in the caller's session. */
    private Uni<RequestView> view(RightsRequest request) {
        return ConsentRecord.<ConsentRecord>list("requestId = ?1 order by purpose", request.requestId)
                .chain(records -> Propagation.<Propagation>list("changeId in ?1",
                        records.stream().map(r -> r.changeId).toList())
                        .map(propagations -> {
                            Map<UUID, List<Propagation>> byChange = propagations.stream()
                                    .collect(Collectors.groupingBy(p -> p.changeId));
                            return RequestView.of(request, records.stream()
                                    .map(r -> ChangeView.of(r, byChange.getOrDefault(r.changeId, List.of())))
                                    .toList());
                        }));
    }

    /**
     * Art. 15 and 20: the current consents, the ledger, every rights request with its propagations, and the
     * identifiers held (decrypted: they are the subject's own data), or none once an erasure purged them.
     */
    @WithSession
    public Uni<SubjectExport> export(String subjectId) {
        return ledger.currentConsents(subjectId)
                .chain(consents -> ledger.history(subjectId)
                        .chain(history -> RightsRequest.<RightsRequest>list("subjectId = ?1 order by receivedAt",
                                subjectId)
                                .chain(requests -> Multi.createFrom().iterable(requests)
                                        .onItem().transformToUniAndConcatenate(this::view).collect().asList()
                                        .chain(views -> identifiers.describe(pool, subjectId).map(ids -> new SubjectExport(
                                                subjectId, Instant.now(),
                                                consents.stream().map(CurrentConsent::of).toList(), history, views,
                                                ids, lastPurge(requests)))))));
    }

    private static Instant lastPurge(List<RightsRequest> requests) {
        return requests.stream().map(r -> r.purgedAt).filter(java.util.Objects::nonNull).max(Instant::compareTo)
                .orElse(null);
    }
}
