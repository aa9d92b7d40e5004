package no.elekt.consent.adapter;

import java.util.List;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import io.quarkus.runtime.StartupEvent;

/** Refuses to start an enabled adapter that lacks its credentials or endpoints, naming what is missing. */
class AdapterSettingsCheck {

    void check(@Observes StartupEvent event, Instance<ProcessorAdapter> adapters) {
        List<String> faults = adapters.stream()
                .filter(ProcessorAdapter::enabled)
                .filter(a -> !a.missingSettings().isEmpty())
                .map(a -> "adapter " + a.processor() + " is enabled but lacks " + a.missingSettings())
                .toList();
        if (!faults.isEmpty()) {
            throw new IllegalStateException("Adapter configuration incomplete:\n - " + String.join("\n - ", faults));
        }
    }
}
