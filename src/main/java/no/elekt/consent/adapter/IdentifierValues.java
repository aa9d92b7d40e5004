package no.elekt.consent.adapter;

import java.util.List;

import no.elekt.consent.events.ProcessorDirective;

/** The values of one identifier type a directive carries, newest first: every device, every past address. */
public final class IdentifierValues {

    private IdentifierValues() {
    }

    public static List<String> of(ProcessorDirective directive, String type) {
        List<String> all = directive.getIdentifierValues().get(type);
        if (all != null && !all.isEmpty()) {
            return all;
        }
        // a directive issued before identifierValues existed carries one value per type
        String one = directive.getIdentifiers().get(type);
        return one == null ? List.of() : List.of(one);
    }
}
