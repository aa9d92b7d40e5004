package no.elekt.consent.adapter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.smallrye.mutiny.Uni;

/**
 * The shell every adapter runs in: consumes the directive topics of the adapters switched on (one channel, one copy
 * and consumer group per adapter: {@link DirectiveChannels}), holds each adapter's polls until its start-up check
 * passed ({@link AdapterStartup}), and hands them to {@link DirectiveHandler}. Returning the Uni lets the connector
 * commit the poll's offsets once its receipts are safe.
 */
@ApplicationScoped
public class DirectiveConsumer {

    private final AdapterStartup adapters;
    private final DirectiveHandler handler;

    DirectiveConsumer(AdapterStartup adapters, DirectiveHandler handler) {
        this.adapters = adapters;
        this.handler = handler;
    }

    @Incoming(DirectiveChannels.CHANNEL)
    public Uni<Void> consume(ConsumerRecords<String, byte[]> records) {
        // each copy of the channel reads one topic, so a poll is one processor's; grouped to be sure
        Map<String, List<ConsumerRecord<String, byte[]>>> byTopic = new LinkedHashMap<>();
        records.forEach(r -> byTopic.computeIfAbsent(r.topic(), t -> new ArrayList<>()).add(r));
        List<Uni<Void>> polls = byTopic.entrySet().stream()
                .map(e -> {
                    ProcessorAdapter adapter = adapters.adapterOf(DirectiveChannels.processorOf(e.getKey()));
                    return adapters.ready(adapter.processor()).chain(() -> handler.handle(adapter, e.getValue()));
                })
                .toList();
        return polls.size() == 1 ? polls.get(0) : Uni.join().all(polls).andFailFast().replaceWithVoid();
    }
}
