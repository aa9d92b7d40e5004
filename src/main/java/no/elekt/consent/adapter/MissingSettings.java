package no.elekt.consent.adapter;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Collects the names of settings that are not set, for {@link ProcessorAdapter#missingSettings()}. */
public final class MissingSettings {

    private final List<String> missing = new ArrayList<>();

    public MissingSettings require(Optional<?> value, String environmentName) {
        if (value.isEmpty()) {
            missing.add(environmentName);
        }
        return this;
    }

    public List<String> names() {
        return List.copyOf(missing);
    }
}
