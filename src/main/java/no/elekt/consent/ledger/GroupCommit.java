package no.elekt.consent.ledger;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import no.elekt.consent.idempotency.IdempotencyRepository;
import no.elekt.consent.idempotency.IdempotentSubmission;
import no.elekt.consent.idempotency.IdempotentSubmission.Submitted;
import no.elekt.consent.lanes.SubjectLanes;
import no.elekt.consent.ledger.ChangeIntake.Prepared;
import no.elekt.consent.problem.InvalidFieldException;
import no.elekt.consent.problem.ProblemException;

/**
 * The REST intake's writer: concurrent decisions are recorded together, one transaction (one commit, one flush of
 * the write-ahead log) for up to {@code max-items} of them, collected for at most {@code max-wait-micros} after the
 * first; each caller is answered only after that commit. The changes are taken by subject and purpose, arrival order
 * kept among those of one subject and purpose, and prepared a lane per subject, the subjects side by side (see
 * {@link SubjectLanes}: their statements share round trips); their rows are then written in a statement per table
 * for all of them ({@link ChangeRecorder#write}). If any fails, the transaction is recorded again change by
 * change, each inside a savepoint of its own, so one that fails (an Idempotency-Key reused with another body, an
 * identifier beyond the bound) is undone alone and fails only its caller; one that fails there for another reason (a
 * deadlock with another writer) is recorded again alone, as without group commit.
 */
@ApplicationScoped
public class GroupCommit {

    @ConfigMapping(prefix = "consent.intake.group-commit")
    public interface Settings {
        /** Off: each decision is recorded in a transaction of its own. */
        @WithDefault("true")
        boolean enabled();

        /**
         * The most decisions in one transaction. Recorded again change by change (after a failure), each is a
         * subtransaction (its savepoint), and PostgreSQL slows every snapshot once a transaction has more than 64.
         */
        @WithDefault("32")
        @Min(1)
        @Max(64)
        int maxItems();

        /** How long the first decision of a transaction waits for others to join it. */
        @WithDefault("500")
        @Min(0)
        int maxWaitMicros();
    }

    /** Changes of one subject and purpose in arrival order (the sort is stable); subjects in one order. */
    private static final Comparator<Waiting> BY_STATE_ROW = Comparator
            .<Waiting, String>comparing(w -> w.prepared().change().subjectId())
            .thenComparing(w -> w.prepared().change().purpose());

