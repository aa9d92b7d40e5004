package no.elekt.consent.ledger;

import java.time.Instant;
import java.util.Map;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import no.elekt.consent.events.Decision;

/** A consent decision as an app backend reports it, over REST or on consent.change-requests.v1. */
public record ConsentChangeRequest(
        @NotNull @Pattern(regexp = SUBJECT_ID, message = SUBJECT_ID_MESSAGE) String subjectId,
        @NotBlank @Size(max = 64) String purpose,
        @NotNull Decision decision,
        @NotNull Instant occurredAt,
        @NotBlank @Size(max = 64) @Pattern(regexp = PRINTABLE, message = PRINTABLE_MESSAGE) String source,
        @Size(max = 64) @Pattern(regexp = PRINTABLE, message = PRINTABLE_MESSAGE) String policyVersion,
        Map<@NotBlank @Size(max = 64) String, @NotBlank @Size(max = 512) @Pattern(regexp = PRINTABLE,
                message = PRINTABLE_MESSAGE) String> identifiers) {

    /** No control characters (PostgreSQL refuses NUL in text, and none belongs in these fields). */
    public static final String PRINTABLE = "[^\\p{Cntrl}]*";
    public static final String PRINTABLE_MESSAGE = "must not contain control characters";

    /** Opaque, pseudonymous ids only: no e-mail addresses or other direct identifiers as subject ids. */
    public static final String SUBJECT_ID = "[A-Za-z0-9][A-Za-z0-9._:-]{0,127}";
    public static final String SUBJECT_ID_MESSAGE = "must be 1-128 characters of letters, digits, '.', '_', ':' or '-'";

    public Map<String, String> identifiersOrEmpty() {
        return identifiers == null ? Map.of() : identifiers;
    }
}
