package no.elekt.consent.backfill;

import java.util.List;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import no.elekt.consent.events.Decision;

/** What ops ask a backfill to do. */
public record BackfillRequest(
        @Schema(description = "The processor to issue the directives to, e.g. mailgun") @NotBlank
        @Size(max = 64) String processor,
        @Schema(description = "The purposes whose decisions in force are issued again; each must be served by the processor")
        @NotEmpty @Size(max = 64) List<@NotNull @Size(max = 64) String> purposes,
        @Schema(description = "Only subjects with this decision in force; left out, every decision") Decision decision,
        @Schema(description = "Directives a second at most; left out, the processor's configured backfill rate, which "
                + "is also the highest allowed")
        @Positive Double rate) {
}
