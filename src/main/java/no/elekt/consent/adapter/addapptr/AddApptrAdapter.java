package no.elekt.consent.adapter.addapptr;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import no.elekt.consent.adapter.DirectiveResult;
import no.elekt.consent.adapter.IdentifierValues;
import no.elekt.consent.adapter.MissingSettings;
import no.elekt.consent.adapter.ProcessorAdapter;
import no.elekt.consent.adapter.ProofOfEffect;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;

/**
 * AddApptr has no server-side deletion API: consent reaches the AATKit SDK on the device. SUPPRESS and DELETE
 * e-mail a request to AddApptr's privacy contact and answer AWAITING_MANUAL; ops confirm it through the core's
 * API once AddApptr has answered. RESUME is not applicable.
 */
@ApplicationScoped
public class AddApptrAdapter implements ProcessorAdapter {

    private final PrivacyContactMailer mailer;
    private final AddApptrConfig config;

    AddApptrAdapter(PrivacyContactMailer mailer, AddApptrConfig config) {
        this.mailer = mailer;
        this.config = config;
    }

    @Override
    public List<String> missingSettings() {
        return new MissingSettings()
                .require(config.privacyContact(), "CONSENT_ADAPTERS_ADDAPPTR_PRIVACY_CONTACT")
                .names();
    }

    @Override
    public String processor() {
        return "addapptr";
    }

    @Override
    public Uni<DirectiveResult> apply(ProcessorDirective directive) {
        if (directive.getAction() == DirectiveAction.RESUME) {
            return Uni.createFrom().item(DirectiveResult.notApplicable("consent reaches the AATKit SDK on the device"));
        }
        List<String> advertisingIds = IdentifierValues.of(directive, "advertisingId");
        if (advertisingIds.isEmpty()) {
            return Uni.createFrom().item(DirectiveResult.notApplicable("no advertising ID is known for the subject"));
        }
        return mailer.requestDeletion(advertisingIds, directive.getDirectiveId(), directive.getAction(),
                directive.getDeadline())
                .map(sent -> DirectiveResult.awaitingManual("request e-mailed to AddApptr's privacy contact; "
                        + "awaiting their confirmation")
                        .with(ProofOfEffect.unverified("AddApptr offers no API: ops confirm by hand", List.of())));
    }
}
