package no.elekt.consent.lanes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * The contract of overlapping polls, with polls the test ends by hand: a poll of other subjects starts while the one
 * before it runs, a poll that shares a subject with an earlier one starts only once that one has ended (however it
 * ended), and no more than the limit are taken in.
 */
@Tag("unit")
class OverlappingPollsTest {

    /** Polls whose work has started, and how to end each. */
    private final Map<String, UniEmitter<? super Void>> started = new LinkedHashMap<>();
    /** Polls taken in (the caller may take the next). */
    private final List<String> takenIn = new ArrayList<>();

    private void submit(OverlappingPolls polls, String poll, String... subjects) {
        polls.submit(Set.of(subjects), Uni.createFrom().emitter(e -> started.put(poll, e)))
                .subscribe().with(x -> takenIn.add(poll));
    }

    @Test
    void otherSubjectsGoAheadAndASubjectsPollsKeepTheirOrder() {
        OverlappingPolls polls = new OverlappingPolls(4);
        submit(polls, "p1", "a", "b");
        submit(polls, "p2", "c");
        submit(polls, "p3", "b", "d");
        submit(polls, "p4", "d");

        assertThat(takenIn).containsExactly("p1", "p2", "p3", "p4");
        assertThat(started.keySet()).as("p3 shares b with p1, p4 shares d with p3").containsExactly("p1", "p2");
        started.get("p2").complete(null);
        assertThat(started.keySet()).containsExactly("p1", "p2");
        started.get("p1").fail(new IllegalStateException("refused, dead-lettered"));
        assertThat(started.keySet()).as("an earlier poll's failure ends it too").containsExactly("p1", "p2", "p3");
        started.get("p3").complete(null);
        assertThat(started.keySet()).containsExactly("p1", "p2", "p3", "p4");
        started.get("p4").complete(null);
        assertThat(polls.running()).isZero();
    }

    @Test
    void aCallerThatStopsWaitingLosesNoRoomAndItsPollStillRuns() {
        OverlappingPolls polls = new OverlappingPolls(1);
        submit(polls, "p1", "a");
        var waiting = polls.submit(Set.of("b"), Uni.createFrom().emitter(e -> started.put("p2", e)))
                .subscribe().with(x -> takenIn.add("p2"));
        waiting.cancel(); // the connector stopping while p2 waits for room

        started.get("p1").complete(null);
        assertThat(started.keySet()).as("p2 runs, so it is settled").containsExactly("p1", "p2");
        started.get("p2").complete(null);
        assertThat(polls.running()).isZero();
        submit(polls, "p3", "c");
        assertThat(takenIn).containsExactly("p1", "p3");
    }

    @Test
    void noMoreThanTheLimitAreTakenIn() {
        OverlappingPolls polls = new OverlappingPolls(2);
        submit(polls, "p1", "a");
        submit(polls, "p2", "b");
        submit(polls, "p3", "c");

        assertThat(takenIn).containsExactly("p1", "p2");
        assertThat(started.keySet()).containsExactly("p1", "p2");
        started.get("p2").complete(null);
        assertThat(takenIn).containsExactly("p1", "p2", "p3");
        assertThat(started.keySet()).containsExactly("p1", "p2", "p3");
        assertThat(polls.running()).isEqualTo(2);
    }
}
