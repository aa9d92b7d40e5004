package no.elekt.consent.lanes;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;

/**
 * Gives a partition up only once the polls running on it have ended, and keeps a poll whose partition was given up
 * from acknowledging. For consumers that run several polls at once ({@link OverlappingPolls}): the adapters'
 * directive channels and the core's receipt channel name it as their {@code consumer-rebalance-listener.name}.
 * <p>
 * Why: when Kafka takes a partition away (a rebalance, a replica stopping), the connector commits what was
 * acknowledged and forgets the partition. A poll still running would then go on while the partition's next owner
 * handles the same records, and, if the partition comes back to this replica, its acknowledgement would land in the
 * partition's new bookkeeping, where a batch's acknowledgement (its last offset) can let the commit pass records that
 * the new polls have not handled yet. So on revocation this waits, up to {@code consent.polls.handover-wait-ms} (below
 * the consumer's {@code max.poll.interval.ms}), for the polls of those partitions; and a poll polled before its
 * partition was revoked is never acknowledged nor dead-lettered: its offsets are the next owner's to commit. What it
 * did is idempotent by design (an adapter answers a directive it handled from {@code adapter_directive} without a
 * second call; a receipt closes an open propagation only once). A partition Kafka finds lost (this consumer fenced,
 * its session expired) can go without a revocation reaching this listener, so a partition assigned while a poll of it
 * still runs is taken for one that went and came back ({@link #assigned}).
 */
@ApplicationScoped
@Identifier(PollHandover.NAME)
public class PollHandover implements KafkaConsumerRebalanceListener {

    /** The listener's name in a channel's {@code consumer-rebalance-listener.name}. */
    public static final String NAME = "consent-poll-handover";

    private static final Logger LOG = Logger.getLogger(PollHandover.class);

    private final Duration wait;
    private final Set<Poll> running = ConcurrentHashMap.newKeySet();
    /** Per partition, the highest consumer group generation whose polls of it are no longer this consumer's. */
    private final Map<TopicPartition, Integer> revokedUpTo = new ConcurrentHashMap<>();
    /** Per partition, the highest generation of a poll taken: a generation may be unknown when a partition is lost. */
    private final Map<TopicPartition, Integer> takenUpTo = new ConcurrentHashMap<>();

    PollHandover(@ConfigProperty(name = "consent.polls.handover-wait-ms", defaultValue = "20000") long waitMs) {
        this.wait = Duration.ofMillis(waitMs);
    }

    /** A poll taken in, until it has ended. */
    public final class Poll {

        private final Set<TopicPartition> partitions;
        private final Message<?> batch;
        private final CompletableFuture<Void> ended = new CompletableFuture<>();
        private volatile boolean givenUp;

        private Poll(Set<TopicPartition> partitions, Message<?> batch) {
            this.partitions = partitions;
            this.batch = batch;
        }

        /** Whether all of this poll's partitions are still this consumer's: only then may it be acknowledged. */
        boolean owned() {
            return !givenUp;
        }

        /**
         * The poll's work, unless its partition went before the work's turn came; then the poll acknowledged if the
         * work succeeded, refused (the channel's failure strategy, dead-letter, takes it) if it failed, neither if its
         * partition went meanwhile; then it has ended. If even that fails, the poll stays uncommitted (delivered again
         * after a restart, and the connector reports the consumer unhealthy once it waits past its unprocessed-record
         * age), and it is said here: the Uni never fails, so one poll does not stop the channel.
         */
        public Uni<Void> settled(Supplier<Uni<Void>> work, String what) {
            return Uni.createFrom().deferred(() -> owned() ? work.get() : Uni.createFrom().voidItem())
                    .onItemOrFailure().transformToUni((ok, failure) -> !owned()
                            ? Uni.createFrom().voidItem() // its partition went: its offsets are the next owner's
                            : Uni.createFrom()
                                    .completionStage(() -> failure == null ? batch.ack() : batch.nack(failure)))
                    .onFailure().invoke(e -> LOG.errorf("A poll of %s could be neither acknowledged nor dead-lettered; "
                            + "it stays uncommitted: %s", what, e.toString()))
                    .onFailure().recoverWithNull()
                    .onTermination().invoke(this::ended);
        }

