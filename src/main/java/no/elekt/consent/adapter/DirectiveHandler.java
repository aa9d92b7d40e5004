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
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import no.elekt.consent.adapter.HandledDirectives.Handled;
import no.elekt.consent.adapter.HandledDirectives.Key;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.PurposeVersion;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.kafka.DeadLetters;

/**
 * What every adapter does around its processor calls, for the directives of one poll:
 * <ol>
 * <li>decode; what cannot be read goes to the dead-letter topic as it came;</li>
 * <li>a directive already handled gets its recorded receipt again, and no second call;</li>
 * <li>a directive whose purposes are all older than what was already applied (or than a later directive of the
 * same poll) is SUPERSEDED, without a call;</li>
 * <li>the rest go to the adapter; what it could not do is FAILED_PERMANENT and dead-lettered;</li>
 * <li>receipts are recorded, published, and acknowledged by Kafka before the Uni completes, so the directives'
 * offsets are committed only after their receipts are safe.</li>
 * </ol>
 * A database or Kafka outage while recording or publishing is retried (never dead-lettered), so nothing is lost.
 */
@ApplicationScoped
public class DirectiveHandler {

    private static final Logger LOG = Logger.getLogger(DirectiveHandler.class);

    private final DirectiveDecoder decoder;
    private final HandledDirectives store;
    private final Receipts receipts;
    private final DeadLetters deadLetters;
    private final MeterRegistry metrics;

    DirectiveHandler(DirectiveDecoder decoder, HandledDirectives store, Receipts receipts, DeadLetters deadLetters,
            MeterRegistry metrics) {
        this.decoder = decoder;
        this.store = store;
        this.receipts = receipts;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
    }

    /** A directive and the record it came in. */
    private record Delivery(ConsumerRecord<String, byte[]> record, ProcessorDirective directive) {
        String id() {
            return directive.getDirectiveId();
        }
    }

    /** A directive with what became of it. */
    private record Outcome(Delivery delivery, Result result, PropagationReceipt receipt, boolean replayed) {
    }

    /** Handles one poll's directives; adapters consume in batches and hand them here. */
    public Uni<Void> handle(ProcessorAdapter adapter, ConsumerRecords<String, byte[]> records) {
        List<ConsumerRecord<String, byte[]>> list = new ArrayList<>(records.count());
        records.forEach(list::add);
        return handle(adapter, list);
    }

    public Uni<Void> handle(ProcessorAdapter adapter, List<ConsumerRecord<String, byte[]>> records) {
        // decoding may ask the registry for a schema (blocking, once per schema): not on the event loop
        return Uni.createFrom().item(() -> decodeAll(adapter, records))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(decoded -> deadLetters.sendAll(decoded.unreadable(), "adapter " + adapter.processor())
                        .chain(() -> process(adapter, decoded.deliveries())));
    }

    private record Decoded(List<Delivery> deliveries, Map<ConsumerRecord<String, byte[]>, String> unreadable) {
    }

    private Decoded decodeAll(ProcessorAdapter adapter, List<ConsumerRecord<String, byte[]>> records) {
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
        return new Decoded(deliveries, unreadable);
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
                .chain(outcomes -> retried("recording receipts", () -> store.record(processor, toRecord(outcomes)))
                        .chain(() -> publish(adapter, outcomes)));
    }

