package no.elekt.consent.security;

/** The roles a bearer token may carry in its groups claim. */
public final class Roles {

    /** App backends: record consent changes and rights requests, for their own sources only. */
    public static final String WRITER = "consent-writer";
    /** Read one subject's data: changes, consents, history, requests, export. */
    public static final String READER = "subject-reader";
    /** Ops: list, retry and confirm propagations, replay dead letters; may also read. */
    public static final String OPS = "ops";

    private Roles() {
    }
}
