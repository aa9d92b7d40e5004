package no.elekt.consent.policy;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import no.elekt.consent.events.Decision;
import no.elekt.consent.events.DirectiveAction;

/** Decides, from the policy, which processor must do what after a change. */
@ApplicationScoped
public class DirectivePlanner {

    public record Planned(String processor, DirectiveAction action) {
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
}