    private final Settings settings;
    private final ChangeRecorder recorder;
    private final ConsentRecordRepository records;
    private final IdempotencyRepository keys;
    private final IdempotentSubmission submission;
    private final LedgerReads reads;
    private final Pool pool;
    private final DistributionSummary sizes;
    private final Counter recordedAgain;
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "consent-group-commit");
        thread.setDaemon(true);
        return thread;
    });

    /** The transaction still collecting, or none. */
    private List<Waiting> open;

    GroupCommit(Settings settings, ChangeRecorder recorder, ConsentRecordRepository records, IdempotencyRepository keys,
            IdempotentSubmission submission, LedgerReads reads, Pool pool, MeterRegistry metrics) {
        this.settings = settings;
        this.recorder = recorder;
        this.records = records;
        this.keys = keys;
        this.submission = submission;
        this.reads = reads;
        this.pool = pool;
        this.sizes = DistributionSummary.builder("consent_intake_group_commit_size")
                .description("Decisions recorded per transaction by the REST intake").register(metrics);
        this.recordedAgain = Counter.builder("consent_intake_group_commit_recorded_again")
                .description("Shared transactions that failed and were recorded again change by change")
                .register(metrics);
    }

    /** Records one decision, with others if group commit is on; a repeated key answers the change it made. */
    public Uni<Submitted<ChangeView>> record(Prepared p) {
        if (!settings.enabled()) {
            return alone(p);
        }
        return Uni.createFrom().emitter(emitter -> join(new Waiting(p, emitter, Vertx.currentContext())));
    }

    /** Records these decisions in one transaction, whatever the settings: how the tests make a batch. */
    List<Uni<Submitted<ChangeView>>> together(List<Prepared> changes) {
        List<Waiting> batch = new ArrayList<>();
        List<Uni<Submitted<ChangeView>>> answers = changes.stream()
                .map(p -> Uni.createFrom().<Submitted<ChangeView>>emitter(
                        emitter -> batch.add(new Waiting(p, emitter, Vertx.currentContext())))
                        .memoize().indefinitely())
                .toList();
        answers.forEach(answer -> answer.subscribe().with(x -> {
        }, x -> {
        }));
        write(batch);
        return answers;
    }

    /** A transaction of its own: the path without group commit, and the second chance of a change that failed in one. */
    private Uni<Submitted<ChangeView>> alone(Prepared p) {
        return submission.submit(p.key(), p.requestHash(), p.changeId(),
                connection -> recorder.append(connection, p.change(), p.changeId(), p.traceparent())
                        .map(ChangeView::of),
                reads::change);
    }

    private void join(Waiting waiting) {
        List<Waiting> full = null;
        synchronized (this) {
            if (open == null) {
                List<Waiting> collecting = new ArrayList<>();
                // refused once the service stops: the caller's Uni fails
                clock.schedule(() -> flush(collecting), settings.maxWaitMicros(), TimeUnit.MICROSECONDS);
                open = collecting;
            }
            open.add(waiting);
            if (open.size() >= settings.maxItems()) {
                full = open;
                open = null;
            }
        }
        if (full != null) {
            write(full);
        }
    }

    /** The wait is over for this transaction, unless it filled up before. */
    private void flush(List<Waiting> collecting) {
        synchronized (this) {
            if (open != collecting) {
                return;
            }
            open = null;
        }
        write(collecting);
    }

    private void write(List<Waiting> batch) {
        sizes.record(batch.size());
        List<Waiting> ordered = batch.stream().sorted(BY_STATE_ROW).toList();
        pool.withTransaction(connection -> SubjectLanes.run(ordered, w -> w.prepared().change().subjectId(),
                waiting -> claimAndPrepare(connection, waiting))
                .chain(claimed -> written(connection, claimed)))
                .subscribe().with(outcomes -> outcomes.forEach(this::answer), failure -> {
                    recordedAgain.increment();
                    writeOneByOne(ordered);
                });
    }

    /** A change found under its key (made before), or prepared to be written with the others. */
    private record Claimed(Waiting waiting, UUID before, ChangeRecorder.Pending pending) {
    }

    private Uni<Claimed> claimAndPrepare(SqlConnection connection, Waiting waiting) {
        Prepared p = waiting.prepared();
        return keys.claim(connection, p.key(), p.requestHash(), p.changeId())
                .chain(before -> before != null ? Uni.createFrom().item(new Claimed(waiting, before, null))
                        : recorder.prepare(connection, p.change(), p.changeId(), p.traceparent())
                                .map(pending -> new Claimed(waiting, null, pending)));
    }

    /** Writes the prepared changes' rows together; what became of each change. */
    private Uni<List<Outcome>> written(SqlConnection connection, List<Claimed> claimed) {
        List<Claimed> made = claimed.stream().filter(c -> c.pending() != null).toList();
        return recorder.write(connection, made.stream().map(Claimed::pending).toList()).map(recorded -> {
            List<Outcome> outcomes = new ArrayList<>();
            for (int i = 0; i < made.size(); i++) {
                outcomes.add(new Outcome(made.get(i).waiting(), ChangeView.of(recorded.get(i)), null, null));
            }
            claimed.stream().filter(c -> c.pending() == null)
                    .forEach(c -> outcomes.add(new Outcome(c.waiting(), null, c.before(), null)));
            return outcomes;
        });
    }

    /** The transaction again, one change after the other, each inside its savepoint: one at fault fails alone. */
    private void writeOneByOne(List<Waiting> ordered) {
        pool.withTransaction(connection -> Multi.createFrom().iterable(ordered)
                .onItem().transformToUniAndConcatenate(waiting -> attempt(connection, waiting))
                .collect().asList())
                .subscribe().with(outcomes -> outcomes.forEach(this::answer),
                        failure -> ordered.forEach(waiting -> waiting.fail(failure)));
    }

    /** One change inside its savepoint: made, found under its key, or undone with why. */
    private Uni<Outcome> attempt(SqlConnection connection, Waiting waiting) {
        // the savepoint is sent with the change's first statement (one round trip): the database runs them in order
        Uni<Outcome> recorded = claimAndPrepare(connection, waiting)
                .chain(claimed -> written(connection, List.of(claimed)))
                .map(outcomes -> outcomes.get(0));
        return Uni.combine().all().unis(records.savepoint(connection).replaceWith(0), recorded).asTuple()
                .map(sent -> sent.getItem2())
                .onFailure().recoverWithUni(failure -> records.rollbackToSavepoint(connection)
                        .replaceWith(new Outcome(waiting, null, null, failure)));
    }

    /** After the commit. */
    private void answer(Outcome outcome) {
        Waiting waiting = outcome.waiting();
        if (outcome.made() != null) {
            waiting.complete(new Submitted<>(outcome.made(), false));
        } else if (outcome.before() != null) {
            waiting.pipe(reads.change(outcome.before()).map(found -> new Submitted<>(found, true)));
        } else if (outcome.failure() instanceof ProblemException
                || outcome.failure() instanceof InvalidFieldException) {
            waiting.fail(outcome.failure());
        } else {
            waiting.pipe(alone(waiting.prepared()));
        }
    }

    @PreDestroy
    void close() {
        clock.shutdown();
        List<Waiting> last;
        synchronized (this) {
            last = open;
            open = null;
        }
        if (last != null) {
            write(last);
        }
    }

    /** A caller waiting for its change, answered on its own Vert.x context (its request's) when it has one. */
    private record Waiting(Prepared prepared, UniEmitter<? super Submitted<ChangeView>> emitter, Context context) {

        void complete(Submitted<ChangeView> submitted) {
            on(() -> emitter.complete(submitted));
        }

        void fail(Throwable failure) {
            on(() -> emitter.fail(failure));
        }

        void pipe(Uni<Submitted<ChangeView>> answer) {
            answer.subscribe().with(this::complete, this::fail);
        }

        private void on(Runnable action) {
            if (context == null) {
                action.run();
            } else {
                context.runOnContext(x -> action.run());
            }
        }
    }

    /** What became of one change in its transaction: made now, made before under its key, or failed. */
    private record Outcome(Waiting waiting, ChangeView made, UUID before, Throwable failure) {
    }
}
