package no.elekt.consent.ledger;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.ConsentChanged;
import no.elekt.consent.events.Decision;
import no.elekt.consent.events.PlannedDirective;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PurposeVersion;
import no.elekt.consent.identifiers.IdentifierStore;
import no.elekt.consent.outbox.Outbox;
import no.elekt.consent.policy.DirectivePlanner;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.problem.InvalidFieldException;
import no.elekt.consent.problem.Problem.FieldError;
import no.elekt.consent.problem.ProblemException;
import no.elekt.consent.propagation.Propagation;
import no.elekt.consent.propagation.PropagationStatus;

/**
 * The unit of work of the service: append a change to the ledger, bump the version of its subject and purpose,
 * and write its events to the outbox, all in one transaction.
 */
@ApplicationScoped
public class LedgerService {

    private static final Logger LOG = Logger.getLogger(LedgerService.class);
    public static final String CHANGES_TOPIC = "consent.changes.v1";

    /** What a change is about; the same for consent decisions and, later, rights requests. */
    public record Change(String subjectId, String purpose, ChangeKind kind, Decision decision, Instant occurredAt,
            String source, String policyVersion, UUID requestId, Map<String, String> identifiers,
            List<DirectivePlanner.Planned> directives) {
    }

    /** The change as recorded, and whether this call recorded it or found it under its idempotency key. */
    public record Outcome(ChangeView change, boolean replayed) {
    }

    private final Policy policy;
    private final DirectivePlanner planner;
    private final Outbox outbox;
    private final IdentifierStore identifierStore;
    private final ObjectMapper json;
    private final MeterRegistry metrics;
    private final Duration maxClockSkew;
    private final Pool pool;

    LedgerService(Policy policy, DirectivePlanner planner, Outbox outbox, IdentifierStore identifierStore,
            ObjectMapper json, MeterRegistry metrics, Pool pool,
            @ConfigProperty(name = "consent.intake.max-clock-skew", defaultValue = "PT5M") Duration maxClockSkew) {
        this.policy = policy;
        this.planner = planner;
        this.outbox = outbox;
        this.identifierStore = identifierStore;
        this.json = json;
        this.metrics = metrics;
        this.maxClockSkew = maxClockSkew;
        this.pool = pool;
    }

    /** A consent decision checked against the policy and planned, with its idempotency key, ready to record. */
    public record Prepared(Change change, String idempotencyKey, String requestHash, UUID changeId) {
    }

    /**
     * Checks a request that passed Bean Validation against the policy, and plans it; fails with
     * {@link InvalidFieldException} naming the field at fault.
     */
    public Prepared prepare(ConsentChangeRequest request, String idempotencyKey) {
        checkAgainstPolicy(request);
        Change change = new Change(request.subjectId(), request.purpose(), ChangeKind.DECISION, request.decision(),
                request.occurredAt().truncatedTo(ChronoUnit.MILLIS), request.source(), request.policyVersion(), null,
                request.identifiersOrEmpty(), planner.forDecision(request.purpose(), request.decision()));
        return new Prepared(change, idempotencyKey, idempotencyKey == null ? null : hash(request), UUID.randomUUID());
    }

    /** Records a consent decision: the REST intake. */
    public Uni<Outcome> record(ConsentChangeRequest request, String idempotencyKey) {
        Prepared p = prepare(request, idempotencyKey);
        return pool.withTransaction(connection -> claim(connection, p.idempotencyKey(), p.requestHash(), p.changeId())
                .chain(previous -> previous != null ? Uni.createFrom().item(new Claim(previous, null))
                        : append(connection, p.change(), p.changeId()).map(view -> new Claim(null, view))))
                .chain(claim -> claim.recorded() != null ? Uni.createFrom().item(new Outcome(claim.recorded(), false))
                        : Panache.withSession(() -> view(claim.previous())).map(view -> new Outcome(view, true)));
    }

