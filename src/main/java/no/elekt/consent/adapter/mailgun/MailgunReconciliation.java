package no.elekt.consent.adapter.mailgun;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.adapter.AdapterStartup;
import no.elekt.consent.adapter.Reconcilable;
import no.elekt.consent.adapter.Reconciliation;
import no.elekt.consent.events.DirectiveAction;

/**
 * Mailgun's side of reconciliation: every unsubscribe of the domain and every member of the configured lists, read
 * page by page within the adapter's rate limit, compared with the action applied last per subject and purpose:
 * SUPPRESS or DELETE means each of the subject's addresses is unsubscribed from the purpose's tag (or from "*"), and
 * DELETE also that it is on no configured list; RESUME means not unsubscribed from the purpose's tag ("*" left by an
 * erasure stays, by design). Scheduled in the Mailgun adapter's role ({@code consent.adapters.mailgun.reconciliation}).
 */
@ApplicationScoped
public class MailgunReconciliation implements Reconcilable {

    private final MailgunClient mailgun;
    private final MailgunConfig config;
    private final Reconciliation reconciliation;
    private final AdapterStartup adapters;

    MailgunReconciliation(MailgunClient mailgun, MailgunConfig config, Reconciliation reconciliation,
            AdapterStartup adapters) {
        this.mailgun = mailgun;
        this.config = config;
        this.reconciliation = reconciliation;
        this.adapters = adapters;
    }

    @Scheduled(every = "${consent.adapters.mailgun.reconciliation.every}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        if (!adapters.enabled(processor()) || !config.reconciliation().enabled()) {
            return Uni.createFrom().voidItem();
        }
        return run().replaceWithVoid().onFailure().recoverWithNull();
    }

    /** One run now (the schedule's, or ops' and tests'). */
    public Uni<Reconciliation.Report> run() {
        return reconciliation.run(this, config.reconciliation().pageSize());
    }

    @Override
    public String processor() {
        return "mailgun";
    }

    @Override
    public String identifierType() {
        return "email";
    }

    @Override
    public Uni<Holdings> readHoldings() {
        List<String> lists = config.lists().orElse(List.of());
        Map<String, Set<String>> members = new HashMap<>();
        return mailgun.allUnsubscribes()
                .chain(unsubscribes -> Multi.createFrom().iterable(lists)
                        .onItem().transformToUniAndConcatenate(list -> mailgun.allMembers(list)
                                .invoke(m -> members.put(list, m)))
                        .collect().asList()
                        .map(x -> (Holdings) (purpose, applied, addresses) -> compare(purpose, applied, addresses,
                                unsubscribes, members)));
    }

    private Drift compare(String purpose, DirectiveAction applied, List<String> addresses,
            Map<String, Set<String>> unsubscribes, Map<String, Set<String>> members) {
        String tag = config.tags().getOrDefault(purpose, purpose);
        List<String> problems = new ArrayList<>();
        int n = 0;
        for (String address : addresses) {
            n++;
            Set<String> tags = unsubscribes.getOrDefault(address, Set.of());
            if (applied == DirectiveAction.RESUME) {
                if (tags.contains(tag)) {
                    problems.add("address " + n + " unsubscribed from " + tag);
                }
                continue;
            }
            if (!tags.contains(tag) && !tags.contains("*")) {
                problems.add("address " + n + " not unsubscribed from " + tag);
            }
            if (applied == DirectiveAction.DELETE) {
                members.forEach((list, on) -> {
                    if (on.contains(address)) {
                        problems.add("an address still on a configured list");
                    }
                });
            }
        }
        if (problems.isEmpty()) {
            return null;
        }
        String expected = applied == DirectiveAction.RESUME ? "not unsubscribed from " + tag
                : "unsubscribed from " + tag + (applied == DirectiveAction.DELETE ? " and on no list" : "");
        String found = String.join("; ", problems.stream().distinct().toList());
        return new Drift(expected, found.length() > 120 ? found.substring(0, 117) + "..." : found);
    }
}
