package no.elekt.consent.ledger;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

import no.elekt.consent.problem.InvalidFieldException;

/**
 * Where a page of a subject's ledger ends: the order key of its last row (recorded_at, purpose, version), unique
 * within a subject, so pages neither skip nor repeat a row however many are added meanwhile. Opaque to clients.
 */
public record LedgerCursor(Instant recordedAt, String purpose, long version) {

    public static LedgerCursor after(ConsentRecord last) {
        return new LedgerCursor(last.recordedAt(), last.purpose(), last.version());
    }

    public String encode() {
        String plain = recordedAt.getEpochSecond() + "." + recordedAt.getNano() + ":" + version + ":" + purpose;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    /** The cursor a client sent back; null for none; a 400 naming {@code field} if it is not one we gave. */
    public static LedgerCursor decode(String encoded, String field) {
        if (encoded == null || encoded.isBlank()) {
            return null;
        }
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8).split(":", 3);
            String[] instant = parts[0].split("\\.");
            return new LedgerCursor(Instant.ofEpochSecond(Long.parseLong(instant[0]), Long.parseLong(instant[1])),
                    parts[2], Long.parseLong(parts[1]));
        } catch (RuntimeException e) {
            throw new InvalidFieldException(field, "not a cursor this service gave (use the Link header's next)");
        }
    }
}
