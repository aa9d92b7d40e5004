package no.elekt.consent.lanes;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import io.smallrye.mutiny.Uni;

/**
 * One consumer's polls handled while the polls before them still run, at most {@code limit} at a time: a poll starts
 * once every earlier poll that shares a subject with it has ended, so a subject's work keeps its order across polls,
 * and other subjects need not wait for a slow poll. {@link SubjectLanes} does the same within a poll.
 * <p>
 * Why: an adapter that waits for a whole poll before taking the next makes every directive wait for the slowest of
 * the poll before it (its processor's calls and read-backs, its bookkeeping), so latency grew with the load long
 * before the machine was busy (src/test/bench/RESULTS.md). Offsets stay safe: the caller acknowledges each poll when
 * its work ends, and the connector's throttled commit strategy commits only up to the oldest poll not yet
 * acknowledged, so a poll is redelivered after a crash unless it and every poll before it were done.
 */
public final class OverlappingPolls {

    private final int limit;
    private final Map<String, CompletableFuture<Void>> lastOfSubject = new HashMap<>();
    private final Queue<CompletableFuture<Void>> waitingForRoom = new ArrayDeque<>();
    private int running;

    public OverlappingPolls(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("at least one poll must run, not " + limit);
        }
        this.limit = limit;
    }

    /**
     * Takes in a poll of these subjects: the returned Uni completes once there is room for it (the caller may then
     * take the next poll), and {@code work} is subscribed to once the earlier polls of its subjects have ended, however
     * they ended. The work must settle its own poll (acknowledge or refuse it): how it ends is not seen here.
     */
    public Uni<Void> submit(Collection<String> subjects, Uni<Void> work) {
        Set<String> own = Set.copyOf(subjects);
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<Void> ended = new CompletableFuture<>();
            List<CompletableFuture<Void>> before = new ArrayList<>();
            CompletableFuture<Void> turn;
            // the subjects are claimed as the polls come (one at a time), not as they start: order is the polls'
            synchronized (this) {
                turn = room();
                for (String subject : own) {
                    CompletableFuture<Void> earlier = lastOfSubject.put(subject, ended);
                    if (earlier != null && !before.contains(earlier)) {
                        before.add(earlier);
                    }
                }
            }
            before.add(turn);
            // the poll starts when its turn comes even if the caller stopped waiting (its room is never lost, and the
            // poll is still settled); the caller waits on a copy, so its cancelling does not cancel the turn
            CompletableFuture.allOf(before.toArray(CompletableFuture[]::new))
                    .whenComplete((ignored, alsoIgnored) -> work.subscribe()
                            .with(done -> end(own, ended), failed -> end(own, ended)));
            return Uni.createFrom().completionStage(turn.copy());
        });
    }

    /** Polls taken in and not yet ended. */
    public synchronized int running() {
        return running;
    }

    private synchronized CompletableFuture<Void> room() {
        if (running < limit) {
            running++;
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> turn = new CompletableFuture<>();
        waitingForRoom.add(turn);
        return turn;
    }

    private void end(Set<String> subjects, CompletableFuture<Void> ended) {
        CompletableFuture<Void> next;
        synchronized (this) {
            subjects.forEach(subject -> lastOfSubject.remove(subject, ended));
            // the room passes to the poll waiting longest, if any
            next = waitingForRoom.poll();
            if (next == null) {
                running--;
            }
        }
        ended.complete(null);
        if (next != null) {
            next.complete(null);
        }
    }
}
