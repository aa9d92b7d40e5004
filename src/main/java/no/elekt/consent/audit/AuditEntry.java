package no.elekt.consent.audit;

import java.time.Instant;

/** One ops action as recorded: who (the token's principal), when, what, on what, and why. */
public record AuditEntry(long auditId, Instant at, String principal, OpsAction action, String target, String note) {
}
