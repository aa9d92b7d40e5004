package no.elekt.consent.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;

/** A poll's work runs concurrently across subjects and one after the other, in order, within a subject. */
class SubjectLanesTest {

    record Work(String subject, String name) {
    }

    @Test
    void oneSubjectInOrderOthersAlongsideResultsInTheItemsOrder() {
        List<String> events = new CopyOnWriteArrayList<>();
        List<Work> poll = List.of(new Work("a", "a1"), new Work("a", "a2"), new Work("b", "b1"));

        List<String> results = SubjectLanes.run(poll, Work::subject, w -> Uni.createFrom().voidItem()
                .invoke(() -> events.add("start " + w.name()))
                .onItem().delayIt().by(Duration.ofMillis(100))
                .invoke(() -> events.add("end " + w.name()))
                .replaceWith(w.name() + " done"))
                .await().atMost(Duration.ofSeconds(5));

        assertThat(results).containsExactly("a1 done", "a2 done", "b1 done");
        // within subject a: a2 starts only once a1 has ended
        assertThat(events.indexOf("start a2")).isGreaterThan(events.indexOf("end a1"));
        // subject b does not wait for subject a
        assertThat(events.indexOf("start b1")).isLessThan(events.indexOf("end a1"));
    }
}
