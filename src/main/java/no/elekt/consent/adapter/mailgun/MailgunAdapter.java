package no.elekt.consent.adapter.mailgun;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
 * Mailgun: SUPPRESS and DELETE unsubscribe the address from the purposes' tags (erasure: from everything, "*"),
 * DELETE also removes it from the configured mailing lists, RESUME removes the purposes' unsubscribe entries.
 * On erasure the unsubscribe entry stays: it is the minimum that keeps an erased person from being mailed again.
 * Directives are consumed in batches, and when several wait, their unsubscribes go in one bulk call.
 */
@ApplicationScoped
public class MailgunAdapter implements ProcessorAdapter {

    static final String ALL_TAGS = "*";

    private final MailgunClient mailgun;
    private final MailgunConfig config;

    MailgunAdapter(MailgunClient mailgun, MailgunConfig config) {
        this.mailgun = mailgun;
        this.config = config;
    }

    /** The domain and every configured list exist in the configured region, with this API key. */
    @Override
    public Uni<Void> checkAtStart() {
        Uni<Void> checks = mailgun.checkDomain().onFailure(CallFailure.class).transform(e -> refused((CallFailure) e,
                "CONSENT_ADAPTERS_MAILGUN_DOMAIN / _BASE_URL (the domain's region) / _API_KEY"));
        for (String list : config.lists().orElse(List.of())) {
            checks = checks.chain(() -> mailgun.checkList(list).onFailure(CallFailure.class).transform(e -> refused(
                    (CallFailure) e, "CONSENT_ADAPTERS_MAILGUN_LISTS (a list of the domain's region)")));
        }
        return checks;
    }

    private static Throwable refused(CallFailure failure, String settings) {
        return failure.retryable() ? failure
                : new StartupCheckFailed("Mailgun refused (" + failure.getMessage() + "): check " + settings);
    }

    @Override
    public List<String> missingSettings() {
        return new MissingSettings()
                .require(config.apiKey(), "CONSENT_ADAPTERS_MAILGUN_API_KEY")
                .require(config.domain(), "CONSENT_ADAPTERS_MAILGUN_DOMAIN")
                .names();
    }

    @Override
    public String processor() {
        return "mailgun";
    }

    /** What one directive asks of Mailgun, for each of the subject's addresses. */
    private record Plan(ProcessorDirective directive, List<String> addresses, List<String> tags) {
        boolean unsubscribes() {
            return directive.getAction() != DirectiveAction.RESUME;
        }
    }

    @Override
    public Uni<DirectiveResult> apply(ProcessorDirective directive) {
        return applyAll(List.of(directive)).map(results -> results.get(0));
    }

    @Override
    public Uni<List<DirectiveResult>> applyAll(List<ProcessorDirective> directives) {
        List<Plan> plans = directives.stream().map(this::plan).toList();
        List<Plan> unsubscribing = plans.stream().filter(p -> !p.addresses().isEmpty() && p.unsubscribes()).toList();
        boolean bulk = unsubscribing.size() >= Math.max(2, config.bulkThreshold());
        Uni<Map<Plan, Throwable>> bulkFailures = bulk ? unsubscribeInBulk(unsubscribing)
                : Uni.createFrom().item(Map.of());
        return bulkFailures.chain(failures -> SubjectLanes.run(plans, plan -> plan.directive().getSubjectId(),
                plan -> failures.containsKey(plan)
                        ? Uni.createFrom().item(DirectiveResult.failed(failures.get(plan)))
                        : carryOut(plan, bulk).onFailure().recoverWithItem(DirectiveResult::failed)));
    }

    private Plan plan(ProcessorDirective directive) {
        List<String> tags = directive.getKind() == ChangeKind.ERASURE ? List.of(ALL_TAGS)
                : directive.getPurposes().stream().map(PurposeVersion::getPurpose)
                        .map(purpose -> config.tags().getOrDefault(purpose, purpose)).distinct().toList();
        return new Plan(directive, IdentifierValues.of(directive, "email"), tags);
    }

    /** One unsubscribe of one address, for the bulk call. */
    private record Entry(Plan plan, MailgunClient.Unsubscribe unsubscribe) {
    }

