package no.elekt.consent.lanes;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;

/**
 * When Kafka takes a partition away: its running polls are waited for (up to a bound) and may no longer
 * acknowledge, polls of other partitions are not concerned, and a poll polled before the revocation but taken in after
 * it is given up too.
 */
@Tag("unit")
class PollHandoverTest {

    static final TopicPartition P0 = new TopicPartition("consent.directives.eliq.v1", 0);
    static final TopicPartition P1 = new TopicPartition("consent.directives.eliq.v1", 1);
    static final Message<String> POLL = Message.of("a poll");

    /** A poll's message that counts how it was settled. */
    private final List<String> settled = new CopyOnWriteArrayList<>();
    private final Message<String> counted = Message.of("a poll", () -> {
        settled.add("acknowledged");
        return CompletableFuture.completedFuture(null);
    }, failure -> {
        settled.add("refused: " + failure.getMessage());
        return CompletableFuture.completedFuture(null);
    });

    @Test
    void aRevokedPartitionsRunningPollIsWaitedForAndNoLongerAcknowledges() {
        PollHandover handover = new PollHandover(60_000);
        PollHandover.Poll ofP0 = handover.taken(Set.of(P0), 3, POLL);
        PollHandover.Poll ofP1 = handover.taken(Set.of(P1), 3, POLL);

        CompletableFuture<Void> revocation = CompletableFuture.runAsync(() -> handover.revoked(List.of(P0), 3));

        Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> !revocation.isDone());
        assertThat(ofP0.owned()).as("the revoked partition's poll").isFalse();
        assertThat(ofP1.owned()).as("another partition's poll").isTrue();
        ofP0.ended();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(revocation::isDone);
        assertThat(handover.running()).isEqualTo(1);
    }

    @Test
    void aPollPolledBeforeTheRevocationAndTakenInAfterItIsGivenUpAndOneOfTheNextGenerationIsNot() {
        PollHandover handover = new PollHandover(60_000);
        handover.revoked(List.of(P0), 5);

        assertThat(handover.taken(Set.of(P0, P1), 5, POLL).owned()).as("polled in the generation revoked").isFalse();
        assertThat(handover.taken(Set.of(P0), 6, POLL).owned()).as("polled after the partition came back").isTrue();
    }

    @Test
    void aLostPartitionWhoseGenerationIsUnknownGivesUpEveryPollTakenOfIt() {
        PollHandover handover = new PollHandover(60_000);
        PollHandover.Poll taken = handover.taken(Set.of(P0), 7, POLL);
        taken.ended();

        handover.revoked(List.of(P0), -1); // a consumer fenced off reports no generation

        assertThat(handover.taken(Set.of(P0), 7, POLL).owned()).isFalse();
    }

    /**
     * A partition lost without a revocation reaching the listener (the connector commits before it calls it, and a
     * fenced consumer's commit fails) is recognised when it is assigned again: a poll still running on it no longer
     * acknowledges, nor does one of the earlier generation taken in later; the new generation's and another
     * partition's do.
     */
    @Test
    void aPartitionAssignedWhileAPollOfItStillRunsWasLostAndThatPollIsGivenUp() {
        PollHandover handover = new PollHandover(60_000);
        PollHandover.Poll before = handover.taken(Set.of(P0), 4, counted);
        PollHandover.Poll ofP1 = handover.taken(Set.of(P1), 4, POLL);

        handover.assigned(List.of(P0), 6); // no revocation heard

        before.settled(() -> Uni.createFrom().voidItem(), "p0").await().indefinitely();
        assertThat(settled).as("the lost partition's poll").isEmpty();
        assertThat(ofP1.owned()).as("another partition's poll").isTrue();
        assertThat(handover.taken(Set.of(P0), 5, POLL).owned()).as("polled before, taken in after").isFalse();
        assertThat(handover.taken(Set.of(P0), 6, POLL).owned()).as("the new generation's").isTrue();
    }

    @Test
    void theWaitIsBounded() {
        PollHandover handover = new PollHandover(50);
        PollHandover.Poll stuck = handover.taken(Set.of(P0), 1, POLL);

        handover.revoked(List.of(P0), 1); // returns: the partition goes to its next owner

        assertThat(stuck.owned()).isFalse();
        assertThat(handover.running()).isEqualTo(1);
    }

    @Test
    void anOwnedPollIsAcknowledgedWhenItsWorkSucceedsAndRefusedWhenItFails() {
        PollHandover handover = new PollHandover(60_000);

        handover.taken(Set.of(P0), 1, counted).settled(() -> Uni.createFrom().voidItem(), "p0").await().indefinitely();
        handover.taken(Set.of(P0), 1, counted)
                .settled(() -> Uni.createFrom().failure(new IllegalStateException("broken")), "p0")
                .await().indefinitely(); // never fails: the channel goes on

        assertThat(settled).containsExactly("acknowledged", "refused: broken");
        assertThat(handover.running()).isZero();
    }

    @Test
    void aPollWhosePartitionWentIsNeitherAcknowledgedNorRefusedAndOneWhoseTurnHadNotComeDoesNotRun() {
        PollHandover handover = new PollHandover(60_000);
        PollHandover.Poll running = handover.taken(Set.of(P0), 1, counted);
        PollHandover.Poll waiting = handover.taken(Set.of(P0), 1, counted);
        List<String> worked = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> release = new CompletableFuture<>();
        CompletableFuture<Void> runningEnded = running.settled(() -> Uni.createFrom().completionStage(release)
                .invoke(() -> worked.add("running")), "p0").subscribeAsCompletionStage();

        CompletableFuture<Void> revocation = CompletableFuture.runAsync(() -> handover.revoked(List.of(P0), 1));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !running.owned() && !waiting.owned());
        release.complete(null); // the running poll's work ends after its partition went
        runningEnded.join();
        waiting.settled(() -> Uni.createFrom().voidItem().invoke(() -> worked.add("waiting")), "p0")
                .await().indefinitely();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(revocation::isDone);

        assertThat(worked).containsExactly("running");
        assertThat(settled).isEmpty();
        assertThat(handover.running()).isZero();
    }
}
