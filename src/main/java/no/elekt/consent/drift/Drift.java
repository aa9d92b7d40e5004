package no.elekt.consent.drift;

import java.time.Instant;

/**
 * Where a processor holds something other than what its adapter last applied for a subject and purpose, as a
 * reconciliation found it: ids, versions and what was expected and found (words of our code, never an identifier).
 */
public record Drift(String processor, String subjectId, String purpose, long appliedVersion, String appliedAction,
        String expected, String found, Instant detectedAt, Instant lastSeenAt) {

    /** A drifted subject and purpose, as the reconciliation reports it. */
    public record Found(String processor, String subjectId, String purpose, long appliedVersion,
            String appliedAction, String expected, String found) {
    }
}
