package no.elekt.consent.lanes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Work on a batch a lane per subject: a subject's items one after the other, in the order given, the subjects' lanes
 * side by side. A subject's changes share its state (its version of a purpose, its identifiers) and its directives
 * must reach a processor in the order they were decided; other subjects need not wait for them.
 * <ul>
 * <li>The adapters: with processors answering in tens of milliseconds, one call at a time capped an adapter at a few
 * dozen directives a second (the processor's rate limit still bounds the rate).
 * <li>The intake, on one transaction's connection: the client sends the statements every lane has ready without
 * waiting for the answers to the others' and the database runs them in the order sent, so the changes of a batch
 * share round trips instead of waiting for each other's (see src/test/bench/RESULTS.md).
 * </ul>
 */
public final class SubjectLanes {

    /** Lanes running at once, at most. */
    static final int MAX_CONCURRENT = 32;

    private SubjectLanes() {
    }

    /**
     * One result per item, in the items' order. If any item fails, its lane stops there and, once every lane has
     * stopped, the first failure to happen is passed on: in a transaction, the one at fault (after it, the database
     * refuses the others' statements), and nothing of the transaction is still to be sent when it is rolled back.
     */
    public static <T, R> Uni<List<R>> run(List<T> items, Function<T, String> subjectOf, Function<T, Uni<R>> work) {
        if (items.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        Map<String, List<Integer>> lanes = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            lanes.computeIfAbsent(subjectOf.apply(items.get(i)), s -> new ArrayList<>()).add(i);
        }
        AtomicReferenceArray<R> results = new AtomicReferenceArray<>(items.size());
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        return Multi.createFrom().iterable(lanes.values())
                .onItem().transformToUni(lane -> Multi.createFrom().iterable(lane)
                        .onItem()
                        .transformToUniAndConcatenate(i -> work.apply(items.get(i)).invoke(r -> results.set(i, r)))
                        .collect().last()
                        .replaceWith(Boolean.TRUE)
                        .onFailure().recoverWithItem(failure -> failures.add(failure)))
                .merge(MAX_CONCURRENT)
                .collect().last()
                .chain(() -> {
                    if (!failures.isEmpty()) {
                        return Uni.createFrom().failure(failures.peek());
                    }
                    List<R> ordered = new ArrayList<>(items.size());
                    for (int i = 0; i < items.size(); i++) {
                        ordered.add(results.get(i));
                    }
                    return Uni.createFrom().item(ordered);
                });
    }
}
