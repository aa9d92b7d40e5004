package no.elekt.consent.adapter;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.Config;

import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.kafka.RegistryDecoder;

/** Decodes directives from the bytes adapters consume, so an unreadable one is dead-lettered as it arrived. */
@ApplicationScoped
public class DirectiveDecoder {

    private final RegistryDecoder<ProcessorDirective> decoder;

    DirectiveDecoder(Config config) {
        this.decoder = new RegistryDecoder<>(config, ProcessorDirective.class);
    }

    /** The directive in the record; fails with a reason fit for a dead-letter header if it cannot be read. */
    public ProcessorDirective decode(ConsumerRecord<String, byte[]> record) {
        return decoder.decode(record);
    }

    @PreDestroy
    void close() {
        decoder.close();
    }
}
