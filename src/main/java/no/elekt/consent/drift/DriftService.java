package no.elekt.consent.drift;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.backfill.InForceDirectives;
import no.elekt.consent.ledger.ConsentStateRepository;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.problem.InvalidFieldException;

/**
 * Drift for ops: what the processors' reconciliations found, and the repair: the directive in force issued again
 * for each drifted subject and purpose. A drift stays open until the next reconciliation finds the processor holding
 * what was applied; that, not the re-issue, is the proof it ended.
 */
@ApplicationScoped
public class DriftService {

    private static final Logger LOG = Logger.getLogger(DriftService.class);

    /** What one repair call did: directives issued, drifts covered, and whether more open drift is left. */
    public record Repair(String processor, int drifts, int directivesIssued, boolean more) {
    }

    private final DriftRepository drift;
    private final ConsentStateRepository states;
    private final InForceDirectives inForce;
    private final Policy policy;
    private final Pool pool;

    DriftService(DriftRepository drift, ConsentStateRepository states, InForceDirectives inForce, Policy policy,
            Pool pool) {
        this.drift = drift;
        this.states = states;
        this.inForce = inForce;
        this.policy = policy;
        this.pool = pool;
    }

    public Uni<List<Drift>> open(String processor, String afterSubject, String afterPurpose, int limit) {
        return drift.openAfter(pool, known(processor), afterSubject, afterPurpose, limit);
    }

    /**
     * Issues the directive in force again for the first {@code limit} open drifts at the processor, in one
     * transaction through the outbox; a call is bounded, so ops call again while {@code more} is true.
     */
    public Uni<Repair> repair(String processor, int limit, String requestedBy) {
        known(processor);
        return pool.withTransaction(c -> drift.openAfter(c, processor, "", "", limit + 1).chain(found -> {
            List<Drift> page = found.subList(0, Math.min(limit, found.size()));
            return states.inForceOf(c, page.stream().map(Drift::subjectId).toList(),
                    page.stream().map(Drift::purpose).toList())
                    .chain(decisions -> inForce.issue(c, processor, decisions, null))
                    .map(issued -> new Repair(processor, page.size(), issued.size(), found.size() > limit));
        })).invoke(r -> LOG.infof("Drift at %s repaired by %s: %d directive(s) issued again for %d drift(s)%s",
                processor, requestedBy, r.directivesIssued(), r.drifts(), r.more() ? ", more left" : ""));
    }

    private String known(String processor) {
        if (processor == null || policy.processor(processor) == null) {
            throw new InvalidFieldException("processor", "unknown processor; one of " + policy.processors().keySet());
        }
        return processor;
    }
}
