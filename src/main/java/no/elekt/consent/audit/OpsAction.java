package no.elekt.consent.audit;

/** The ops actions that are audited. */
public enum OpsAction {
    RETRY, CONFIRM, DEAD_LETTER_REPLAY, EXPORT, BACKFILL_START, BACKFILL_CANCEL, DRIFT_REPAIR
}
