package no.elekt.consent.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * When Kafka takes a directive partition away: its running polls are waited for (up to a bound) and may no longer
 * acknowledge, polls of other partitions are not concerned, and a poll polled before the revocation but taken in after
 * it is given up too.
 */
@Tag("unit")
class PollHandoverTest {

    static final TopicPartition P0 = new TopicPartition("consent.directives.eliq.v1", 0);
    static final TopicPartition P1 = new TopicPartition("consent.directives.eliq.v1", 1);

    @Test
    void aRevokedPartitionsRunningPollIsWaitedForAndNoLongerAcknowledges() {
        PollHandover handover = new PollHandover(60_000);
        PollHandover.Poll ofP0 = handover.taken(Set.of(P0), 3);
        PollHandover.Poll ofP1 = handover.taken(Set.of(P1), 3);

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

        assertThat(handover.taken(Set.of(P0, P1), 5).owned()).as("polled in the generation revoked").isFalse();
        assertThat(handover.taken(Set.of(P0), 6).owned()).as("polled after the partition came back").isTrue();
    }

    @Test
    void aLostPartitionWhoseGenerationIsUnknownGivesUpEveryPollTakenOfIt() {
        PollHandover handover = new PollHandover(60_000);
        PollHandover.Poll taken = handover.taken(Set.of(P0), 7);
        taken.ended();

        handover.revoked(List.of(P0), -1); // a consumer fenced off reports no generation

        assertThat(handover.taken(Set.of(P0), 7).owned()).isFalse();
    }

    @Test
    void theWaitIsBounded() {
        PollHandover handover = new PollHandover(50);
        PollHandover.Poll stuck = handover.taken(Set.of(P0), 1);

        handover.revoked(List.of(P0), 1); // returns: the partition goes to its next owner

        assertThat(stuck.owned()).isFalse();
        assertThat(handover.running()).isEqualTo(1);
    }
}
