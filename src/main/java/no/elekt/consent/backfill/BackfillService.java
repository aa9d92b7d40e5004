package no.elekt.consent.backfill;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.ledger.ConsentStateRepository;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.problem.InvalidFieldException;
import no.elekt.consent.problem.ProblemException;
import no.elekt.consent.propagation.PropagationRepository;

/** Starts, shows and cancels backfills; {@link BackfillRunner} issues their directives. */
@ApplicationScoped
public class BackfillService {

    private static final Logger LOG = Logger.getLogger(BackfillService.class);

    private final Policy policy;
    private final BackfillConfig config;
    private final BackfillRepository backfills;
    private final ConsentStateRepository states;
    private final PropagationRepository propagations;
    private final Pool pool;

    BackfillService(Policy policy, BackfillConfig config, BackfillRepository backfills, ConsentStateRepository states,
            PropagationRepository propagations, Pool pool) {
        this.policy = policy;
        this.config = config;
        this.backfills = backfills;
        this.states = states;
        this.propagations = propagations;
        this.pool = pool;
    }

    /** Checks the request against the policy (refusing it before anything is stored), counts what it covers, starts it. */
    public Uni<BackfillView> start(BackfillRequest request, String requestedBy) {
        double maxRate = checked(request);
        double rate = request.rate() == null ? maxRate : Math.min(request.rate(), maxRate);
        List<String> purposes = request.purposes().stream().distinct().sorted().toList();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        return states.countInForce(pool, purposes, request.decision()).chain(total -> {
            Backfill backfill = new Backfill(UUID.randomUUID(), request.processor(), purposes, request.decision(),
                    Backfill.Status.RUNNING, rate, total, 0, "", "", requestedBy, now, now, null);
            return backfills.insert(pool, backfill).invoke(() -> LOG.infof(
                    "Backfill %s started by %s: %d decisions in force of %s to %s, at most %.0f a second",
                    backfill.backfillId(), requestedBy, total, purposes, request.processor(), rate))
                    .chain(() -> view(backfill));
        });
    }

    public Uni<BackfillView> find(UUID backfillId) {
        return backfills.find(pool, backfillId)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("Backfill " + backfillId))
                .chain(this::view);
    }

    public Uni<List<BackfillView>> list(int limit) {
        return backfills.list(pool, limit).chain(list -> Multi.createFrom().iterable(list)
                .onItem().transformToUniAndConcatenate(this::view).collect().asList());
    }

    /** Stops a running backfill after the page it may be issuing; what it issued stays issued. */
    public Uni<BackfillView> cancel(UUID backfillId, String requestedBy) {
        return backfills.end(pool, backfillId, Backfill.Status.CANCELLED).chain(cancelled -> {
            if (!cancelled) {
                return find(backfillId).invoke(b -> {
                    throw new ProblemException(409, "Backfill not running",
                            "Backfill " + backfillId + " is already " + b.status());
                });
            }
            LOG.infof("Backfill %s cancelled by %s", backfillId, requestedBy);
            return find(backfillId);
        });
    }

    private Uni<BackfillView> view(Backfill b) {
        return propagations.progressOfBackfill(pool, b.backfillId())
                .map(progress -> BackfillView.of(b, progress, Instant.now()));
    }

    /** The processor's highest backfill rate, once the request is known to fit the policy. */
    private double checked(BackfillRequest request) {
        if (policy.processor(request.processor()) == null) {
            throw new InvalidFieldException("processor", "unknown processor; one of " + policy.processors().keySet());
        }
        for (String purpose : request.purposes()) {
            Policy.Purpose p = policy.purposes().get(purpose);
            if (p == null) {
                throw new InvalidFieldException("purposes", "unknown purpose '" + purpose + "'; one of "
                        + policy.purposes().keySet());
            }
            if (!p.processors().contains(request.processor())) {
                throw new InvalidFieldException("purposes", "'" + purpose + "' is not processed by "
                        + request.processor() + " (policy: " + p.processors() + ")");
            }
        }
        return config.rates().getOrDefault(request.processor(), config.defaultRate());
    }

    /** The rates configured, by processor. */
    Map<String, Double> rates() {
        return config.rates();
    }
}
