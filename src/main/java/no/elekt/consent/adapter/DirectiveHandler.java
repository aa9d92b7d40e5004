package no.elekt.consent.adapter;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.adapter.HandledDirectives.Handled;
import no.elekt.consent.adapter.HandledDirectives.SubjectPurpose;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.PurposeVersion;
import no.elekt.consent.events.ReadBack;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.events.Verification;
import no.elekt.consent.identifiers.DirectiveSeal;
import no.elekt.consent.kafka.DeadLetters;
import no.elekt.consent.problem.Failures;
import no.elekt.consent.tracing.Traces;

/**
 * What every adapter does around its processor calls, for the directives of one poll:
 * <ol>
 * <li>decode, and open the identifiers sealed with the subject's data key; what cannot be read goes to the
 * dead-letter topic as it came (identifiers still sealed);</li>
 * <li>a directive already handled gets its recorded receipt again, and no second call;</li>
 * <li>a directive whose purposes are all older than what was already applied (or than a later directive of the
 * same poll) is SUPERSEDED, without a call, unless it is a deletion: a deletion is always carried out;</li>
 * <li>the rest go to the adapter; what it could not do is FAILED_PERMANENT and dead-lettered;</li>
 * <li>receipts are recorded, published, and acknowledged by Kafka before the Uni completes, so the directives'
 * offsets are committed only after their receipts are safe.</li>
 * </ol>
 * A database or Kafka outage while recording or publishing is retried with backoff, within a time budget
 * ({@code consent.adapters.bookkeeping.retry-budget}, counted in {@code consent_adapter_bookkeeping_retries_total});
 * past it the poll fails and the connector dead-letters it, visible and replayable. What the bookkeeping refuses for
 * good (a value too long for its column, a constraint) is not retried: that directive is answered FAILED_PERMANENT
 * and dead-lettered, and the rest of the poll is recorded.
 */
@ApplicationScoped
public class DirectiveHandler {

    private static final Logger LOG = Logger.getLogger(DirectiveHandler.class);

    private final DirectiveDecoder decoder;
    private final HandledDirectives store;
    private final Receipts receipts;
    private final DeadLetters deadLetters;
    private final MeterRegistry metrics;
    private final DirectiveSeal seal;
    private final Pool pool;
    private final Traces traces;
    private final Duration retryBudget;

    DirectiveHandler(DirectiveDecoder decoder, HandledDirectives store, Receipts receipts, DeadLetters deadLetters,
            MeterRegistry metrics, DirectiveSeal seal, Pool pool, Traces traces,
            @ConfigProperty(name = "consent.adapters.bookkeeping.retry-budget",
                    defaultValue = "10m") Duration retryBudget) {
        this.seal = seal;
        this.pool = pool;
        this.traces = traces;
        this.decoder = decoder;
        this.store = store;
        this.receipts = receipts;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.retryBudget = retryBudget;
    }

    /** A directive and the record it came in. */
    private record Delivery(ConsumerRecord<String, byte[]> record, ProcessorDirective directive) {
        String id() {
            return directive.getDirectiveId();
        }
    }

    /** A directive with what became of it and the receipt it is answered with. */
    private record Answered(Delivery delivery, DirectiveResult result, PropagationReceipt receipt, boolean replayed) {
    }

    /** Handles one poll's directives of one processor ({@link DirectiveConsumer} hands them here). */
    public Uni<Void> handle(ProcessorAdapter adapter, List<ConsumerRecord<String, byte[]>> records) {
        // decoding may ask the registry for a schema (blocking, once per schema): not on the event loop
        return Uni.createFrom().item(() -> decodeAll(adapter, records))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(decoded -> retried("reading subject keys", () -> seal.open(pool,
                        decoded.deliveries().stream().map(Delivery::directive).toList()))
                        .map(opened -> opened(decoded, opened)))
                .chain(decoded -> deadLetters.sendAll(decoded.unreadable(), "adapter " + adapter.processor())
                        .chain(() -> process(adapter, decoded.deliveries())));
    }

    private record DecodedPoll(List<Delivery> deliveries, Map<ConsumerRecord<String, byte[]>, String> unreadable) {
    }

