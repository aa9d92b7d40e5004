package no.elekt.consent.rights;

import java.util.List;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import no.elekt.consent.ledger.ConsentChangeRequest;

/** A rights request as an app backend sends it. */
public record RequestSubmission(
        @NotNull(message = "is required; one of [ERASURE, OBJECTION, RESTRICTION, APP_UNINSTALLED]") RequestType type,
        @Schema(description = "Purpose ids it applies to; left out, every purpose the type applies to")
        @Size(max = 64,
                message = "names too many purposes") List<@NotNull(message = "must not be null") String> purposes,
        @Schema(description = "Where the person asked, e.g. app-android; the caller's token must allow it")
        @NotBlank @Size(max = 64) @Pattern(regexp = ConsentChangeRequest.PRINTABLE,
                message = ConsentChangeRequest.PRINTABLE_MESSAGE) String source) {
}
