package no.elekt.consent.outbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import io.smallrye.common.annotation.Identifier;
import no.elekt.consent.policy.Policy;

/**
 * Which topics the broker has. Asked at start for every topic the policy needs, and by the relay when a send failed
 * for want of its topic's metadata (a broker that does not create topics on first use, as deployed with Strimzi):
 * then the row is parked instead of failing the batch. A topic found absent is remembered for a short while, so the
 * other rows for it are parked at once rather than each waiting for the producer's time-out; after that it is asked
 * again, so a topic created by ops is used.
 */
@ApplicationScoped
public class OutboxTopics {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Map<String, Object> kafkaConfig;
    private final Policy policy;
    private static final Duration ABSENT_FOR = Duration.ofSeconds(30);

    private final Set<String> present = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> absentSince = new ConcurrentHashMap<>();
    private volatile Admin admin;

    OutboxTopics(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, Policy policy) {
        this.kafkaConfig = kafkaConfig;
        this.policy = policy;
    }

    /** Every topic the outbox writes to under the policy in force. */
    List<String> required() {
        List<String> topics = new ArrayList<>(List.of("consent.changes.v1"));
        policy.processors().keySet().stream().sorted().forEach(p -> topics.add(Policy.directiveTopic(p)));
        return topics;
    }

    /** The required topics the broker does not have. Throws if the broker cannot be asked. */
    List<String> missing() {
        return required().stream().filter(topic -> !exists(topic)).toList();
    }

    /**
     * True if the broker has the topic, false if it answered that it has not.
     *
     * @throws IllegalStateException if the broker could not be asked (a transient failure)
     */
    boolean exists(String topic) {
        if (present.contains(topic)) {
            return true;
        }
        try {
            admin().describeTopics(List.of(topic)).topicNameValues().get(topic)
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            present.add(topic);
            absentSince.remove(topic);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                absentSince.put(topic, System.nanoTime());
                return false;
            }
            throw new IllegalStateException("Cannot ask the broker about topic " + topic + ": " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Cannot ask the broker about topic " + topic + ": timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    /** True if the topic was found absent a moment ago. */
    boolean knownAbsent(String topic) {
        Long since = absentSince.get(topic);
        return since != null && System.nanoTime() - since < ABSENT_FOR.toNanos();
    }

    private Admin admin() {
        Admin current = admin;
        if (current == null) {
            synchronized (this) {
                if (admin == null) {
                    Map<String, Object> config = new HashMap<>();
                    kafkaConfig.forEach((key, value) -> {
                        if (AdminClientConfig.configNames().contains(key)) {
                            config.put(key, value);
                        }
                    });
                    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
                    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
                    admin = Admin.create(config);
                }
                current = admin;
            }
        }
        return current;
    }

    @PreDestroy
    void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }
}
