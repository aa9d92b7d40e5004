package no.elekt.consent.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import jakarta.enterprise.context.ApplicationScoped;

import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.Decision;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.problem.InvalidFieldException;

/** Decides, from the policy, which processor must do what after a change or a rights request. */
@ApplicationScoped
public class DirectivePlanner {

    public record Planned(String processor, DirectiveAction action) {
    }

    /** What a rights request does to one purpose: the decision the ledger records (null keeps it) and the directives. */
    public record PurposePlan(String purpose, Decision decision, List<Planned> directives) {
    }

    private final Policy policy;

    DirectivePlanner(Policy policy) {
        this.policy = policy;
    }

    /**
     * GRANTED sends RESUME to every processor of the purpose (those that cannot resume answer NOT_APPLICABLE, and the
     * newer version still supersedes older work); WITHDRAWN sends the purpose's withdrawal action (§11.1).
     */
    public List<Planned> forDecision(String purposeId, Decision decision) {
        Policy.Purpose purpose = policy.purposes().get(purposeId);
        DirectiveAction action = decision == Decision.GRANTED ? DirectiveAction.RESUME : purpose.onWithdrawn();
        return purpose.processors().stream().map(p -> new Planned(p, action)).toList();
    }

    /**
     * Plans a rights request over the purposes it names (null: every purpose it can apply to), one plan per purpose.
     * Refuses, naming {@code purposes}, an unknown purpose or one the request cannot apply to.
     * <p>
     * Decisions recorded: ERASURE, OBJECTION and APP_UNINSTALLED record WITHDRAWN for each affected purpose, so the
     * decision in force says processing has stopped and nothing resumes unless the subject grants it again (a later
     * GRANTED is a new, newer change). RESTRICTION records no decision (null keeps the one in force): art. 18 pauses
     * processing without the subject taking back a consent, and lifting it must restore what was there.
     */
    public List<PurposePlan> forRequest(ChangeKind kind, List<String> requested) {
        List<String> purposes = purposesOf(requested);
        List<PurposePlan> plans = new ArrayList<>();
        for (String id : purposes) {
            Policy.Purpose purpose = policy.purposes().get(id);
            switch (kind) {
                // art. 17: every processor holding data for the purpose deletes it
                case ERASURE -> plans.add(plan(id, Decision.WITHDRAWN, purpose.processors(), DirectiveAction.DELETE));
                // art. 21: only purposes processed on legitimate interest; DELETE also suppresses at our adapters
                case OBJECTION -> {
                    if (purpose.objectionAllowed()) {
                        plans.add(plan(id, Decision.WITHDRAWN, purpose.processors(), DirectiveAction.DELETE));
                    } else if (requested != null) {
                        throw new InvalidFieldException("purposes", "'" + id + "' is processed on consent only, so "
                                + "there is nothing to object to: withdraw the consent instead (POST /v1/consent-changes)");
                    }
                }
                // art. 18: stop processing everywhere, delete nothing
                case RESTRICTION -> plans.add(plan(id, null, purpose.processors(), DirectiveAction.SUPPRESS));
                // §11.1: data collected through the app is deleted at the processors that hold it
                case APP_UNINSTALLED -> {
                    List<String> appData = purpose.processors().stream()
                            .filter(p -> policy.processor(p).holdsAppData()).toList();
                    if (!appData.isEmpty()) {
                        plans.add(plan(id, Decision.WITHDRAWN, appData, DirectiveAction.DELETE));
                    } else if (requested != null) {
                        throw new InvalidFieldException("purposes",
                                "'" + id + "' has no processor holding data collected through the app");
                    }
                }
                case DECISION -> throw new IllegalArgumentException("a consent decision is not a rights request");
            }
        }
        return plans;
    }

    private List<String> purposesOf(List<String> requested) {
        if (requested == null) {
            return List.copyOf(new TreeSet<>(policy.purposes().keySet()));
        }
        if (requested.isEmpty()) {
            throw new InvalidFieldException("purposes", "names no purpose; leave it out for every purpose");
        }
        for (String id : requested) {
            if (policy.purpose(id).isEmpty()) {
                throw new InvalidFieldException("purposes",
                        "unknown purpose '" + id + "'; one of " + new TreeSet<>(policy.purposes().keySet()));
            }
        }
        return List.copyOf(new TreeSet<>(requested));
    }

    private static PurposePlan plan(String purpose, Decision decision, List<String> processors,
            DirectiveAction action) {
        return new PurposePlan(purpose, decision, processors.stream().map(p -> new Planned(p, action)).toList());
    }
}
