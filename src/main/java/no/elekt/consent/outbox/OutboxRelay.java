package no.elekt.consent.outbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.SqlConnection;
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
    private final Semaphore wake = new Semaphore(0);
    private final Counter relayedCounter;

    private volatile boolean running;
    private Thread thread;
    private SqlConnection leaderConnection;

    OutboxRelay(Vertx vertx, Outbox outbox,
            @Channel("outbox") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
            MutinyEmitter<SpecificRecordBase> emitter,
            MeterRegistry metrics, RoleSwitches roles,
            @ConfigProperty(name = "consent.outbox.batch-size", defaultValue = "500") int batchSize,
            @ConfigProperty(name = "consent.outbox.idle-poll", defaultValue = "PT2S") Duration idlePoll,
            @ConfigProperty(name = "consent.outbox.send-timeout", defaultValue = "PT20S") Duration sendTimeout,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") Optional<String> url,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> username,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.vertx = vertx;
        // the same database as the pool; the URL may list several hosts, the first is the primary
        this.leaderOptions = url.map(u -> PgConnectOptions.fromUri(u.split(",")[0].replaceFirst("^vertx-reactive:", "")))
                .orElseGet(PgConnectOptions::new);
        username.ifPresent(leaderOptions::setUser);
        password.ifPresent(leaderOptions::setPassword);
        this.outbox = outbox;
        this.emitter = emitter;
        this.enabled = roles.coreRuns();
        this.batchSize = batchSize;
        this.idlePoll = idlePoll;
        this.sendTimeout = sendTimeout;
        this.relayedCounter = metrics.counter("consent_outbox_relayed");
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
        while (running) {
            try {
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

    /** True when this instance holds the relay lock, taking it if free. */
    private boolean leader() {
        if (leaderConnection != null) {
            return true;
        }
        // A connection of its own, outside the pool: closing it ends the session, and with the session PostgreSQL
        // releases the advisory lock and the LISTEN, so a relay that lost Kafka or the database can lead again.
        SqlConnection connection = PgConnection.connect(vertx, leaderOptions).await().atMost(sendTimeout);
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

    private int relayBatch() {
        List<Outbox.Stored> events = outbox.oldest(leaderConnection, batchSize).await().atMost(sendTimeout);
        if (events.isEmpty()) {
            return 0;
        }
        Uni.join().all(events.stream().map(e -> emitter.sendMessage(message(e))).toList()).andFailFast()
                .await().atMost(sendTimeout);
        outbox.delete(leaderConnection, events.stream().map(Outbox.Stored::id).toList()).await().atMost(sendTimeout);
        relayedCounter.increment(events.size());
        return events.size();
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
