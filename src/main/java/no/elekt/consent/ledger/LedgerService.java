package no.elekt.consent.ledger;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
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

    LedgerService(Policy policy, DirectivePlanner planner, Outbox outbox, IdentifierStore identifierStore,
            ObjectMapper json, MeterRegistry metrics,
            @ConfigProperty(name = "consent.intake.max-clock-skew", defaultValue = "PT5M") Duration maxClockSkew) {
        this.policy = policy;
        this.planner = planner;
        this.outbox = outbox;
        this.identifierStore = identifierStore;
        this.json = json;
        this.metrics = metrics;
        this.maxClockSkew = maxClockSkew;
    }

    /** Records a consent decision. The request has passed Bean Validation; here it is checked against the policy. */
    public Uni<Outcome> record(ConsentChangeRequest request, String idempotencyKey) {
        checkAgainstPolicy(request);
        Change change = new Change(request.subjectId(), request.purpose(), ChangeKind.DECISION, request.decision(),
                request.occurredAt().truncatedTo(ChronoUnit.MILLIS), request.source(), request.policyVersion(), null,
                request.identifiersOrEmpty(), planner.forDecision(request.purpose(), request.decision()));
        String requestHash = idempotencyKey == null ? null : hash(request);
        UUID changeId = UUID.randomUUID();
        return Panache.withTransaction(() -> claim(idempotencyKey, requestHash, changeId)
                .chain(previous -> previous != null
                        ? view(previous).map(view -> new Outcome(view, true))
                        : append(change, changeId).map(view -> new Outcome(view, false))));
    }

    private void checkAgainstPolicy(ConsentChangeRequest request) {
        List<FieldError> errors = new ArrayList<>();
        if (policy.purpose(request.purpose()).isEmpty()) {
            errors.add(new FieldError("purpose",
                    "unknown purpose; one of " + policy.purposes().keySet()));
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
     * Runs in the caller's transaction.
     */
    public Uni<UUID> claim(String key, String requestHash, UUID changeId) {
        if (key == null) {
            return Uni.createFrom().nullItem();
        }
        return Panache.getSession().chain(session -> session.createNativeQuery("""
                insert into idempotency_key (idempotency_key, request_hash, change_id, created_at)
                values (:key, :hash, :change, :now) on conflict do nothing""")
                .setParameter("key", key)
                .setParameter("hash", requestHash)
                .setParameter("change", changeId)
                .setParameter("now", Instant.now())
                .executeUpdate())
                .chain(inserted -> inserted == 1 ? Uni.createFrom().<UUID>nullItem() : previousChange(key, requestHash));
    }

    private static Uni<UUID> previousChange(String key, String requestHash) {
        return IdempotencyKey.<IdempotencyKey>findById(key).map(row -> {
            if (!row.requestHash.equals(requestHash)) {
                throw new ProblemException(422, "Idempotency-Key reused",
                        "Idempotency-Key was already used with a different request body");
            }
            return row.changeId;
        });
    }

    /** Appends one change: ledger row, new version, propagations and outbox events. Runs in the caller's transaction. */
    public Uni<ChangeView> append(Change change, UUID changeId) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        return nextVersion(change, changeId, now)
                .chain(version -> identifierStore.merge(change.subjectId(), change.identifiers())
                        .chain(identifiers -> {
                            ConsentRecord record = ledgerEntry(change, changeId, version, now);
                            List<Propagation> propagations = change.directives().stream()
                                    .map(d -> propagation(changeId, change.subjectId(), d, now))
                                    .toList();
                            return record.persist()
                                    .chain(() -> Multi.createFrom().iterable(propagations)
                                            .onItem().transformToUniAndConcatenate(p -> p.persist())
                                            .collect().last())
                                    .chain(() -> writeEvents(change, record, propagations, identifiers))
                                    .map(x -> {
                                        metrics.counter("consent_changes_recorded", "purpose", change.purpose(),
                                                "kind", change.kind().name()).increment();
                                        // per change at DEBUG: at a thousand changes a second, the ledger is the record
                                        LOG.debugf("Recorded change %s: subject %s, %s %s %s, version %d, %d directives",
                                                changeId, change.subjectId(), change.kind(), change.purpose(),
                                                change.decision(), version, propagations.size());
                                        return ChangeView.of(record, propagations);
                                    });
                        }));
    }

    /**
     * Bumps the version of the subject and purpose; the row lock orders concurrent changes of the same pair.
     * No result class on purpose: with one, Hibernate 7.2 caches a new plan for every execution (the implicit result
     * builder has no equals), all under one hash, and each lookup then scans them all: it was the top CPU hotspot.
     */
    private Uni<Long> nextVersion(Change change, UUID changeId, Instant now) {
        return Panache.getSession().chain(session -> session.<Number>createNativeQuery("""
                insert into consent_state as s (subject_id, purpose, decision, version, change_id, updated_at)
                values (:subject, :purpose, :decision, 1, :change, :now)
                on conflict (subject_id, purpose) do update
                set decision = coalesce(excluded.decision, s.decision), version = s.version + 1,
                    change_id = excluded.change_id, updated_at = excluded.updated_at
                returning version""")
                .setParameter("subject", change.subjectId())
                .setParameter("purpose", change.purpose())
                .setParameter("decision", change.decision() == null ? null : change.decision().name())
                .setParameter("change", changeId)
                .setParameter("now", now)
                .getSingleResult()
                .map(Number::longValue));
    }

    private static ConsentRecord ledgerEntry(Change change, UUID changeId, long version, Instant now) {
        ConsentRecord record = new ConsentRecord();
        record.changeId = changeId;
        record.subjectId = change.subjectId();
        record.purpose = change.purpose();
        record.kind = change.kind();
        record.decision = change.decision();
        record.version = version;
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

    private Uni<Void> writeEvents(Change change, ConsentRecord record, List<Propagation> propagations,
            Map<String, String> identifiers) {
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
                .build();
        List<Outbox.Event> events = new ArrayList<>();
        events.add(new Outbox.Event(CHANGES_TOPIC, record.subjectId, UUID.fromString(changed.getEventId()), changed));
        for (Propagation p : propagations) {
            events.add(new Outbox.Event(Policy.directiveTopic(p.processor), p.subjectId, p.directiveId,
                    directive(p, record, identifiers)));
        }
        return outbox.add(events);
    }

    /** Writes a propagation's directive to the outbox again, with the identifiers known now. In the caller's transaction. */
    public Uni<Void> reissue(Propagation p) {
        return ConsentRecord.<ConsentRecord>findById(p.changeId)
                .chain(record -> identifierStore.load(p.subjectId)
                        .chain(identifiers -> outbox.add(List.of(new Outbox.Event(Policy.directiveTopic(p.processor),
                                p.subjectId, UUID.randomUUID(), directive(p, record, identifiers))))));
    }

    /** A directive carries only the identifiers its processor needs. */
    ProcessorDirective directive(Propagation p, ConsentRecord record, Map<String, String> identifiers) {
        List<String> needed = policy.processor(p.processor).identifiers();
        Map<String, String> own = identifiers.entrySet().stream()
                .filter(e -> needed.contains(e.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        return ProcessorDirective.newBuilder()
                .setDirectiveId(p.directiveId.toString())
                .setChangeId(record.changeId.toString())
                .setSubjectId(p.subjectId)
                .setProcessor(p.processor)
                .setAction(p.action)
                .setKind(record.kind)
                .setPurposes(List.of(new PurposeVersion(record.purpose, record.version)))
                .setIdentifiers(own)
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
