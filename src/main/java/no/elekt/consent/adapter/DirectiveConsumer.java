package no.elekt.consent.adapter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Acknowledgment;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import no.elekt.consent.lanes.OverlappingPolls;
import no.elekt.consent.lanes.PollHandover;

/**
 * The shell every adapter runs in: consumes the directive topics of the adapters switched on (one channel, one copy
 * and consumer group per adapter: {@link DirectiveChannels}), holds each adapter's polls until its start-up check
 * passed ({@link AdapterStartup}), and hands them to {@link DirectiveHandler}. An adapter takes its next poll while
 * earlier ones still run, up to {@code consent.adapters.polls-in-flight}, a subject's polls in order
 * ({@link OverlappingPolls}); each poll is acknowledged once its receipts are safe, and the connector commits offsets
 * only up to the oldest poll not yet acknowledged. A poll that fails is refused, and the connector's failure strategy
 * (dead-letter) takes it. A poll whose partition Kafka gave to another owner meanwhile is neither: {@link PollHandover}.
 */
@ApplicationScoped
public class DirectiveConsumer {

    private final AdapterStartup adapters;
    private final DirectiveHandler handler;
    private final PollHandover handover;
    private final int pollsInFlight;
    private final MeterRegistry metrics;
    private final Map<String, OverlappingPolls> polls = new ConcurrentHashMap<>();

    DirectiveConsumer(AdapterStartup adapters, DirectiveHandler handler,
            @Identifier(PollHandover.NAME) PollHandover handover, MeterRegistry metrics,
            @ConfigProperty(name = "consent.adapters.polls-in-flight", defaultValue = "4") int pollsInFlight) {
        this.adapters = adapters;
        this.handler = handler;
        this.handover = handover;
        this.metrics = metrics;
        this.pollsInFlight = pollsInFlight;
    }

    @Incoming(DirectiveChannels.CHANNEL)
    @Acknowledgment(Acknowledgment.Strategy.MANUAL)
    public Uni<Void> consume(KafkaRecordBatch<String, byte[]> batch) {
        PollHandover.Poll taken = handover.taken(batch);
        String topic = "(unknown)";
        try {
            @SuppressWarnings("unchecked")
            IncomingKafkaRecordBatchMetadata<String, byte[]> poll = batch
                    .getMetadata(IncomingKafkaRecordBatchMetadata.class).orElseThrow();
            // each copy of the channel reads one topic, so a poll is one processor's; grouped to be sure
            Map<String, List<ConsumerRecord<String, byte[]>>> byTopic = new LinkedHashMap<>();
            poll.getRecords().forEach(r -> byTopic.computeIfAbsent(r.topic(), t -> new ArrayList<>()).add(r));
            topic = byTopic.isEmpty() ? topic : byTopic.keySet().iterator().next();
            // the relay keys every directive by its subject id (a record without a key is not ordered)
            List<String> subjects = byTopic.values().stream().flatMap(List::stream).map(ConsumerRecord::key)
                    .filter(Objects::nonNull).toList();
            return pollsOf(topic).submit(subjects, taken.settled(() -> handleAll(byTopic), topic));
        } catch (RuntimeException unforeseen) {
            return taken.settled(() -> Uni.createFrom().failure(unforeseen), topic);
        }
    }

    private Uni<Void> handleAll(Map<String, List<ConsumerRecord<String, byte[]>>> byTopic) {
        List<Uni<Void>> each = byTopic.entrySet().stream().map(e -> handle(e.getKey(), e.getValue())).toList();
        return each.isEmpty() ? Uni.createFrom().voidItem()
                : each.size() == 1 ? each.get(0) : Uni.join().all(each).andFailFast().replaceWithVoid();
    }

    private Uni<Void> handle(String topic, List<ConsumerRecord<String, byte[]>> records) {
        ProcessorAdapter adapter = adapters.adapterOf(DirectiveChannels.processorOf(topic));
        return adapters.ready(adapter.processor()).chain(() -> handler.handle(adapter, records));
    }

    private OverlappingPolls pollsOf(String topic) {
        return polls.computeIfAbsent(topic, t -> {
            OverlappingPolls created = new OverlappingPolls(pollsInFlight);
            Gauge.builder("consent_adapter_polls_in_flight", created, OverlappingPolls::running)
                    .description("Directive polls taken in and not yet acknowledged")
                    .tag("processor", Objects.requireNonNullElse(DirectiveChannels.processorOf(t), t))
                    .register(metrics);
            return created;
        });
    }
}