    private DecodedPoll decodeAll(ProcessorAdapter adapter, List<ConsumerRecord<String, byte[]>> records) {
        List<Delivery> deliveries = new ArrayList<>();
        Map<ConsumerRecord<String, byte[]>, String> unreadable = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                ProcessorDirective directive = decoder.decode(record);
                if (!adapter.processor().equals(directive.getProcessor())) {
                    unreadable.put(record, "directive for processor " + directive.getProcessor()
                            + " on the topic of " + adapter.processor());
                } else {
                    deliveries.add(new Delivery(record, directive));
                }
            } catch (IllegalArgumentException e) {
                unreadable.put(record, e.getMessage());
            }
        }
        return new DecodedPoll(deliveries, unreadable);
    }

    /**
     * The deliveries with their identifiers opened with the subjects' data keys read now (a subject erased since has
     * none: its directive opens with no identifiers); one altered or moved is unreadable, so dead-lettered.
     */
    private static DecodedPoll opened(DecodedPoll decoded, List<DirectiveSeal.Opened> opened) {
        List<Delivery> deliveries = new ArrayList<>();
        Map<ConsumerRecord<String, byte[]>, String> unreadable = new LinkedHashMap<>(decoded.unreadable());
        for (int i = 0; i < opened.size(); i++) {
            ConsumerRecord<String, byte[]> record = decoded.deliveries().get(i).record();
            if (opened.get(i).unreadable() != null) {
                unreadable.put(record, opened.get(i).unreadable());
            } else {
                deliveries.add(new Delivery(record, opened.get(i).directive()));
            }
        }
        return new DecodedPoll(deliveries, unreadable);
    }

    private Uni<Void> process(ProcessorAdapter adapter, List<Delivery> deliveries) {
        if (deliveries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String processor = adapter.processor();
        List<String> ids = deliveries.stream().map(Delivery::id).distinct().toList();
        Set<String> subjects = deliveries.stream().map(d -> d.directive().getSubjectId()).collect(Collectors.toSet());
        return retried("reading handled directives", () -> store.receipts(processor, ids))
                .chain(handled -> retried("reading applied versions", () -> store.appliedVersions(processor, subjects))
                        .chain(applied -> decide(adapter, deliveries, handled, applied)))
                .chain(outcomes -> record(processor, outcomes))
                .chain(outcomes -> publish(adapter, outcomes));
    }

    /**
     * Records the receipts of the poll in one transaction; if the database refuses that for good, one by one, and a
     * directive whose own receipt is refused becomes FAILED_PERMANENT (to be dead-lettered) rather than holding up
     * the poll, and its partition, for ever.
     */
    private Uni<List<Answered>> record(String processor, List<Answered> outcomes) {
        return retried("recording receipts", () -> store.record(processor, toRecord(outcomes)))
                .replaceWith(outcomes)
                .onFailure(e -> !Failures.infrastructureTransient(e))
                .recoverWithUni(refused -> {
                    LOG.warnf("Recording a poll's receipts at %s was refused (%s): recording them one by one",
                            processor, refused.getClass().getSimpleName());
                    return Multi.createFrom().iterable(outcomes)
                            .onItem().transformToUniAndConcatenate(o -> recordOne(processor, o))
                            .collect().asList();
                });
    }

    private Uni<Answered> recordOne(String processor, Answered o) {
        List<Handled> handled = toRecord(List.of(o));
        if (handled.isEmpty()) {
            return Uni.createFrom().item(o);
        }
        return retried("recording a receipt", () -> store.record(processor, handled))
                .replaceWith(o)
                .onFailure(e -> !Failures.infrastructureTransient(e))
                .recoverWithItem(refused -> {
                    DirectiveResult failed = DirectiveResult.refusedBookkeeping(refused);
                    return new Answered(o.delivery(), failed, receipt(processor, o.delivery().directive(), failed),
                            false);
                });
    }

    /**
     * The newest version known of one subject and purpose, what it asked, and where it came from: the adapter's
     * record ({@code position} -1) or this poll (the delivery's index).
     */
    private record Newest(long version, DirectiveAction action, int position) {
    }

    /** A directive to carry out, and the newer grant to apply again after it (a late deletion), if any. */
    private record Planned(Delivery delivery, ProcessorDirective grantAfter) {
    }

    /**
     * Replays, supersedes, or hands to the adapter; answers one outcome per delivery, in order. A deletion is never
     * superseded: once asked for it is carried out, in order (a grant that came after it in the poll runs after it).
     * A deletion carried out after a newer grant was already applied is followed by that grant again, so the
     * processor ends where the decisions in version order leave it.
     */
    private Uni<List<Answered>> decide(ProcessorAdapter adapter, List<Delivery> deliveries,
            Map<String, PropagationReceipt> handled, Map<SubjectPurpose, HandledDirectives.Applied> applied) {
        Map<SubjectPurpose, Newest> newest = new HashMap<>();
        applied.forEach((key, a) -> newest.put(key, new Newest(a.version(), a.action(), -1)));
        for (int i = 0; i < deliveries.size(); i++) {
            Delivery d = deliveries.get(i);
            if (!handled.containsKey(d.id())) {
                for (PurposeVersion pv : d.directive().getPurposes()) {
                    Newest candidate = new Newest(pv.getVersion(), d.directive().getAction(), i);
                    newest.merge(new SubjectPurpose(d.directive().getSubjectId(), pv.getPurpose()), candidate,
                            (known, mine) -> mine.version() > known.version() ? mine : known);
                }
            }
        }
        Map<String, DirectiveResult> decided = new HashMap<>();
        List<Planned> toApply = new ArrayList<>();
        for (int i = 0; i < deliveries.size(); i++) {
            Delivery d = deliveries.get(i);
            if (handled.containsKey(d.id()) || decided.containsKey(d.id())
                    || toApply.stream().anyMatch(other -> other.delivery().id().equals(d.id()))) {
                continue;
            }
            boolean deletion = d.directive().getAction() == DirectiveAction.DELETE;
            long newer = supersededBy(d.directive(), newest);
            if (newer > 0 && !deletion) {
                decided.put(d.id(),
                        DirectiveResult.superseded("a newer decision (version " + newer + ") is already in force"));
            } else {
                toApply.add(new Planned(d, deletion ? grantToRestore(d.directive(), i, newest) : null));
            }
        }
        List<ProcessorDirective> calls = new ArrayList<>();
        toApply.forEach(p -> {
            calls.add(p.delivery().directive());
            if (p.grantAfter() != null) {
                calls.add(p.grantAfter());
            }
        });
        Uni<List<DirectiveResult>> results = calls.isEmpty() ? Uni.createFrom().item(List.of())
                // the processor calls in the trace of the changes they carry out (the relay's send, in the headers)
                : traces.inSpan(adapter.processor() + " apply", toApply.stream()
                        .map(p -> Traces.parent(p.delivery().record().headers())).toList(),
                        () -> adapter.applyAll(calls))
                        .onFailure().recoverWithItem(e -> calls.stream().map(x -> DirectiveResult.failed(e)).toList());
        return results.map(list -> {
            int at = 0;
            for (Planned p : toApply) {
                DirectiveResult result = list.get(at++);
                if (p.grantAfter() != null) {
                    result = result.thenRestored(list.get(at++), p.grantAfter().getPurposes().get(0).getVersion());
                }
                decided.put(p.delivery().id(), result);
            }
            List<Answered> outcomes = new ArrayList<>();
            Map<String, PropagationReceipt> given = new HashMap<>(handled);
            for (Delivery d : deliveries) {
                PropagationReceipt previous = given.get(d.id());
                if (previous != null) {
                    outcomes.add(new Answered(d, null, previous, true));
                } else {
                    DirectiveResult result = decided.get(d.id());
                    PropagationReceipt receipt = receipt(adapter.processor(), d.directive(), result);
                    given.put(d.id(), receipt);
                    outcomes.add(new Answered(d, result, receipt, false));
                }
            }
            return outcomes;
        });
    }

    /**
     * For a deletion at {@code position}: the newer grant applied before it (by the adapter earlier, or earlier in
     * this poll) that the deletion would otherwise undo, as a RESUME of those purposes; or null.
     */
    private static ProcessorDirective grantToRestore(ProcessorDirective deletion, int position,
            Map<SubjectPurpose, Newest> newest) {
        List<PurposeVersion> restore = new ArrayList<>();
        for (PurposeVersion pv : deletion.getPurposes()) {
            Newest n = newest.get(new SubjectPurpose(deletion.getSubjectId(), pv.getPurpose()));
            if (n != null && n.version() > pv.getVersion() && n.action() == DirectiveAction.RESUME
                    && n.position() < position) {
                restore.add(new PurposeVersion(pv.getPurpose(), n.version()));
            }
        }
        return restore.isEmpty() ? null : ProcessorDirective.newBuilder(deletion)
                .setAction(DirectiveAction.RESUME).setKind(ChangeKind.DECISION).setPurposes(restore).build();
    }

    /** The newer version that makes this directive stale, or 0: stale only if every purpose has a newer version. */
    private static long supersededBy(ProcessorDirective directive, Map<SubjectPurpose, Newest> newest) {
        long newer = Long.MAX_VALUE;
        for (PurposeVersion pv : directive.getPurposes()) {
            Newest known = newest.get(new SubjectPurpose(directive.getSubjectId(), pv.getPurpose()));
            if (known == null || known.version() <= pv.getVersion()) {
                return 0;
            }
            newer = Math.min(newer, known.version());
        }
        return directive.getPurposes().isEmpty() ? 0 : newer;
    }

    private static PropagationReceipt receipt(String processor, ProcessorDirective directive, DirectiveResult result) {
        return PropagationReceipt.newBuilder()
                .setReceiptId(UUID.randomUUID().toString())
                .setDirectiveId(directive.getDirectiveId())
                .setChangeId(directive.getChangeId())
                .setSubjectId(directive.getSubjectId())
                .setProcessor(processor)
                .setOutcome(result.outcome())
                .setDetail(result.detail())
                .setAttempts(result.attempts())
                .setCompletedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setVerification(Verification.valueOf(result.proof().status().name()))
                .setVerificationNote(result.proof().note())
                .setEvidence(result.proof().evidence().stream().map(e -> new ReadBack(e.check(),
                        e.checkedAt().truncatedTo(ChronoUnit.MILLIS), e.answer())).toList())
                .build();
    }

    private static List<Handled> toRecord(List<Answered> outcomes) {
        return outcomes.stream()
                .filter(o -> !o.replayed() && !o.result().failed())
                .map(o -> new Handled(o.delivery().directive(), o.receipt(), o.result().settlesVersion()))
                .toList();
    }

    /**
     * Publishes the dead letters, then every receipt, and completes when Kafka has acknowledged all. A failed
     * directive is dead-lettered before its receipt says so. The receipts are handed to the producer together, in
     * order (the idempotent producer keeps that order per partition, so per subject), rather than one at a time
     * waiting for each acknowledgement: that wait (at least linger.ms) capped an adapter at a few hundred a second.
     */
    private Uni<Void> publish(ProcessorAdapter adapter, List<Answered> outcomes) {
        List<Uni<Void>> deadLettering = outcomes.stream()
                .filter(o -> !o.replayed() && o.result().failed())
                .map(o -> retried("dead-lettering", () -> deadLetters.send(o.delivery().record(),
                        "adapter " + adapter.processor(), o.result().detail())))
                .toList();
        List<Uni<Void>> publishing = outcomes.stream()
                .map(o -> retried("publishing a receipt", () -> receipts.publish(o.receipt(),
                        Traces.parent(o.delivery().record().headers())))
                        .invoke(() -> account(adapter, o)))
                .toList();
        return all(deadLettering).chain(() -> all(publishing));
    }

    private static Uni<Void> all(List<Uni<Void>> sends) {
        return sends.isEmpty() ? Uni.createFrom().voidItem()
                : Uni.join().all(sends).andCollectFailures().replaceWithVoid();
    }

    private void account(ProcessorAdapter adapter, Answered o) {
        PropagationReceipt r = o.receipt();
        if (o.replayed()) {
            LOG.debugf("Directive %s of subject %s was already handled: %s again", r.getDirectiveId(),
                    r.getSubjectId(), r.getOutcome());
            return;
        }
        metrics.counter("consent_adapter_directives", "processor", adapter.processor(), "outcome",
                r.getOutcome().name()).increment();
        if (r.getOutcome() == ReceiptOutcome.FAILED_PERMANENT) {
            LOG.errorf("Directive %s of subject %s failed at %s: %s", r.getDirectiveId(), r.getSubjectId(),
                    adapter.processor(), r.getDetail());
        } else {
            LOG.debugf("Directive %s of subject %s: %s %s at %s (%s)", r.getDirectiveId(), r.getSubjectId(),
                    o.delivery().directive().getAction(), r.getOutcome(), adapter.processor(), r.getDetail());
        }
    }

    /**
     * Our own infrastructure (database, Kafka) away: retried with backoff within the budget, each retry counted.
     * Any other failure is not retried: the same work would fail the same way.
     */
    private <T> Uni<T> retried(String what, java.util.function.Supplier<Uni<T>> step) {
        return Uni.createFrom().<T>deferred(() -> step.get())
                .onFailure(Failures::infrastructureTransient).invoke(e -> {
                    metrics.counter("consent_adapter_bookkeeping_retries", "step", what).increment();
                    LOG.warnf("Adapter infrastructure failure while %s, retrying: %s", what,
                            e.getClass().getSimpleName());
                })
                .onFailure(Failures::infrastructureTransient).retry()
                .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(10)).expireIn(retryBudget.toMillis());
    }
}
