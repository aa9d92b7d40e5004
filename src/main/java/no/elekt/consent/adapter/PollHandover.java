package no.elekt.consent.adapter;

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

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;

/**
 * Gives a directive partition up only once the polls running on it have ended, and keeps a poll whose partition was
 * given up from acknowledging.
 * <p>
 * Why: an adapter runs several polls at once ({@link DirectiveConsumer}). When Kafka takes a partition away (a
 * rebalance, a replica stopping), the connector commits what was acknowledged and forgets the partition. A poll still
 * running would then go on while the partition's next owner handles the same directives, and, if the partition comes
 * back to this replica, its acknowledgement would land in the partition's new bookkeeping, where a batch's
 * acknowledgement (its last offset) can let the commit pass records that the new polls have not handled yet. So on
 * revocation this waits, up to {@code consent.adapters.handover-wait-ms} (below the consumer's
 * {@code max.poll.interval.ms}), for the polls of those partitions; and a poll polled before its partition was revoked
 * is never acknowledged nor dead-lettered: its offsets are the next owner's to commit, and what it handled is answered
 * from {@code adapter_directive} when the next owner reads it again, without a second call.
 */
@ApplicationScoped
@Identifier(PollHandover.NAME)
public class PollHandover implements KafkaConsumerRebalanceListener {

    /** The listener's name in the channel's {@code consumer-rebalance-listener.name} ({@link DirectiveChannels}). */
    static final String NAME = "consent-directive-poll-handover";

    private static final Logger LOG = Logger.getLogger(PollHandover.class);

    private final Duration wait;
    private final Set<Poll> running = ConcurrentHashMap.newKeySet();
    /** Per partition, the highest consumer group generation whose polls of it are no longer this consumer's. */
    private final Map<TopicPartition, Integer> revokedUpTo = new ConcurrentHashMap<>();
    /** Per partition, the highest generation of a poll taken: a generation may be unknown when a partition is lost. */
    private final Map<TopicPartition, Integer> takenUpTo = new ConcurrentHashMap<>();

    PollHandover(@ConfigProperty(name = "consent.adapters.handover-wait-ms", defaultValue = "20000") long waitMs) {
        this.wait = Duration.ofMillis(waitMs);
    }

    /** A poll taken in, until it has ended. */
    final class Poll {

        private final Set<TopicPartition> partitions;
        private final CompletableFuture<Void> ended = new CompletableFuture<>();
        private volatile boolean givenUp;

        private Poll(Set<TopicPartition> partitions) {
            this.partitions = partitions;
        }

        /** Whether all of this poll's partitions are still this consumer's: only then may it be acknowledged. */
        boolean owned() {
            return !givenUp;
        }

        /** The poll's work and its acknowledgement, if any, are over. */
        void ended() {
            running.remove(this);
            ended.complete(null);
        }
    }

    /** Takes in a poll of these partitions, polled in this consumer group generation. */
    Poll taken(Set<TopicPartition> partitions, int generation) {
        Poll poll = new Poll(Set.copyOf(partitions));
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

    /** Polls taken in and not yet ended. */
    int running() {
        return running.size();
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
        List<Poll> ofThem = running.stream().filter(poll -> !Collections.disjoint(poll.partitions, partitions))
                .toList();
        ofThem.forEach(poll -> poll.givenUp = true);
        if (ofThem.isEmpty()) {
            return;
        }
        try {
            CompletableFuture.allOf(ofThem.stream().map(poll -> poll.ended).toArray(CompletableFuture[]::new))
                    .get(wait.toMillis(), TimeUnit.MILLISECONDS);
            LOG.infof("%d directive poll(s) of %s ended before the partitions were given up; not acknowledged here",
                    ofThem.size(), partitions);
        } catch (TimeoutException stillRunning) {
            LOG.warnf("Directive polls of %s still run after %s; the partitions go to their next owner, which may "
                    + "handle the same directives meanwhile (a processor may see a call twice)", partitions, wait);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException cannotHappen) {
            throw new IllegalStateException(cannotHappen); // ended is only ever completed normally
        }
    }
}
