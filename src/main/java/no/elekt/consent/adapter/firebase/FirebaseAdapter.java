package no.elekt.consent.adapter.firebase;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.adapter.CallFailure;
import no.elekt.consent.adapter.DirectiveResult;
import no.elekt.consent.adapter.Effect;
import no.elekt.consent.adapter.Evidence;
import no.elekt.consent.adapter.IdentifierValues;
import no.elekt.consent.adapter.MissingSettings;
import no.elekt.consent.adapter.ProcessorAdapter;
import no.elekt.consent.adapter.ProcessorCalls;
import no.elekt.consent.adapter.ProofOfEffect;
import no.elekt.consent.adapter.StartupCheckFailed;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PurposeVersion;
import no.elekt.consent.lanes.SubjectLanes;

/**
 * Firebase: deleting {@code analytics} asks GA4 (Analytics Admin API) to delete the app instance's data;
 * suppressing or deleting {@code push-notifications} or {@code family-sharing} unsubscribes the device's token from
 * the purpose's FCM topics, read back; an erasure does all of that and deletes the Firebase Authentication account,
 * read back (a poll's accounts in one batchDelete). RESUME is not applicable: the app resumes on the device.
 */
@ApplicationScoped
public class FirebaseAdapter implements ProcessorAdapter {

    static final String ANALYTICS = "analytics";
    static final String NO_GA4_READ_BACK = "GA4 offers no read-back of user deletions";

    private final FirebaseClient firebase;
    private final FirebaseConfig config;

    FirebaseAdapter(FirebaseClient firebase, FirebaseConfig config) {
        this.firebase = firebase;
        this.config = config;
    }

    @Override
    public String processor() {
        return "firebase";
    }

    @Override
    public List<String> missingSettings() {
        return new MissingSettings()
                .require(config.projectId(), "CONSENT_ADAPTERS_FIREBASE_PROJECT_ID")
                .require(config.credentialsFile(), "CONSENT_ADAPTERS_FIREBASE_CREDENTIALS_FILE")
                .require(config.analyticsPropertyId(), "CONSENT_ADAPTERS_FIREBASE_ANALYTICS_PROPERTY_ID")
                .names();
    }

    /**
     * The service account gets its token; with it the GA4 property is reachable (analytics.edit) and Authentication
     * is set up for the project (cloud-platform). FCM's scope can only be tried on a real registration.
     */
    @Override
    public Uni<Void> checkAtStart() {
        return firebase.checkToken().onFailure(CallFailure.class)
                .transform(e -> refused((CallFailure) e, "CONSENT_ADAPTERS_FIREBASE_CREDENTIALS_FILE"))
                .chain(() -> firebase.checkAnalyticsProperty().onFailure(CallFailure.class).transform(e -> refused(
                        (CallFailure) e, "CONSENT_ADAPTERS_FIREBASE_ANALYTICS_PROPERTY_ID (and the service account's "
                                + "access to the property, scope analytics.edit)")))
                .chain(() -> firebase.checkAuthentication().onFailure(CallFailure.class).transform(e -> refused(
                        (CallFailure) e, "CONSENT_ADAPTERS_FIREBASE_PROJECT_ID (Firebase Authentication set up for it)"
                                + " and the service account's scope cloud-platform")));
    }

    private static Throwable refused(CallFailure failure, String settings) {
        return failure.retryable() ? failure
                : new StartupCheckFailed("Google refused (" + failure.getMessage() + "): check " + settings);
    }

    /** What one directive asks of Firebase. */
    private record Plan(ProcessorDirective directive, List<String> appInstances, List<String> tokens,
            Set<String> topics, List<String> accounts) {
    }

    private Plan plan(ProcessorDirective directive) {
        boolean erasure = directive.getKind() == ChangeKind.ERASURE;
        Set<String> purposes = new LinkedHashSet<>();
        directive.getPurposes().stream().map(PurposeVersion::getPurpose).forEach(purposes::add);
        List<String> appInstances = erasure || directive.getAction() == DirectiveAction.DELETE
                && purposes.contains(ANALYTICS) ? IdentifierValues.of(directive, "firebaseAppInstanceId") : List.of();
        Set<String> topics = new LinkedHashSet<>();
        config.topics().forEach((purpose, list) -> {
            if (erasure || purposes.contains(purpose)) {
                topics.addAll(list);
            }
        });
        List<String> tokens = topics.isEmpty() ? List.of() : IdentifierValues.of(directive, "fcmToken");
        List<String> accounts = erasure ? IdentifierValues.of(directive, "firebaseUid") : List.of();
        return new Plan(directive, appInstances, tokens, topics, accounts);
    }

    @Override
    public Uni<DirectiveResult> apply(ProcessorDirective directive) {
        return applyAll(List.of(directive)).map(results -> results.get(0));
    }

    /** Authentication accounts of several directives go in batchDelete calls; the rest per subject. */
    @Override
    public Uni<List<DirectiveResult>> applyAll(List<ProcessorDirective> directives) {
        List<Plan> plans = directives.stream().map(this::plan).toList();
        List<String> accounts = plans.stream().filter(p -> p.directive().getAction() != DirectiveAction.RESUME)
                .flatMap(p -> p.accounts().stream()).distinct().toList();
        Uni<AccountDeletions> batch = accounts.size() >= 2 ? deleteInBatches(accounts)
                : Uni.createFrom().item((AccountDeletions) null);
        return batch.chain(deleted -> SubjectLanes.run(plans, p -> p.directive().getSubjectId(),
                p -> carryOut(p, deleted).onFailure().recoverWithItem(DirectiveResult::failed)));
    }

