package no.elekt.consent.adapter;

import java.time.Instant;

/**
 * One read-back at a processor after a call: what was checked (an operation and a path template, never a value),
 * when, and what the processor answered (a status and what it means). Written by our code only: no identifier.
 */
public record Evidence(String check, Instant checkedAt, String answer) {
}
