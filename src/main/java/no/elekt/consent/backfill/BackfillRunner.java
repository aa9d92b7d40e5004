package no.elekt.consent.backfill;

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
import no.elekt.consent.ledger.ConsentStateRepository;
import no.elekt.consent.ledger.ConsentStateRepository.InForce;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.propagation.PropagationRepository;

/**
 * Issues the directives of running backfills, a page per transaction through the normal outbox path: each page reads
 * the next decisions in force after the backfill's cursor, writes their propagations and directives, and moves the
 * cursor, together. So a backfill resumes where it stopped after a restart, replicas share it (the backfill's row is
 * locked for a page, skip locked), and a cancel takes effect at the next page. Every tick a backfill issues at most
 * its rate's worth, and never more than {@code consent.backfill.max-pending} directives its adapter has not answered.
 */
@ApplicationScoped
public class BackfillRunner {

    private static final Logger LOG = Logger.getLogger(BackfillRunner.class);

    private final BackfillConfig config;
    private final BackfillRepository backfills;
    private final ConsentStateRepository states;
    private final InForceDirectives inForce;
    private final PropagationRepository propagations;
    private final Pool pool;
    private final MeterRegistry metrics;
    private final Map<String, AtomicLong> remaining = new ConcurrentHashMap<>();

    BackfillRunner(BackfillConfig config, BackfillRepository backfills, ConsentStateRepository states,
            InForceDirectives inForce, PropagationRepository propagations, Policy policy, Pool pool,
            MeterRegistry metrics) {
        this.config = config;
        this.backfills = backfills;
        this.states = states;
        this.inForce = inForce;
        this.propagations = propagations;
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

    /**
     * One tick of one backfill: pages until its rate's worth is issued, its adapter has {@code max-pending} of its
     * directives to answer, it has issued everything, or it stopped.
     */
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

    /**
     * Issues the next page, no larger than its adapter leaves room for (counted under the backfill's lock, so replicas
     * keep the bound together); answers how many rows it covered, or -1 when the backfill ended, is not running, or
     * waits for its adapter.
     */
    private Uni<Integer> page(SqlConnection c, UUID backfillId, int size) {
        return backfills.lockRunning(c, backfillId).chain(b -> b == null ? Uni.createFrom().item(-1)
                : propagations.pendingOfBackfill(c, backfillId).chain(pending -> {
                    int room = (int) Math.min(size, config.maxPending() - pending);
                    return room <= 0 ? Uni.createFrom().item(-1) : issueNextPage(c, b, room);
                }));
    }

    /** The next decisions in force after the cursor, issued; none left: the backfill is DONE (-1). */
    private Uni<Integer> issueNextPage(SqlConnection c, Backfill b, int size) {
        return states.inForceAfter(c, b.purposes(), b.decision(), b.cursorSubject(), b.cursorPurpose(), size)
                .chain(page -> {
                    if (page.isEmpty()) {
                        return backfills.end(c, b.backfillId(), Backfill.Status.DONE)
                                .invoke(() -> LOG.infof("Backfill %s done: %d directives issued to %s",
                                        b.backfillId(), b.issued(), b.processor()))
                                .replaceWith(-1);
                    }
                    return issue(c, b, page).replaceWith(page.size());
                });
    }

    private Uni<Void> issue(SqlConnection c, Backfill b, List<InForce> page) {
        InForce last = page.get(page.size() - 1);
        return inForce.issue(c, b.processor(), page, b.backfillId()).chain(issued -> {
            metrics.counter("consent_backfill_directives_issued", "processor", b.processor()).increment(issued.size());
            return backfills.advance(c, b.backfillId(), last.subjectId(), last.purpose(), issued.size());
        }).replaceWithVoid();
    }
}
