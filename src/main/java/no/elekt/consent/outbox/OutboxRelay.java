package no.elekt.consent.outbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import com.microsoft.kiota.ApiException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.pgclient.PgConnectOptions;
import no.elekt.consent.config.RoleSwitches;
import no.elekt.consent.tracing.Traces;

/**
 * Relays outbox rows to Kafka in id order, deleting each batch once Kafka has acknowledged all of it.
 * <p>
 * One instance relays at a time: the leader holds a PostgreSQL advisory lock on its own connection, so several
 * replicas never send a row twice in normal operation and one subject's events keep their order. The same
 * connection LISTENs for the insert trigger's NOTIFY, so an idle relay sends a new row at once instead of polling;
 * a slow timer catches anything missed. While Kafka is unreachable, rows stay in the table and are retried with
 * backoff. Delivery is at least once: a batch that failed half-way is sent again whole.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    private final Vertx vertx;
    private final PgConnectOptions leaderOptions;
    private final Outbox outbox;
    private final MutinyEmitter<SpecificRecordBase> emitter;
    private final boolean enabled;
    private final int batchSize;
    private final Duration idlePoll;
    private final Duration sendTimeout;
    private final Duration leaderSessionTimeout;
    private final Semaphore wake = new Semaphore(0);
    private final Counter relayedCounter;
    private final Counter parkedCounter;
    private final OutboxTopics topics;
    private final AtomicInteger missingTopics = new AtomicInteger();

    private volatile boolean running;
    private Thread thread;
    private SqlConnection leaderConnection;

    OutboxRelay(Vertx vertx, Outbox outbox, OutboxTopics topics,
            @Channel("outbox") @OnOverflow(value = OnOverflow.Strategy.BUFFER,
                    bufferSize = 4096) MutinyEmitter<SpecificRecordBase> emitter,
            MeterRegistry metrics, RoleSwitches roles,
            @ConfigProperty(name = "consent.outbox.batch-size", defaultValue = "500") int batchSize,
            @ConfigProperty(name = "consent.outbox.idle-poll", defaultValue = "PT2S") Duration idlePoll,
            @ConfigProperty(name = "consent.outbox.send-timeout", defaultValue = "PT20S") Duration sendTimeout,
            @ConfigProperty(name = "consent.outbox.leader-session-timeout",
                    defaultValue = "PT20S") Duration leaderSessionTimeout,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") Optional<String> url,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> username,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.vertx = vertx;
        // the same database as the pool; the URL may list several hosts, the first is the primary
        this.leaderOptions = url
                .map(u -> PgConnectOptions.fromUri(u.split(",")[0].replaceFirst("^vertx-reactive:", "")))
                .orElseGet(PgConnectOptions::new);
        username.ifPresent(leaderOptions::setUser);
        password.ifPresent(leaderOptions::setPassword);
        this.outbox = outbox;
        this.emitter = emitter;
        this.enabled = roles.coreRuns();
        this.batchSize = batchSize;
        this.idlePoll = idlePoll;
        this.sendTimeout = sendTimeout;
        this.leaderSessionTimeout = leaderSessionTimeout;
        this.relayedCounter = metrics.counter("consent_outbox_relayed");
        this.parkedCounter = Counter.builder("consent_outbox_parked")
                .description("Outbox rows parked because they cannot be delivered as they are").register(metrics);
        this.topics = topics;
        Gauge.builder("consent_outbox_missing_topics", missingTopics, AtomicInteger::get)
                .description("Topics the policy needs that the broker lacks, found at start").register(metrics);
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "outbox-relay");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        wake.release();
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dropLeadership();
    }

    private void run() {
        Duration backoff = Duration.ofMillis(200);
        boolean topicsChecked = false;
        while (running) {
            try {
                if (!topicsChecked) {
                    topicsChecked = checkTopics();
                }
                if (!leader()) {
                    awaitWake(idlePoll);
                    continue;
                }
                int sent = relayBatch();
                backoff = Duration.ofMillis(200);
                if (sent < batchSize) {
                    awaitWake(idlePoll);
                }
            } catch (RuntimeException e) {
                LOG.warnf("Outbox relay could not deliver, rows kept; retrying in %d ms: %s", backoff.toMillis(),
                        e.toString());
                dropLeadership();
                awaitWake(backoff);
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10)
                        : backoff.multipliedBy(2);
            }
        }
    }

    /**
     * Reports by name every topic the policy needs that the broker lacks (a processor added to the policy before its
     * topic exists); its rows will be parked, the rest flows. False if the broker could not be asked yet.
     */
    private boolean checkTopics() {
        try {
            List<String> missing = topics.missing();
            missingTopics.set(missing.size());
            if (!missing.isEmpty()) {
                LOG.errorf("Topics the policy needs do not exist: %s. Create them (and their ACLs): a broker that "
                        + "does not create topics refuses their rows, which are parked (GET /v1/ops/parked-outbox) "
                        + "until ops retry them.", String.join(", ", missing));
            }
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("Could not check the outbox topics yet: %s", e.getMessage());
            return false;
        }
    }

    /** True when this instance holds the relay lock, taking it if free. */
    private boolean leader() {
        if (leaderConnection != null) {
            return true;
        }
        // A connection of its own, outside the pool: closing it ends the session, and with the session PostgreSQL
        // releases the advisory lock and the LISTEN, so a relay that lost Kafka or the database can lead again.
        SqlConnection connection = PgConnection.connect(vertx, leaderOptions).await().atMost(sendTimeout);
        try {
            // A leader cut off from the database (its node or network gone, the process still alive) would keep its
            // session, and the lock, until TCP keep-alive gives up: hours. PostgreSQL ends a session idle this long
            // instead, so another replica leads within about this time plus one idle poll. A live leader is never
            // idle that long: it polls every idle-poll, and a batch's sends end within the producer's time-outs.
            outbox.endSessionWhenIdleFor(connection, leaderSessionTimeout).await().atMost(sendTimeout);
        } catch (RuntimeException e) {
            LOG.warnf("The relay's session cannot end itself when cut off (PostgreSQL before 14?): %s", e.getMessage());
        }
        if (!outbox.tryLead(connection).await().atMost(sendTimeout)) {
            connection.closeAndAwait();
            return false;
        }
        PgConnection.cast(connection).notificationHandler(notification -> wake.release());
        outbox.listen(connection).await().atMost(sendTimeout);
        leaderConnection = connection;
        LOG.info("Outbox relay is the leader");
        return true;
    }

    /** True while this instance holds the relay lock. */
    boolean leading() {
        return leaderConnection != null;
    }

    /**
     * Sends one batch. A row that cannot be delivered as it is (unreadable payload, a topic the broker lacks, a
     * record the serializer or broker refuses for good) is parked with the reason, and its subject's later rows wait
     * behind it; everything else goes on. A transient failure (Kafka unreachable) keeps its row and those after it of
     * its subject, and the relay backs off.
     */
    private int relayBatch() {
        List<Outbox.Stored> events = outbox.oldest(leaderConnection, batchSize).await().atMost(sendTimeout);
        if (events.isEmpty()) {
            return 0;
        }
        Set<String> heldBack = new HashSet<>();
        List<Outbox.Stored> toSend = new ArrayList<>();
        for (Outbox.Stored event : events) {
            if (heldBack.contains(event.key())) {
                continue;
            }
            String unsendable = event.unreadable() != null ? event.unreadable()
                    : topics.knownAbsent(event.topic()) ? missingTopic(event) : null;
            if (unsendable != null) {
                park(event, unsendable);
                heldBack.add(event.key());
            } else {
                toSend.add(event);
            }
        }
        List<Optional<Throwable>> outcomes = toSend.isEmpty() ? List.of()
                : Uni.join().all(toSend.stream().map(e -> emitter.sendMessage(message(e))
                        .map(sent -> Optional.<Throwable>empty())
                        .onFailure().recoverWithItem(Optional::of)).toList())
                        .andFailFast().await().atMost(sendTimeout);
        List<Long> delivered = new ArrayList<>();
        Throwable transientFailure = null;
        for (int i = 0; i < toSend.size(); i++) {
            Outbox.Stored event = toSend.get(i);
            Optional<Throwable> failure = outcomes.get(i);
            if (failure.isEmpty()) {
                // a row after a failed one of its subject stays, to go again after it: first deliveries keep order
                if (!heldBack.contains(event.key())) {
                    delivered.add(event.id());
                }
            } else if (permanent(failure.get())) {
                park(event, "refused: " + failure.get());
                heldBack.add(event.key());
            } else if (noMetadata(failure.get()) && !topicExists(event.topic())) {
                park(event, missingTopic(event));
                heldBack.add(event.key());
            } else {
                transientFailure = transientFailure == null ? failure.get() : transientFailure;
                heldBack.add(event.key());
            }
        }
        if (!delivered.isEmpty()) {
            outbox.delete(leaderConnection, delivered).await().atMost(sendTimeout);
            relayedCounter.increment(delivered.size());
        }
        if (transientFailure != null) {
            throw new IllegalStateException("Kafka did not acknowledge every row: " + transientFailure,
                    transientFailure);
        }
        return events.size();
    }

    private void park(Outbox.Stored event, String reason) {
        outbox.park(leaderConnection, event.id(), reason).await().atMost(sendTimeout);
        parkedCounter.increment();
        // ids only: the payload holds identifiers
        LOG.errorf("Outbox row %d (event %s, %s to %s) parked, its subject's later rows wait behind it: %s",
                event.id(), event.eventId(), event.eventType(), event.topic(), reason);
    }

    private static String missingTopic(Outbox.Stored event) {
        return "topic " + event.topic() + " does not exist";
    }

    /** False only if the broker answered that it has no such topic. */
    private boolean topicExists(String topic) {
        try {
            return topics.exists(topic);
        } catch (RuntimeException e) {
            return true;
        }
    }

    /** The producer found no metadata for the topic in time: it is missing, or the broker is unreachable. */
    private static boolean noMetadata(Throwable failure) {
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.TimeoutException && t.getMessage() != null
                    && t.getMessage().contains("not present in metadata")) {
                return true;
            }
        }
        return false;
    }

    /** A failure that sending the same record again cannot cure. */
    static boolean permanent(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SerializationException || t instanceof RecordTooLargeException
                    || t instanceof InvalidTopicException || t instanceof TopicAuthorizationException) {
                return true;
            }
            // the schema registry refused (no such schema, incompatible): 4xx but a time-out or a throttle
            if (t instanceof ApiException api && api.getResponseStatusCode() >= 400 && api.getResponseStatusCode() < 500
                    && api.getResponseStatusCode() != 408 && api.getResponseStatusCode() != 429) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static Message<SpecificRecordBase> message(Outbox.Stored event) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("eventId", event.eventId().toString().getBytes(StandardCharsets.UTF_8));
        headers.add("eventType", event.eventType().getBytes(StandardCharsets.UTF_8));
        Message<SpecificRecordBase> message = Message.of(event.payload()).addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder()
                        .withTopic(event.topic())
                        .withKey(event.key())
                        .withHeaders(headers)
                        .build());
        // the connector's send span continues the request's trace and puts its traceparent in the record's headers
        return event.traceparent() == null ? message
                : message.addMetadata(TracingMetadata.withCurrent(Traces.parent(event.traceparent())));
    }

    private void dropLeadership() {
        SqlConnection connection = leaderConnection;
        leaderConnection = null;
        if (connection != null) {
            try {
                connection.close().await().atMost(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debugf("Closing the relay connection failed: %s", e);
            }
        }
    }

    private void awaitWake(Duration timeout) {
        try {
            wake.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
            wake.drainPermits();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
