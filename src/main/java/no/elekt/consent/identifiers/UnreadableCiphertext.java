package no.elekt.consent.identifiers;

/** A ciphertext that cannot be opened: no such key, altered, or moved from where it belongs. */
public class UnreadableCiphertext extends IllegalStateException {

    public UnreadableCiphertext(String message) {
        super(message);
    }
}
