package no.elekt.consent.rights;

import no.elekt.consent.events.ChangeKind;

/** The data-subject rights this service carries out (GDPR art. 17, 21, 18, and the privacy policy's §11.1). */
public enum RequestType {
    /** Art. 17: delete at every processor holding the subject's data, then purge the identifiers. */
    ERASURE,
    /** Art. 21: stop and delete processing based on legitimate interest. */
    OBJECTION,
    /** Art. 18: suppress processing everywhere, delete nothing. */
    RESTRICTION,
    /** Privacy policy §11.1: delete the data collected through the app. */
    APP_UNINSTALLED;

    /** The kind of the ledger entries the request causes. */
    public ChangeKind kind() {
        return ChangeKind.valueOf(name());
    }
}
