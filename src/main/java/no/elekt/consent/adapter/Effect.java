package no.elekt.consent.adapter;

/** What one processor call did: changed something, or found it already done (e.g. 404 on a list member). */
public enum Effect {
    APPLIED, ALREADY_APPLIED
}