    /** One bulk call per 1,000 unsubscribes; answers the failure of each plan with an entry in a chunk that failed. */
    private Uni<Map<Plan, Throwable>> unsubscribeInBulk(List<Plan> plans) {
        List<Entry> entries = plans.stream().flatMap(p -> p.addresses().stream().map(address -> new Entry(p,
                new MailgunClient.Unsubscribe(address, p.tags(), p.directive().getIssuedAt())))).toList();
        List<List<Entry>> chunks = new ArrayList<>();
        for (int i = 0; i < entries.size(); i += MailgunClient.BULK_LIMIT) {
            chunks.add(entries.subList(i, Math.min(entries.size(), i + MailgunClient.BULK_LIMIT)));
        }
        Map<Plan, Throwable> failures = new HashMap<>();
        return Multi.createFrom().iterable(chunks)
                .onItem().transformToUniAndConcatenate(chunk -> mailgun.unsubscribeAll(
                        chunk.stream().map(Entry::unsubscribe).toList())
                        .onFailure().invoke(e -> chunk.forEach(entry -> failures.put(entry.plan(), e)))
                        .onFailure().recoverWithNull())
                .collect().last()
                .map(x -> failures);
    }

    private Uni<DirectiveResult> carryOut(Plan plan, boolean unsubscribedInBulk) {
        if (plan.addresses().isEmpty()) {
            return Uni.createFrom().item(DirectiveResult.notApplicable("no e-mail address is known for the subject"));
        }
        List<Uni<Effect>> calls = new ArrayList<>();
        String done;
        List<String> lists = config.lists().orElse(List.of());
        for (String address : plan.addresses()) {
            if (plan.unsubscribes()) {
                if (unsubscribedInBulk) {
                    calls.add(Uni.createFrom().item(Effect.APPLIED));
                } else {
                    plan.tags().forEach(tag -> calls.add(Uni.createFrom().deferred(() -> mailgun.unsubscribe(address,
                            tag))));
                }
                if (plan.directive().getAction() == DirectiveAction.DELETE) {
                    lists.forEach(list -> calls.add(Uni.createFrom().deferred(() -> mailgun.removeListMember(list,
                            address))));
                }
            } else {
                plan.tags().forEach(tag -> calls.add(Uni.createFrom().deferred(() -> mailgun.removeUnsubscribe(address,
                        tag))));
            }
        }
        if (plan.unsubscribes()) {
            done = "unsubscribed from " + plan.tags();
            if (plan.directive().getAction() == DirectiveAction.DELETE) {
                done += " and removed from " + lists.size() + " mailing list(s)";
            }
        } else {
            done = "unsubscribe removed for " + plan.tags();
        }
        String summary = done + (plan.addresses().size() > 1 ? ", for " + plan.addresses().size() + " addresses" : "");
        // the calls touch different things (a tag's unsubscribe, a list's membership): at once, then the read-backs
        return ProcessorCalls.allAtOnce(calls)
                .chain(effects -> readBack(plan, lists).map(proof -> DirectiveResult.of(effects, summary,
                        "nothing to do").with(proof)));
    }

    /**
     * After a suppression or deletion, what Mailgun holds is read back: each address unsubscribed from the tags, and
     * (deletion) on none of the lists. A resumption is not read back.
     */
    private Uni<ProofOfEffect> readBack(Plan plan, List<String> lists) {
        if (!plan.unsubscribes()) {
            return Uni.createFrom().item(ProofOfEffect.NONE);
        }
        List<Uni<Evidence>> checks = new ArrayList<>();
        for (String address : plan.addresses()) {
            checks.add(Uni.createFrom().deferred(() -> mailgun.confirmUnsubscribed(address, plan.tags())));
            if (plan.directive().getAction() == DirectiveAction.DELETE) {
                lists.forEach(list -> checks.add(Uni.createFrom().deferred(() -> mailgun.confirmNotMember(list,
                        address))));
            }
        }
        return ProcessorCalls.allAtOnce(checks).map(ProofOfEffect::verified);
    }
}
