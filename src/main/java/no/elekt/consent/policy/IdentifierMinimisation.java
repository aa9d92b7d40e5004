package no.elekt.consent.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Data minimisation for directives: a processor is sent only the identifier types the policy says it needs
 * ({@code processors.<id>.identifiers}), every known value of each, and no type it has no value for.
 */
public final class IdentifierMinimisation {

    private final Policy policy;

    public IdentifierMinimisation(Policy policy) {
        this.policy = policy;
    }

    /** The values of the identifiers the processor needs, by type, in the order given (newest first). */
    public Map<String, List<String>> forProcessor(String processor, Map<String, List<String>> known) {
        List<String> needed = policy.processor(processor).identifiers();
        Map<String, List<String>> own = new LinkedHashMap<>();
        known.forEach((type, values) -> {
            if (needed.contains(type) && !values.isEmpty()) {
                own.put(type, List.copyOf(values));
            }
        });
        return own;
    }
}