    /**
     * Records several decisions in one transaction, in order (the Kafka intake, a poll at a time); one whose key
     * was used before is skipped. It fails as a whole: the caller retries it, or records the changes one by one.
     */
    public Uni<Void> recordAll(List<Prepared> changes) {
        return pool.withTransaction(connection -> Multi.createFrom().iterable(changes)
                .onItem().transformToUniAndConcatenate(p -> claim(connection, p.idempotencyKey(), p.requestHash(),
                        p.changeId())
                        .chain(previous -> previous != null ? Uni.createFrom().voidItem()
                                : append(connection, p.change(), p.changeId()).replaceWithVoid()))
                .collect().last())
                .replaceWithVoid();
    }

    /** The change an idempotency key already stood for, or the one this call recorded. */
    private record Claim(UUID previous, ChangeView recorded) {
    }

    private void checkAgainstPolicy(ConsentChangeRequest request) {
        List<FieldError> errors = new ArrayList<>();
        if (policy.purpose(request.purpose()).isEmpty()) {
            errors.add(new FieldError("purpose",
                    "unknown purpose; one of " + policy.purposes().keySet()));
        }
        if (request.policyVersion() != null && !policy.policyVersions().contains(request.policyVersion())) {
            errors.add(new FieldError("policyVersion", "not a version of the policy; one of " + policy.policyVersions()));
        } else if (request.policyVersion() == null && request.decision() == Decision.GRANTED) {
            errors.add(new FieldError("policyVersion", "is required with a grant: the version of the policy text the "
                    + "person agreed to; one of " + policy.policyVersions()));
        }
        if (request.occurredAt().isAfter(Instant.now().plus(maxClockSkew))) {
            errors.add(new FieldError("occurredAt",
                    "is in the future (more than " + maxClockSkew.toMinutes() + " minutes ahead)"));
        }
        List<String> types = policy.identifierTypes();
        request.identifiersOrEmpty().keySet().stream()
                .filter(type -> !types.contains(type))
                .sorted()
                .forEach(type -> errors.add(new FieldError("identifiers." + type,
                        "unknown identifier type; one of " + types)));
        if (!errors.isEmpty()) {
            throw new InvalidFieldException(errors);
        }
    }

    /**
     * Claims the idempotency key for this request; answers the change (or rights request) it made before, if any.
     * Runs on the connection of the caller's transaction.
     */
    public Uni<UUID> claim(SqlConnection connection, String key, String requestHash, UUID changeId) {
        if (key == null) {
            return Uni.createFrom().nullItem();
        }
        return connection.preparedQuery("""
                insert into idempotency_key (idempotency_key, request_hash, change_id, created_at)
                values ($1, $2, $3, $4) on conflict do nothing""")
                .execute(Tuple.of(key, requestHash, changeId, OffsetDateTime.now(ZoneOffset.UTC)))
                .chain(inserted -> inserted.rowCount() == 1 ? Uni.createFrom().<UUID>nullItem()
                        : connection.preparedQuery(
                                "select request_hash, change_id from idempotency_key where idempotency_key = $1")
                                .execute(Tuple.of(key))
                                .map(rows -> {
                                    Row row = rows.iterator().next();
                                    if (!row.getString("request_hash").equals(requestHash)) {
                                        throw new ProblemException(422, "Idempotency-Key reused",
                                                "Idempotency-Key was already used with a different request body");
                                    }
                                    return row.getUUID("change_id");
                                }));
    }