        /** The poll's work and its acknowledgement, if any, are over. */
        void ended() {
            running.remove(this);
            ended.complete(null);
        }
    }

    /** Takes in a poll as the connector delivered it (a batch, acknowledged by hand). */
    public Poll taken(KafkaRecordBatch<?, ?> batch) {
        IncomingKafkaRecordBatchMetadata<?, ?> poll = batch.getMetadata(IncomingKafkaRecordBatchMetadata.class)
                .orElseThrow();
        return taken(poll.partitions(), poll.getConsumerGroupGenerationId(), batch);
    }

    /** Takes in a poll of these partitions, polled in this consumer group generation. */
    Poll taken(Set<TopicPartition> partitions, int generation, Message<?> batch) {
        Poll poll = new Poll(Set.copyOf(partitions), batch);
        // added before reading the revocations, which mark the running polls after writing them: one sees the other
        running.add(poll);
        for (TopicPartition partition : poll.partitions) {
            takenUpTo.merge(partition, generation, Math::max);
            if (generation <= revokedUpTo.getOrDefault(partition, Integer.MIN_VALUE)) {
                poll.givenUp = true; // polled before its partition went, and delivered after
            }
        }
        return poll;
    }

    /** The polls taken in and not yet ended that read any of these partitions. */
    private List<Poll> runningOn(Collection<TopicPartition> partitions) {
        return running.stream().filter(poll -> !Collections.disjoint(poll.partitions, partitions)).toList();
    }

    /** Polls taken in and not yet ended. */
    int running() {
        return running.size();
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        assigned(partitions, consumer.groupMetadata().generationId());
    }

    /**
     * Called on the consumer's polling thread before the partitions' first records of this generation. A poll of a
     * partition just assigned that still runs, or that was polled in an earlier generation, belongs to an earlier
     * ownership whose end this listener did not hear: for a lost partition the connector commits before it calls the
     * listener, and a fenced consumer's commit fails. Such polls are given up as on revocation, without a wait: this
     * consumer is the next owner, and its new polls of a subject run after the old ones ({@link OverlappingPolls}).
     * Only partitions new to this consumer are assigned (a cooperative rebalance keeps the others without a call).
     */
    void assigned(Collection<TopicPartition> partitions, int generation) {
        for (TopicPartition partition : partitions) {
            revokedUpTo.merge(partition, generation - 1, Math::max);
        }
        List<Poll> earlier = runningOn(partitions).stream().filter(Poll::owned).toList();
        earlier.forEach(poll -> poll.givenUp = true);
        if (!earlier.isEmpty()) {
            LOG.warnf("%d poll(s) of %s still ran when the partitions were assigned again: they were lost without a "
                    + "revocation (the consumer fenced?); not acknowledged", earlier.size(), partitions);
        }
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        revoked(partitions, consumer.groupMetadata().generationId());
    }

    /** Called on the consumer's polling thread: the partitions go to their next owner when this returns. */
    void revoked(Collection<TopicPartition> partitions, int generation) {
        for (TopicPartition partition : partitions) {
            revokedUpTo.merge(partition,
                    Math.max(generation, takenUpTo.getOrDefault(partition, Integer.MIN_VALUE)), Math::max);
        }
        List<Poll> ofThem = runningOn(partitions);
        ofThem.forEach(poll -> poll.givenUp = true);
        if (ofThem.isEmpty()) {
            return;
        }
        try {
            CompletableFuture.allOf(ofThem.stream().map(poll -> poll.ended).toArray(CompletableFuture[]::new))
                    .get(wait.toMillis(), TimeUnit.MILLISECONDS);
            LOG.infof("%d poll(s) of %s ended before the partitions were given up; not acknowledged here",
                    ofThem.size(), partitions);
        } catch (TimeoutException stillRunning) {
            LOG.warnf("Polls of %s still run after %s; the partitions go to their next owner, which may handle "
                    + "the same records meanwhile (a processor may see a call twice)", partitions, wait);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException cannotHappen) {
            throw new IllegalStateException(cannotHappen); // ended is only ever completed normally
        }
    }
}
