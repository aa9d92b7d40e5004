package no.elekt.consent.adapter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Runs a poll's work concurrently across subjects and in order within one: a subject's directives (withdraw, then
 * grant again) must reach the processor in the order they were decided, other subjects need not wait for them.
 * With processors answering in tens of milliseconds, one call at a time capped an adapter at a few dozen
 * directives a second; the processor's rate limit (CallPolicy) still bounds the rate.
 */
public final class SubjectLanes {

    /** Calls in flight at once per adapter, at most. */
    static final int MAX_CONCURRENT = 32;

    private SubjectLanes() {
    }

    /** One result per item, in the items' order. */
    public static <T, R> Uni<List<R>> run(List<T> items, Function<T, String> subjectOf, Function<T, Uni<R>> work) {
        if (items.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        Map<String, List<Integer>> lanes = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            lanes.computeIfAbsent(subjectOf.apply(items.get(i)), s -> new ArrayList<>()).add(i);
        }
        AtomicReferenceArray<R> results = new AtomicReferenceArray<>(items.size());
        return Multi.createFrom().iterable(lanes.values())
                .onItem().transformToUni(lane -> Multi.createFrom().iterable(lane)
                        .onItem()
                        .transformToUniAndConcatenate(i -> work.apply(items.get(i)).invoke(r -> results.set(i, r)))
                        .collect().last())
                .merge(MAX_CONCURRENT)
                .collect().last()
                .map(done -> {
                    List<R> ordered = new ArrayList<>(items.size());
                    for (int i = 0; i < items.size(); i++) {
                        ordered.add(results.get(i));
                    }
                    return ordered;
                });
    }
}