    /**
     * Appends one change, on the connection of the caller's transaction: its version, then, if it is the decision in
     * force, the identifiers, ledger row, propagations and outbox events; if it occurred before the decision in force
     * (it arrived late), only the ledger row, marked as not in force, and the canonical event saying so. The raw pool
     * rather than Hibernate: this is the service's hottest write, and the inserts go out pipelined.
     */
    public Uni<ChangeView> append(SqlConnection connection, Change change, UUID changeId) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        return nextVersion(connection, change, changeId, now).chain(versioned -> {
            ConsentRecord record = ledgerEntry(change, changeId, versioned, now);
            if (!versioned.inForce()) {
                return Uni.join().all(insert(connection, record),
                        outbox.add(connection, events(record, List.of(), Map.of()))).andFailFast()
                        .map(x -> recorded(record, List.of()));
            }
            return identifiers(connection, change).chain(identifiers -> {
                List<Propagation> propagations = change.directives().stream()
                        .map(d -> propagation(changeId, change.subjectId(), d, now))
                        .toList();
                List<Uni<Void>> writes = new ArrayList<>(List.of(insert(connection, record),
                        outbox.add(connection, events(record, propagations, identifiers))));
                if (!propagations.isEmpty()) {
                    writes.add(insert(connection, propagations));
                }
                return Uni.join().all(writes).andFailFast().map(x -> recorded(record, propagations));
            });
        });
    }

    private ChangeView recorded(ConsentRecord record, List<Propagation> propagations) {
        metrics.counter("consent_changes_recorded", "purpose", record.purpose, "kind", record.kind.name(),
                "in_force", Boolean.toString(record.inForce)).increment();
        // per change at DEBUG: at a thousand changes a second, the ledger is the record
        LOG.debugf("Recorded change %s: subject %s, %s %s %s, version %d, %s, %d directives", record.changeId,
                record.subjectId, record.kind, record.purpose, record.decision, record.version,
                record.inForce ? "in force" : "not in force (occurred before the decision in force)",
                propagations.size());
        return ChangeView.of(record, propagations);
    }

    /**
     * The identifiers the change's directives carry: every value known for the subject and the change's own. The
     * change's own are kept only if it occurred after the subject's latest erasure: a change of before an erasure
     * (a dead letter replayed, a phone that was offline) never brings back identifiers the erasure purged.
     */
    private Uni<Map<String, List<String>>> identifiers(SqlConnection connection, Change change) {
        if (change.identifiers().isEmpty()) {
            return identifierStore.load(connection, change.subjectId());
        }
        return connection.preparedQuery("""
                select exists (select 1 from consent_record
                               where subject_id = $1 and kind = 'ERASURE' and occurred_at > $2)""")
                .execute(Tuple.of(change.subjectId(), utc(change.occurredAt())))
                .chain(rows -> rows.iterator().next().getBoolean(0)
                        ? identifierStore.load(connection, change.subjectId()).map(known -> withOwn(known,
                                change.identifiers()))
                        : identifierStore.merge(connection, change.subjectId(), change.identifiers()));
    }

    /** The values known, with the change's own in front: for its directives only, not kept. */
    private static Map<String, List<String>> withOwn(Map<String, List<String>> known, Map<String, String> own) {
        Map<String, List<String>> all = new TreeMap<>(known);
        own.forEach((type, value) -> {
            List<String> values = new ArrayList<>(List.of(value));
            all.getOrDefault(type, List.of()).stream().filter(v -> !v.equals(value)).forEach(values::add);
            all.put(type, values);
        });
        return all;
    }

    /** A change's version, and whether it is the decision in force. */
    private record Versioned(long version, boolean inForce) {
    }

    /**
     * Numbers the change and decides whether it is in force: the change that occurred last is (ties by arrival);
     * one that occurred before the change in force is recorded, not in force. The row lock on the state row orders
     * concurrent changes of the same subject and purpose.
     */
    private static Uni<Versioned> nextVersion(SqlConnection connection, Change change, UUID changeId, Instant now) {
        return connection.preparedQuery("""
                insert into consent_state as s (subject_id, purpose, decision, version, change_id, occurred_at,
                    last_version, updated_at)
                values ($1, $2, $3, 1, $4, $5, 1, $6)
                on conflict (subject_id, purpose) do update
                set last_version = s.last_version + 1,
                    decision = case when excluded.occurred_at >= s.occurred_at
                                    then coalesce(excluded.decision, s.decision) else s.decision end,
                    version = case when excluded.occurred_at >= s.occurred_at
                                   then s.last_version + 1 else s.version end,
                    change_id = case when excluded.occurred_at >= s.occurred_at
                                     then excluded.change_id else s.change_id end,
                    occurred_at = greatest(s.occurred_at, excluded.occurred_at),
                    updated_at = excluded.updated_at
                returning last_version, change_id = $4 as in_force""")
                .execute(Tuple.of(change.subjectId(), change.purpose(),
                        change.decision() == null ? null : change.decision().name(), changeId,
                        utc(change.occurredAt()), utc(now)))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Versioned(row.getLong("last_version"), row.getBoolean("in_force"));
                });
    }

    private static Uni<Void> insert(SqlConnection connection, ConsentRecord r) {
        return connection.preparedQuery("""
                insert into consent_record (change_id, subject_id, purpose, kind, decision, version, occurred_at,
                    recorded_at, source, policy_version, request_id, in_force)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""")
                .execute(Tuple.from(Arrays.asList(r.changeId, r.subjectId, r.purpose, r.kind.name(),
                        r.decision == null ? null : r.decision.name(), r.version, utc(r.occurredAt),
                        utc(r.recordedAt), r.source, r.policyVersion, r.requestId, r.inForce)))
                .replaceWithVoid();
    }

    private static Uni<Void> insert(SqlConnection connection, List<Propagation> propagations) {
        return connection.preparedQuery("""
                insert into propagation (directive_id, change_id, subject_id, processor, action, status, deadline,
                    created_at, updated_at, attempts)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0)""")
                .executeBatch(propagations.stream().map(p -> Tuple.from(List.of(p.directiveId, p.changeId,
                        p.subjectId, p.processor, p.action.name(), p.status.name(), utc(p.deadline),
                        utc(p.createdAt), utc(p.updatedAt)))).toList())
                .replaceWithVoid();
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static ConsentRecord ledgerEntry(Change change, UUID changeId, Versioned versioned, Instant now) {
        ConsentRecord record = new ConsentRecord();
        record.changeId = changeId;
        record.subjectId = change.subjectId();
        record.purpose = change.purpose();
        record.kind = change.kind();
        record.decision = change.decision();
        record.version = versioned.version();
        record.inForce = versioned.inForce();
        record.occurredAt = change.occurredAt();
        record.recordedAt = now;
        record.source = change.source();
        record.policyVersion = change.policyVersion();
        record.requestId = change.requestId();
        return record;
    }

    private Propagation propagation(UUID changeId, String subjectId, DirectivePlanner.Planned planned, Instant now) {
        Propagation p = new Propagation();
        p.directiveId = UUID.randomUUID();
        p.changeId = changeId;
        p.subjectId = subjectId;
        p.processor = planned.processor();
        p.action = planned.action();
        p.status = PropagationStatus.PENDING;
        p.deadline = now.plus(policy.deadlineFor(planned.processor()));
        p.createdAt = now;
        p.updatedAt = now;
        return p;
    }

    private List<Outbox.Event> events(ConsentRecord record, List<Propagation> propagations,
            Map<String, List<String>> identifiers) {
        ConsentChanged changed = ConsentChanged.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setChangeId(record.changeId.toString())
                .setSubjectId(record.subjectId)
                .setPurpose(record.purpose)
                .setKind(record.kind)
                .setDecision(record.decision)
                .setVersion(record.version)
                .setOccurredAt(record.occurredAt)
                .setRecordedAt(record.recordedAt)
                .setSource(record.source)
                .setPolicyVersion(record.policyVersion)
                .setLegalBasis(policy.purposes().get(record.purpose).primaryLegalBasis().name())
                .setDirectives(propagations.stream()
                        .map(p -> new PlannedDirective(p.directiveId.toString(), p.processor, p.action))
                        .toList())
                .setInForce(record.inForce)
                .build();
        List<Outbox.Event> events = new ArrayList<>();
        events.add(new Outbox.Event(CHANGES_TOPIC, record.subjectId, UUID.fromString(changed.getEventId()), changed));
        for (Propagation p : propagations) {
            events.add(new Outbox.Event(Policy.directiveTopic(p.processor), p.subjectId, p.directiveId,
                    directive(p, record, identifiers)));
        }
        return events;
    }

    /**
     * Re-issues a propagation's directive, with the identifiers known now, and marks it PENDING again; in one
     * transaction, and only if its status is still the one ops saw (a receipt may have closed it meanwhile).
     */
    public Uni<Void> reissue(Propagation p) {
        return pool.withTransaction(connection -> connection.preparedQuery("""
                update propagation set status = 'PENDING', detail = 're-issued by ops', updated_at = $2
                where directive_id = $1 and status = $3""")
                .execute(Tuple.of(p.directiveId, OffsetDateTime.now(ZoneOffset.UTC), p.status.name()))
                .chain(updated -> {
                    if (updated.rowCount() == 0) {
                        throw new ProblemException(409, "Propagation changed",
                                "Propagation " + p.directiveId + " changed while it was being retried; read it again");
                    }
                    return connection.preparedQuery("select * from consent_record where change_id = $1")
                            .execute(Tuple.of(p.changeId));
                })
                .chain(rows -> identifierStore.load(connection, p.subjectId)
                        .chain(identifiers -> outbox.add(connection, List.of(new Outbox.Event(
                                Policy.directiveTopic(p.processor), p.subjectId, UUID.randomUUID(),
                                directive(p, ConsentRecord.of(rows.iterator().next()), identifiers)))))));
    }

    /** A directive carries only the identifiers its processor needs: every value of each, newest first. */
    ProcessorDirective directive(Propagation p, ConsentRecord record, Map<String, List<String>> identifiers) {
        List<String> needed = policy.processor(p.processor).identifiers();
        Map<String, List<String>> own = identifiers.entrySet().stream()
                .filter(e -> needed.contains(e.getKey()) && !e.getValue().isEmpty())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        return ProcessorDirective.newBuilder()
                .setDirectiveId(p.directiveId.toString())
                .setChangeId(record.changeId.toString())
                .setSubjectId(p.subjectId)
                .setProcessor(p.processor)
                .setAction(p.action)
                .setKind(record.kind)
                .setPurposes(List.of(new PurposeVersion(record.purpose, record.version)))
                .setIdentifiers(own.entrySet().stream()
                        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get(0))))
                .setIdentifierValues(own)
                .setIssuedAt(record.recordedAt)
                .setDeadline(p.deadline)
                .build();
    }

    @WithSession
    public Uni<ChangeView> find(UUID changeId) {
        return view(changeId);
    }

    private Uni<ChangeView> view(UUID changeId) {
        return ConsentRecord.<ConsentRecord>findById(changeId)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("Change " + changeId))
                .chain(record -> Propagation.<Propagation>list("changeId = ?1 order by processor", changeId)
                        .map(propagations -> ChangeView.of(record, propagations)));
    }

    @WithSession
    public Uni<List<ConsentState>> currentConsents(String subjectId) {
        return ConsentState.list("subjectId = ?1 order by purpose", subjectId);
    }

    /** The subject's ledger, oldest first, and the purge of its identifiers after each erasure (rights_request). */
    @WithSession
    public Uni<List<HistoryEntry>> history(String subjectId) {
        return ConsentRecord.<ConsentRecord>list("subjectId = ?1 order by recordedAt, purpose, version", subjectId)
                .chain(records -> Panache.getSession().chain(session -> session.createNativeQuery("""
                        select request_id, purged_at from rights_request
                        where subject_id = :subject and purged_at is not null""", Object[].class)
                        .setParameter("subject", subjectId)
                        .getResultList())
                        .map(purges -> {
                            List<HistoryEntry> entries = new ArrayList<>(records.stream().map(HistoryEntry::of).toList());
                            purges.forEach(p -> entries.add(HistoryEntry.purge((UUID) p[0], instant(p[1]))));
                            entries.sort(java.util.Comparator.comparing(HistoryEntry::recordedAt));
                            return entries;
                        }));
    }

    private static Instant instant(Object timestamp) {
        return timestamp instanceof java.time.OffsetDateTime odt ? odt.toInstant() : (Instant) timestamp;
    }

    private String hash(ConsentChangeRequest request) {
        Map<String, String> sorted = new TreeMap<>(request.identifiersOrEmpty());
        return IdempotencyKey.hash(json, request.subjectId(), request.purpose(), request.decision(),
                request.occurredAt().toEpochMilli(), request.source(), request.policyVersion(), sorted);
    }
}
