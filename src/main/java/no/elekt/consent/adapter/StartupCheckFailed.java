package no.elekt.consent.adapter;

/** A processor refused what an adapter needs at start (credentials, scope, region, resource): names the setting. */
public class StartupCheckFailed extends RuntimeException {

    public StartupCheckFailed(String message) {
        super(message, null, false, false);
    }
}