    /** Replays, supersedes, or hands to the adapter; answers one outcome per delivery, in order. */
    private Uni<List<Outcome>> decide(ProcessorAdapter adapter, List<Delivery> deliveries,
            Map<String, PropagationReceipt> handled, Map<Key, Long> applied) {
        Map<Key, Long> newest = new HashMap<>(applied);
        for (Delivery d : deliveries) {
            if (!handled.containsKey(d.id())) {
                for (PurposeVersion pv : d.directive().getPurposes()) {
                    newest.merge(new Key(d.directive().getSubjectId(), pv.getPurpose()), pv.getVersion(), Math::max);
                }
            }
        }
        Map<String, Result> decided = new HashMap<>();
        List<Delivery> toApply = new ArrayList<>();
        for (Delivery d : deliveries) {
            if (handled.containsKey(d.id()) || decided.containsKey(d.id())
                    || toApply.stream().anyMatch(other -> other.id().equals(d.id()))) {
                continue;
            }
            long newer = supersededBy(d.directive(), newest);
            if (newer > 0) {
                decided.put(d.id(), Result.superseded("a newer decision (version " + newer + ") is already in force"));
            } else {
                toApply.add(d);
            }
        }
        Uni<List<Result>> results = toApply.isEmpty() ? Uni.createFrom().item(List.of())
                : adapter.applyAll(toApply.stream().map(Delivery::directive).toList())
                        .onFailure().recoverWithItem(e -> toApply.stream().map(x -> Result.failed(e)).toList());
        return results.map(list -> {
            for (int i = 0; i < toApply.size(); i++) {
                decided.put(toApply.get(i).id(), list.get(i));
            }
            List<Outcome> outcomes = new ArrayList<>();
            Map<String, PropagationReceipt> given = new HashMap<>(handled);
            for (Delivery d : deliveries) {
                PropagationReceipt previous = given.get(d.id());
                if (previous != null) {
                    outcomes.add(new Outcome(d, null, previous, true));
                } else {
                    Result result = decided.get(d.id());
                    PropagationReceipt receipt = receipt(adapter.processor(), d.directive(), result);
                    given.put(d.id(), receipt);
                    outcomes.add(new Outcome(d, result, receipt, false));
                }
            }
            return outcomes;
        });
    }

    /** The newer version that makes this directive stale, or 0: stale only if every purpose has a newer version. */
    private static long supersededBy(ProcessorDirective directive, Map<Key, Long> newest) {
        long newer = Long.MAX_VALUE;
        for (PurposeVersion pv : directive.getPurposes()) {
            long known = newest.getOrDefault(new Key(directive.getSubjectId(), pv.getPurpose()), 0L);
            if (known <= pv.getVersion()) {
                return 0;
            }
            newer = Math.min(newer, known);
        }
        return directive.getPurposes().isEmpty() ? 0 : newer;
    }

    private static PropagationReceipt receipt(String processor, ProcessorDirective directive, Result result) {
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
                .build();
    }

    private static List<Handled> toRecord(List<Outcome> outcomes) {
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
    private Uni<Void> publish(ProcessorAdapter adapter, List<Outcome> outcomes) {
        List<Uni<Void>> deadLettering = outcomes.stream()
                .filter(o -> !o.replayed() && o.result().failed())
                .map(o -> retried("dead-lettering", () -> deadLetters.send(o.delivery().record(),
                        "adapter " + adapter.processor(), o.result().detail())))
                .toList();
        List<Uni<Void>> publishing = outcomes.stream()
                .map(o -> retried("publishing a receipt", () -> receipts.publish(o.receipt()))
                        .invoke(() -> account(adapter, o)))
                .toList();
        return all(deadLettering).chain(() -> all(publishing));
    }

    private static Uni<Void> all(List<Uni<Void>> sends) {
        return sends.isEmpty() ? Uni.createFrom().voidItem()
                : Uni.join().all(sends).andCollectFailures().replaceWithVoid();
    }

    private void account(ProcessorAdapter adapter, Outcome o) {
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

    /** Our own infrastructure (database, Kafka) failing: retried with backoff until it works, never dropped. */
    private static <T> Uni<T> retried(String what, java.util.function.Supplier<Uni<T>> step) {
        return Uni.createFrom().<T>deferred(() -> step.get())
                .onFailure().invoke(e -> LOG.warnf("Adapter infrastructure failure while %s, retrying: %s", what,
                        e.getClass().getSimpleName()))
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(10)).indefinitely();
    }
}
