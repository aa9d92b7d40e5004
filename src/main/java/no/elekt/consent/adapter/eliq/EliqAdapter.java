package no.elekt.consent.adapter.eliq;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.adapter.CallFailure;
import no.elekt.consent.adapter.DirectiveResult;
import no.elekt.consent.adapter.Effect;
import no.elekt.consent.adapter.IdentifierValues;
import no.elekt.consent.adapter.MissingSettings;
import no.elekt.consent.adapter.ProcessorAdapter;
import no.elekt.consent.adapter.ProofOfEffect;
import no.elekt.consent.adapter.StartupCheckFailed;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PurposeVersion;

/**
 * Eliq: DELETE deletes the user at Eliq's Data Management API (by our id), then reads the user back (Eliq must
 * answer USER_NOT_FOUND). SUPPRESS and RESUME set the purpose's consent at the Insights API (by Eliq's own user id,
 * read from the Data Management API), withdrawn or given, in the version Eliq holds, then read it back.
 */
@ApplicationScoped
public class EliqAdapter implements ProcessorAdapter {

    private final EliqClient eliq;
    private final EliqConfig config;

    EliqAdapter(EliqClient eliq, EliqConfig config) {
        this.eliq = eliq;
        this.config = config;
    }

    @Override
    public String processor() {
        return "eliq";
    }

    @Override
    public List<String> missingSettings() {
        return new MissingSettings()
                .require(config.clientId(), "CONSENT_ADAPTERS_ELIQ_CLIENT_ID")
                .require(config.clientSecret(), "CONSENT_ADAPTERS_ELIQ_CLIENT_SECRET")
                .names();
    }

    /** Tokens are issued for both APIs (aud), and the Data Management API answers with them. */
    @Override
    public Uni<Void> checkAtStart() {
        return eliq.checkDataManagement()
                .onFailure(CallFailure.class).transform(e -> refused((CallFailure) e, "data-management-api",
                        "CONSENT_ADAPTERS_ELIQ_CLIENT_ID/_CLIENT_SECRET (and _BASE_URL)"))
                .chain(() -> eliq.checkInsightsToken().onFailure(CallFailure.class).transform(e -> refused(
                        (CallFailure) e, "insights-api",
                        "CONSENT_ADAPTERS_ELIQ_INSIGHTS_CLIENT_ID/_INSIGHTS_CLIENT_SECRET (or _CLIENT_ID/_CLIENT_SECRET)")));
    }

    private static Throwable refused(CallFailure failure, String api, String settings) {
        return failure.retryable() ? failure : new StartupCheckFailed("Eliq refused the " + api + " token or call ("
                + failure.getMessage() + "): check " + settings);
    }

    @Override
    public Uni<DirectiveResult> apply(ProcessorDirective directive) {
        List<String> users = IdentifierValues.of(directive, "eliqUserId");
        if (users.isEmpty()) {
            return Uni.createFrom().item(DirectiveResult.notApplicable("no Eliq user id is known for the subject"));
        }
        boolean deletion = directive.getAction() == DirectiveAction.DELETE;
        boolean given = directive.getAction() == DirectiveAction.RESUME;
        List<Effect> effects = new ArrayList<>();
        List<ProofOfEffect> proofs = new ArrayList<>();
        return Multi.createFrom().iterable(users)
                .onItem().transformToUniAndConcatenate(user -> deletion ? delete(user, effects, proofs)
                        : setConsents(user, directive, given, effects, proofs))
                .collect().last()
                .map(x -> DirectiveResult.of(effects, deletion ? "user's data deleted at Eliq"
                        : given ? "consent given again at Eliq" : "consent withdrawn at Eliq (processing restricted)",
                        "no purpose in the directive")
                        .with(proofs.stream().reduce(ProofOfEffect.NONE, ProofOfEffect::and)));
    }

    private Uni<Void> delete(String user, List<Effect> effects, List<ProofOfEffect> proofs) {
        return eliq.deleteUser(user).invoke(effects::add)
                .chain(effect -> eliq.confirmUserGone(user))
                .invoke(evidence -> proofs.add(ProofOfEffect.verified(List.of(evidence))))
                .replaceWithVoid();
    }

    /** Each purpose's Eliq consent, in the version Eliq holds for the user, set as asked and read back. */
    private Uni<Void> setConsents(String user, ProcessorDirective directive, boolean given, List<Effect> effects,
            List<ProofOfEffect> proofs) {
        return eliq.eliqUserId(user).chain(eliqId -> {
            if (eliqId.isEmpty()) {
                // Eliq has no such user (e.g. deleted): nothing is processed there, so nothing to restrict or give
                effects.add(Effect.ALREADY_APPLIED);
                return Uni.createFrom().voidItem();
            }
            return eliq.consents(eliqId.get()).chain(current -> Multi.createFrom().iterable(directive.getPurposes())
                    .map(PurposeVersion::getPurpose)
                    .onItem().transformToUniAndConcatenate(purpose -> setConsent(eliqId.get(), current, purpose,
                            given, effects))
                    .collect().last())
                    .chain(x -> eliq.confirmConsents(eliqId.get(), directive.getPurposes().stream()
                            .map(pv -> consentName(pv.getPurpose())).toList(), given))
                    .invoke(evidence -> proofs.add(ProofOfEffect.verified(List.of(evidence))))
                    .replaceWithVoid();
        });
    }

    private Uni<Void> setConsent(long eliqId, List<EliqApis.Consent> current, String purpose, boolean given,
            List<Effect> effects) {
        String name = consentName(purpose);
        Optional<EliqApis.Consent> held = current.stream().filter(c -> c.name().equals(name)).findFirst();
        if (held.isEmpty()) {
            return Uni.createFrom().failure(CallFailure.permanent("update-consents: Eliq holds no consent named by "
                    + "consent.adapters.eliq.consents." + purpose));
        }
        if (held.get().givenConsent() == given) {
            effects.add(Effect.ALREADY_APPLIED);
            return Uni.createFrom().voidItem();
        }
        EliqApis.Consent update = new EliqApis.Consent(held.get().versionId(), name, given,
                held.get().languageCode() == null ? "nb-NO" : held.get().languageCode());
        return eliq.updateConsent(eliqId, update).invoke(effects::add).replaceWithVoid();
    }

    private String consentName(String purpose) {
        String name = config.consents().get(purpose);
        if (name == null) {
            throw CallFailure.permanent("update-consents: no Eliq consent configured for the purpose "
                    + "(consent.adapters.eliq.consents." + purpose + ")");
        }
        return name;
    }
}
