package no.elekt.consent.backfill;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import no.elekt.consent.config.CoreDisabled;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.identifiers.IdentifierStore;
import no.elekt.consent.ledger.ConsentStateRepository;
import no.elekt.consent.ledger.ConsentStateRepository.InForce;
import no.elekt.consent.outbox.Outbox;
import no.elekt.consent.policy.DirectivePlanner;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.propagation.DirectiveEvents;
import no.elekt.consent.propagation.Propagation;
import no.elekt.consent.propagation.PropagationRepository;

/**
 * Issues the directives of running backfills, a page per transaction through the normal outbox path: each page reads
 * the next decisions in force after the backfill's cursor, writes their propagations and directives, and moves the
 * cursor, together. So a backfill resumes where it stopped after a restart, replicas share it (the backfill's row is
 * locked for a page, skip locked), and a cancel takes effect at the next page. Every tick a backfill issues at most
 * its rate's worth.
 */
@ApplicationScoped
public class BackfillRunner {

    private static final Logger LOG = Logger.getLogger(BackfillRunner.class);

    private final BackfillConfig config;
    private final BackfillRepository backfills;
    private final ConsentStateRepository states;
    private final IdentifierStore identifiers;
    private final PropagationRepository propagations;
    private final DirectiveEvents directives;
    private final DirectivePlanner planner;
    private final Policy policy;
    private final Outbox outbox;
    private final Pool pool;
    private final MeterRegistry metrics;
    private final Map<String, AtomicLong> remaining = new ConcurrentHashMap<>();

    BackfillRunner(BackfillConfig config, BackfillRepository backfills, ConsentStateRepository states,
            IdentifierStore identifiers, PropagationRepository propagations, DirectiveEvents directives,
            DirectivePlanner planner, Policy policy, Outbox outbox, Pool pool, MeterRegistry metrics) {
        this.config = config;
        this.backfills = backfills;
        this.states = states;
        this.identifiers = identifiers;
        this.propagations = propagations;
        this.directives = directives;
        this.planner = planner;
        this.policy = policy;
        this.outbox = outbox;
        this.pool = pool;
        this.metrics = metrics;
        for (String processor : policy.processors().keySet()) {
            remaining.put(processor, new AtomicLong());
            Gauge.builder("consent_backfill_remaining", remaining.get(processor), AtomicLong::get)
                    .tag("processor", processor)
                    .description("Directives the running backfills have still to issue to the processor")
                    .register(metrics);
        }
    }


    @Scheduled(every = "${consent.backfill.tick:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = CoreDisabled.class)
    Uni<Void> tick() {
        return backfills.running(pool).chain(ids -> Multi.createFrom().iterable(ids)
                .onItem().transformToUniAndConcatenate(this::issueTick).collect().last())
                .chain(() -> backfills.remainingByProcessor(pool))
                .invoke(left -> remaining.forEach((processor, gauge) -> gauge.set(left.getOrDefault(processor, 0L))))
                .replaceWithVoid();
    }

    /** One tick of one backfill: pages until its rate's worth is issued, it has issued everything, or it stopped. */
    private Uni<Void> issueTick(UUID backfillId) {
        return pool.withTransaction(c -> backfills.lockRunning(c, backfillId))
                .chain(b -> b == null ? Uni.createFrom().voidItem()
                        : pages(backfillId, Math.max(1, (long) (b.rate() * config.tick().toMillis() / 1000.0))));
    }

    private Uni<Void> pages(UUID backfillId, long allowance) {
        int size = (int) Math.min(config.pageSize(), allowance);
        return pool.withTransaction(c -> page(c, backfillId, size)).chain(issued -> {
            if (issued < 0 || allowance - size <= 0) {
                return Uni.createFrom().voidItem();
            }
            return pages(backfillId, allowance - size);
        });
    }

    /** Issues the next page; answers how many rows it covered, or -1 when the backfill ended or is not running. */
    private Uni<Integer> page(SqlConnection c, UUID backfillId, int size) {
        return backfills.lockRunning(c, backfillId).chain(b -> {
            if (b == null) {
                return Uni.createFrom().item(-1);
            }
            return states.inForceAfter(c, b.purposes(), b.decision(), b.cursorSubject(), b.cursorPurpose(), size)
                    .chain(page -> {
                        if (page.isEmpty()) {
                            return backfills.end(c, backfillId, Backfill.Status.DONE)
                                    .invoke(() -> LOG.infof("Backfill %s done: %d directives issued to %s", backfillId,
                                            b.issued(), b.processor()))
                                    .replaceWith(-1);
                        }
                        return issue(c, b, page).replaceWith(page.size());
                    });
        });
    }

    private Uni<Void> issue(SqlConnection c, Backfill b, List<InForce> page) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<String> subjects = page.stream().map(InForce::subjectId).distinct().toList();
        return identifiers.loadAll(c, subjects).chain(known -> {
            List<Propagation> issued = new ArrayList<>();
            List<Outbox.Event> events = new ArrayList<>();
            for (InForce s : page) {
                DirectiveAction action = action(s, b.processor());
                if (action == null) {
                    continue;
                }
                Propagation p = Propagation.planned(s.changeId(), s.subjectId(), b.processor(), action,
                        now.plus(policy.deadlineFor(b.processor())), s.purpose(), s.version(), s.kind(), null, now);
                issued.add(p);
                events.add(directives.issued(p, known.getOrDefault(s.subjectId(), Map.of())));
            }
            InForce last = page.get(page.size() - 1);
            metrics.counter("consent_backfill_directives_issued", "processor", b.processor()).increment(issued.size());
            return directives.sealed(c, events).chain(sealed -> Uni.join().all(
                    propagations.insertForBackfill(c, b.backfillId(), issued), outbox.add(c, sealed),
                    backfills.advance(c, b.backfillId(), last.subjectId(), last.purpose(), issued.size()))
                    .andFailFast().replaceWithVoid());
        });
    }

    /**
     * The directive that carries out the decision in force at this processor: an erasure or an objection as a
     * deletion, an uninstall as a deletion where the processor holds app data, a restriction as a suppression, and
     * a consent decision as planned for it (a grant resumes, a withdrawal does the purpose's withdrawal action).
     */
    DirectiveAction action(InForce s, String processor) {
        if (s.kind() == ChangeKind.ERASURE || s.kind() == ChangeKind.OBJECTION
                || s.kind() == ChangeKind.APP_UNINSTALLED && policy.processor(processor).holdsAppData()) {
            return DirectiveAction.DELETE;
        }
        if (s.kind() == ChangeKind.RESTRICTION || s.decision() == null) {
            return DirectiveAction.SUPPRESS;
        }
        return planner.forDecision(s.purpose(), s.decision()).stream()
                .filter(d -> d.processor().equals(processor)).map(DirectivePlanner.Planned::action)
                .findFirst().orElse(null);
    }
}
