package no.elekt.consent.lanes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * The lanes' contract, with work items (changes, directives) the test finishes by hand: every subject's first change starts at once, a
 * subject's next change only after its previous one, results come back in the changes' order, and a failure is passed
 * on (the first to happen) only once every lane has stopped.
 */
@Tag("unit")
class SubjectLanesTest {

    /** A change as "subject/n"; what has started, and how to finish it. */
    private final Map<String, UniEmitter<? super String>> started = new LinkedHashMap<>();

    private Uni<String> record(String change) {
        return Uni.createFrom().emitter(emitter -> started.put(change, emitter));
    }

    private void finish(String change) {
        started.get(change).complete(change.toUpperCase());
    }

    @Test
    void subjectsGoSideBySideAndEachSubjectsChangesInOrder() {
        List<String> changes = List.of("a/1", "a/2", "b/1", "c/1", "c/2");
        AtomicReference<List<String>> results = new AtomicReference<>();
        SubjectLanes.run(changes, c -> c.substring(0, 1), this::record).subscribe().with(results::set);

        assertThat(started.keySet()).containsExactly("a/1", "b/1", "c/1");
        finish("c/1");
        assertThat(started.keySet()).containsExactly("a/1", "b/1", "c/1", "c/2");
        finish("b/1");
        finish("c/2");
        finish("a/1");
        assertThat(started.keySet()).contains("a/2");
        assertThat(results.get()).isNull();
        finish("a/2");
        assertThat(results.get()).containsExactly("A/1", "A/2", "B/1", "C/1", "C/2");
    }

    @Test
    void theFirstFailureIsPassedOnOnceEveryLaneHasStopped() {
        List<String> changes = List.of("a/1", "a/2", "b/1", "c/1");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        SubjectLanes.run(changes, c -> c.substring(0, 1), this::record).subscribe()
                .with(x -> {
                }, failure::set);

        started.get("b/1").fail(new IllegalStateException("at fault"));
        // after the one at fault, the database refuses the transaction's other statements
        started.get("a/1").fail(new IllegalStateException("transaction aborted"));
        assertThat(started.keySet()).as("a lane stops at its failure").doesNotContain("a/2");
        assertThat(failure.get()).as("c/1 is still running").isNull();
        finish("c/1");
        assertThat(failure.get()).hasMessage("at fault");
    }

    @Test
    void noChangesNoLanes() {
        List<List<String>> results = new ArrayList<>();
        SubjectLanes.<String, String>run(List.of(), c -> c, this::record).subscribe().with(results::add);
        assertThat(results).containsExactly(List.of());
    }
}
