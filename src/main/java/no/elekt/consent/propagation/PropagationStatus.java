package no.elekt.consent.propagation;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/** Where a propagation stands. PENDING until a receipt closes it; FAILED stays open for ops to retry. */
public enum PropagationStatus {
    PENDING, CONFIRMED, NOT_APPLICABLE, SUPERSEDED, AWAITING_MANUAL, FAILED;

    /**
     * The statuses that still need work: the only definition, in Java and, through {@link #openNames()} as a
     * parameter, in SQL. An open propagation counts against its deadline, blocks a purge and keeps a rights request
     * from COMPLETED.
     */
    public static final Set<PropagationStatus> OPEN = EnumSet.of(PENDING, AWAITING_MANUAL, FAILED);

    private static final String[] OPEN_NAMES = Arrays.stream(values()).filter(OPEN::contains).map(Enum::name)
            .toArray(String[]::new);

    public boolean isOpen() {
        return OPEN.contains(this);
    }

    /** The open statuses as a SQL array parameter: {@code status = any($n)}. */
    public static String[] openNames() {
        return OPEN_NAMES.clone();
    }
}
