package no.elekt.consent.ledger;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import no.elekt.consent.identifiers.IdentifierStore;
import no.elekt.consent.ledger.ConsentStateRepository.Versioned;
import no.elekt.consent.outbox.Outbox;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.propagation.DirectiveEvents;
import no.elekt.consent.propagation.Propagation;
import no.elekt.consent.propagation.PropagationRepository;

/**
 * The unit of work of the service: appends one change to the ledger, on the connection of the caller's transaction
 * (a consent decision's, or a rights request's with all its purposes). Its version first; then, if it is the
 * decision in force, its identifiers, ledger row, propagations and outbox events, the inserts pipelined; if it
 * occurred before the decision in force (it arrived late), only the ledger row, marked as not in force, and the
 * canonical event saying so. A batch of changes (group commit, a Kafka poll) is {@link #prepare}d change by change
 * and its inserts made at once for all of them ({@link #write}).
 */
@ApplicationScoped
public class ChangeRecorder {

    private static final Logger LOG = Logger.getLogger(ChangeRecorder.class);

    private final Policy policy;
    private final ConsentStateRepository states;
    private final ConsentRecordRepository records;
    private final PropagationRepository propagations;
    private final IdentifierStore identifiers;
    private final ChangeEvents changeEvents;
    private final DirectiveEvents directiveEvents;
    private final Outbox outbox;
    private final MeterRegistry metrics;

    ChangeRecorder(Policy policy, ConsentStateRepository states, ConsentRecordRepository records,
            PropagationRepository propagations, IdentifierStore identifiers, ChangeEvents changeEvents,
            DirectiveEvents directiveEvents, Outbox outbox, MeterRegistry metrics) {
        this.policy = policy;
        this.states = states;
        this.records = records;
        this.propagations = propagations;
        this.identifiers = identifiers;
        this.changeEvents = changeEvents;
        this.directiveEvents = directiveEvents;
        this.outbox = outbox;
        this.metrics = metrics;
    }

    public Uni<RecordedChange> append(SqlConnection connection, Change change, UUID changeId) {
        return append(connection, change, changeId, null);
    }

    /** The same, its events sent in the trace of the request that made it (a W3C traceparent, null if untraced). */
    public Uni<RecordedChange> append(SqlConnection connection, Change change, UUID changeId, String traceparent) {
        return prepare(connection, change, changeId, traceparent)
                .chain(pending -> write(connection, List.of(pending)))
                .map(recorded -> recorded.get(0));
    }

    /**
     * A change with its version taken, its identifiers merged and its events sealed, its ledger row, propagations and
     * outbox events not written yet (see {@link #write}).
     */
    record Pending(ConsentRecord record, List<Propagation> planned, List<Outbox.Event> events, String traceparent) {
    }

    /** All of {@link #append} but the inserts of the rows that nothing else in the transaction reads. */
    Uni<Pending> prepare(SqlConnection connection, Change change, UUID changeId, String traceparent) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        return states.nextVersion(connection, change, changeId, now).chain(versioned -> {
            ConsentRecord record = ledgerEntry(change, changeId, versioned, now);
            if (!record.inForce()) {
                return Uni.createFrom().item(new Pending(record, List.of(),
                        List.of(changeEvents.changed(record, List.of())), traceparent));
            }
            return identifiers(connection, change).chain(known -> {
                List<Propagation> planned = change.directives().stream()
                        .map(d -> Propagation.planned(changeId, change.subjectId(), d.processor(), d.action(),
                                now.plus(policy.deadlineFor(d.processor())), record.purpose(), record.version(),
                                record.kind(), record.requestId(), now))
                        .toList();
                List<Outbox.Event> events = new ArrayList<>();
                events.add(changeEvents.changed(record, planned));
                planned.forEach(p -> events.add(directiveEvents.issued(p, known)));
                return directiveEvents.sealed(connection, events)
                        .map(sealed -> new Pending(record, planned, sealed, traceparent));
            });
        });
    }

    /**
     * The ledger rows, outbox events and propagations of these changes, in their order: a statement per table for all
     * of them, the three sent together (a batch of changes pays three statements, not three each).
     */
    Uni<List<RecordedChange>> write(SqlConnection connection, List<Pending> changes) {
        if (changes.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<Outbox.Event> events = new ArrayList<>();
        List<String> traceparents = new ArrayList<>();
        for (Pending c : changes) {
            c.events().forEach(e -> {
                events.add(e);
                traceparents.add(c.traceparent());
            });
        }
        return Uni.join().all(records.insertAll(connection, changes.stream().map(Pending::record).toList()),
                outbox.add(connection, events, traceparents),
                propagations.insertAll(connection, changes.stream().flatMap(c -> c.planned().stream()).toList()))
                .andFailFast()
                .map(x -> changes.stream().map(c -> recorded(c.record(), c.planned())).toList());
    }

    private RecordedChange recorded(ConsentRecord record, List<Propagation> planned) {
        metrics.counter("consent_changes_recorded", "purpose", record.purpose(), "kind", record.kind().name(),
                "in_force", Boolean.toString(record.inForce())).increment();
        // per change at DEBUG: at a thousand changes a second, the ledger is the record
        LOG.debugf("Recorded change %s: subject %s, %s %s %s, version %d, %s, %d directives", record.changeId(),
                record.subjectId(), record.kind(), record.purpose(), record.decision(), record.version(),
                record.inForce() ? "in force" : "not in force (occurred before the decision in force)",
                planned.size());
        return new RecordedChange(record, planned);
    }

    /**
     * The identifiers the change's directives carry: every value known for the subject and the change's own, in
     * front. The change's own are kept only if it occurred after the subject's latest erasure: a change of before an
     * erasure (a dead letter replayed, a phone that was offline) never brings back identifiers the erasure purged.
     */
    private Uni<Map<String, List<String>>> identifiers(SqlConnection connection, Change change) {
        if (change.identifiers().isEmpty()) {
            return identifiers.load(connection, change.subjectId());
        }
        return identifiers.merge(connection, change.subjectId(), change.identifiers(),
                records.erasedAfter(connection, change.subjectId(), change.occurredAt()).map(erased -> !erased));
    }

    private static ConsentRecord ledgerEntry(Change change, UUID changeId, Versioned versioned, Instant now) {
        return new ConsentRecord(changeId, change.subjectId(), change.purpose(), change.kind(), change.decision(),
                versioned.version(), change.occurredAt(), now, change.source(), change.policyVersion(),
                change.requestId(), versioned.inForce());
    }
}