    /**
     * The outcome of a poll's batch deletion: refused uids with their code, the uids a read-back still found, when it
     * was read back, or the call's failure.
     */
    private record AccountDeletions(Map<String, String> refused, Set<String> stillThere, java.time.Instant readAt,
            Throwable failure) {
    }

    private Uni<AccountDeletions> deleteInBatches(List<String> uids) {
        Map<String, String> refused = new HashMap<>();
        List<List<String>> chunks = new ArrayList<>();
        for (int i = 0; i < uids.size(); i += FirebaseClient.BATCH_DELETE_LIMIT) {
            chunks.add(uids.subList(i, Math.min(uids.size(), i + FirebaseClient.BATCH_DELETE_LIMIT)));
        }
        return Multi.createFrom().iterable(chunks)
                .onItem().transformToUniAndConcatenate(chunk -> firebase.deleteAccounts(chunk).invoke(refused::putAll))
                .collect().last()
                .chain(x -> firebase.existingAccounts(uids.stream().filter(u -> !refused.containsKey(u)).toList()))
                .map(existing -> new AccountDeletions(refused, existing, java.time.Instant.now(), null))
                .onFailure().recoverWithItem(e -> new AccountDeletions(refused, Set.of(), null, e));
    }

    /** What one independent step of a directive did: its effects and their proof. */
    private record Done(List<Effect> effects, List<ProofOfEffect> proofs) {
        static Done of(Effect effect, ProofOfEffect proof) {
            return new Done(List.of(effect), List.of(proof));
        }
    }

    private Uni<DirectiveResult> carryOut(Plan plan, AccountDeletions batch) {
        if (plan.directive().getAction() == DirectiveAction.RESUME) {
            return Uni.createFrom().item(DirectiveResult.notApplicable("the app resumes on the device"));
        }
        // independent steps (each app instance, each device and topic, the accounts) go at once: one after another,
        // a device on two topics took four calls' time, and a poll waits for its slowest directive
        List<Uni<Done>> steps = new ArrayList<>();
        List<String> done = new ArrayList<>();
        if (!plan.appInstances().isEmpty()) {
            done.add("analytics data deletion submitted to GA4" + count(plan.appInstances(), "app instances"));
            for (String appInstance : plan.appInstances()) {
                steps.add(Uni.createFrom().deferred(() -> firebase.deleteAnalyticsData(appInstance)
                        .map(evidence -> Done.of(Effect.APPLIED,
                                ProofOfEffect.unverified(NO_GA4_READ_BACK, List.of(evidence))))));
            }
        }
        if (!plan.tokens().isEmpty()) {
            done.add("device unsubscribed from " + plan.topics() + count(plan.tokens(), "devices"));
            for (String token : plan.tokens()) {
                for (String topic : plan.topics()) {
                    steps.add(Uni.createFrom().deferred(() -> firebase.unsubscribe(token, topic)
                            .chain(effect -> firebase.confirmUnsubscribed(token, topic)
                                    .map(evidence -> Done.of(effect, ProofOfEffect.verified(List.of(evidence)))))));
                }
            }
        }
        if (!plan.accounts().isEmpty()) {
            done.add("authentication account deleted" + count(plan.accounts(), "accounts"));
            steps.add(Uni.createFrom().deferred(() -> deleteAccounts(plan.accounts(), batch)));
        }
        return ProcessorCalls.allAtOnce(steps).map(all -> DirectiveResult.of(
                all.stream().flatMap(d -> d.effects().stream()).toList(), String.join(", ", done),
                "no Firebase identifier known for what the directive asks")
                .with(all.stream().flatMap(d -> d.proofs().stream()).reduce(ProofOfEffect.NONE, ProofOfEffect::and)));
    }

    private Uni<Done> deleteAccounts(List<String> uids, AccountDeletions batch) {
        if (batch == null) {
            return Multi.createFrom().iterable(uids)
                    .onItem().transformToUniAndConcatenate(uid -> firebase.deleteAccount(uid))
                    .collect().asList()
                    .chain(effects -> firebase.confirmAccountsGone(uids)
                            .map(evidence -> new Done(effects, List.of(ProofOfEffect.verified(List.of(evidence))))));
        }
        if (batch.failure() != null) {
            return Uni.createFrom().failure(batch.failure());
        }
        for (String uid : uids) {
            if (batch.refused().containsKey(uid)) {
                return Uni.createFrom().failure(CallFailure.permanent("auth-accounts-batch-delete: account refused: "
                        + batch.refused().get(uid)));
            }
        }
        String check = "identity toolkit POST projects/{project}/accounts:lookup";
        long left = uids.stream().filter(batch.stillThere()::contains).count();
        if (left > 0) {
            return Uni.createFrom().failure(CallFailure.contradicted("auth-accounts-read-back: " + left
                    + " account(s) still exist after batchDelete",
                    new Evidence(check, batch.readAt(), "200: " + left
                            + " account(s) still exist"))
                    .givenUpNow());
        }
        return Uni.createFrom().item(Done.of(Effect.APPLIED, ProofOfEffect.verified(List.of(new Evidence(check,
                batch.readAt(), "200 without these users: " + uids.size() + " account(s) gone")))));
    }

    /** " (N devices)" when there is more than one, for the receipt's detail. */
    private static String count(List<String> values, String what) {
        return values.size() > 1 ? " (" + values.size() + " " + what + ")" : "";
    }
}
