package no.elekt.consent.adapter;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.security.AttributeType;
import io.quarkus.test.security.SecurityAttribute;
import io.quarkus.test.security.TestSecurity;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.security.Roles;
import no.elekt.consent.security.SourceScope;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.Infra;
import no.elekt.consent.testinfra.KafkaEvents;
import no.elekt.consent.testinfra.ProcessorStandIns;
import no.elekt.consent.testinfra.StandInModel;

/**
 * What every adapter does around its processor calls, through Kafka (with Eliq as the processor): redelivery,
 * stale work, poison directives and unreadable records.
 */
@QuarkusTest
@TestSecurity(user = "test-backend", roles = { Roles.WRITER, Roles.READER, Roles.OPS },
        attributes = @SecurityAttribute(key = SourceScope.ATTRIBUTE, value = "*", type = AttributeType.STRING_SET))
class DirectiveHandlingTest {

    static final String TOPIC = "consent.directives.eliq.v1";
    static final String DLQ = TOPIC + ".dlq";
    static final String USERS = ProcessorStandIns.ELIQ_BASE_PATH + "/users/";

    static KafkaEvents kafka;
    static WireMock eliq;

    @Inject
    MeterRegistry metrics;

    @BeforeAll
    static void connect() {
        kafka = KafkaEvents.from(Directives.receipts("eliq"), DLQ);
        eliq = ProcessorStandIns.wireMock();
    }

    @AfterAll
    static void close() {
        kafka.close();
    }

    static ProcessorDirective delete(String user) {
        return Directives.directive("eliq", DirectiveAction.DELETE, "energy-insights", 1, Map.of("eliqUserId", user));
    }

    @Test
    void aRedeliveredDirectiveMakesNoSecondCallAndGetsTheSameReceipt() {
        String user = Directives.unique("eliq-user");
        ProcessorDirective directive = delete(user);

        Directives.publish(directive);
        PropagationReceipt first = kafka
                .<PropagationReceipt>await(Directives.receipts("eliq"), directive.getSubjectId(), 1)
                .get(0);
        Directives.publish(directive);
        List<PropagationReceipt> receipts = kafka.await(Directives.receipts("eliq"), directive.getSubjectId(), 2);

        assertThat(first.getOutcome()).isEqualTo(ReceiptOutcome.APPLIED);
        assertThat(receipts.get(1)).isEqualTo(first);
        eliq.verifyThat(1, deleteRequestedFor(urlPathEqualTo(USERS + user)));
    }

    @Test
    void aSuppressionOlderThanWhatWasAppliedIsSupersededWithoutACall() {
        String user = Directives.unique("eliq-user");
        ProcessorDirective newer = Directives.directive("eliq", DirectiveAction.RESUME, "energy-insights", 3,
                Map.of("eliqUserId", user));
        ProcessorDirective older = ProcessorDirective.newBuilder(Directives.directive("eliq", DirectiveAction.SUPPRESS,
                "energy-insights", 2, Map.of("eliqUserId", user)))
                .setSubjectId(newer.getSubjectId())
                .build();
        ProcessorStandIns.control().seed("eliq", "consent", user, "energy_insights=false"); // so the grant changes it

        Directives.publish(newer, older);
        List<PropagationReceipt> receipts = kafka.await(Directives.receipts("eliq"), newer.getSubjectId(), 2);

        assertThat(receipts).extracting(PropagationReceipt::getDirectiveId)
                .containsExactly(newer.getDirectiveId(), older.getDirectiveId());
        assertThat(receipts).extracting(PropagationReceipt::getOutcome)
                .containsExactly(ReceiptOutcome.APPLIED, ReceiptOutcome.SUPERSEDED);
        assertThat(receipts.get(1).getDetail()).contains("version 3");
        eliq.verifyThat(1, putRequestedFor(urlPathEqualTo(StandInModel.ELIQ_INSIGHTS_PATH + "/v3/users/"
                + ProcessorStandIns.control().state("eliq", "user", user) + "/consents")));
        eliq.verifyThat(0, deleteRequestedFor(urlPathEqualTo(USERS + user)));
    }

    @Test
    void aDeletionWaitingInOnePollWithALaterResumeIsCarriedOutThenTheResume() {
        String user = Directives.unique("eliq-user");
        ProcessorDirective erasure = Directives.directive("eliq", DirectiveAction.DELETE, ChangeKind.ERASURE,
                "energy-insights", 1, Map.of("eliqUserId", user));
        ProcessorDirective grant = ProcessorDirective.newBuilder(Directives.directive("eliq", DirectiveAction.RESUME,
                "energy-insights", 2, Map.of("eliqUserId", user))).setSubjectId(erasure.getSubjectId()).build();

        Directives.publish(erasure, grant); // one producer batch: the adapter reads both in one poll
        List<PropagationReceipt> receipts = kafka.await(Directives.receipts("eliq"), erasure.getSubjectId(), 2);

        // the deletion first (and its read-back), then the grant: Eliq no longer has the user, nothing to give
        assertThat(receipts).extracting(PropagationReceipt::getOutcome)
                .containsExactly(ReceiptOutcome.APPLIED, ReceiptOutcome.ALREADY_APPLIED);
        List<LoggedRequest> calls = eliq.find(anyRequestedFor(urlPathMatching(".*" + user + ".*")));
        assertThat(calls).extracting(r -> r.getMethod().getName()).containsExactly("DELETE", "GET", "GET");
    }

    /**
     * Holds a directive's poll in its bookkeeping: the test inserts the directive's receipt row in a transaction it
     * keeps open, so the adapter's insert of that row waits for it (and goes on once the test rolls back).
     */
    static Connection holdBookkeepingOf(ProcessorDirective directive) throws SQLException {
        Connection held = DriverManager.getConnection(Infra.jdbcUrl(), "postgres", "postgres");
        held.setAutoCommit(false);
        try (PreparedStatement insert = held.prepareStatement("""
                insert into adapter_directive (processor, directive_id, change_id, subject_id, receipt_id, outcome,
                    attempts, completed_at)
                values ('eliq', ?, ?, ?, gen_random_uuid(), 'APPLIED', 1, now())""")) {
            insert.setString(1, directive.getDirectiveId());
            insert.setString(2, directive.getChangeId());
            insert.setString(3, directive.getSubjectId());
            insert.executeUpdate();
        }
        return held;
    }

    /** Waits until the adapter's recording of a poll waits on the held row. */
    static void awaitBookkeepingWaiting() {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> Db.count("""
                        select count(*) from pg_stat_activity
                        where wait_event_type = 'Lock' and query like '%insert into adapter_directive%'""") > 0);
    }

    double pollsInFlight() {
        return metrics.get("consent_adapter_polls_in_flight").tag("processor", "eliq").gauge().value();
    }

    @Test
    void aPollHeldUpDoesNotHoldUpTheNextPollsOtherSubjects() throws SQLException {
        ProcessorDirective held = delete(Directives.unique("eliq-user"));
        ProcessorDirective other = delete(Directives.unique("eliq-user"));
        try (Connection hold = holdBookkeepingOf(held)) {
            Directives.publish(held);
            awaitBookkeepingWaiting();

            Directives.publish(other); // a later poll, while the held one's is still running
            PropagationReceipt otherReceipt = kafka
                    .<PropagationReceipt>await(Directives.receipts("eliq"), other.getSubjectId(), 1).get(0);

            assertThat(otherReceipt.getOutcome()).isEqualTo(ReceiptOutcome.APPLIED);
            assertThat(kafka.events(Directives.receipts("eliq"), held.getSubjectId()))
                    .as("the held poll is still held").isEmpty();
            hold.rollback();
        }
        PropagationReceipt heldReceipt = kafka
                .<PropagationReceipt>await(Directives.receipts("eliq"), held.getSubjectId(), 1).get(0);
        assertThat(heldReceipt.getOutcome()).isEqualTo(ReceiptOutcome.APPLIED);
        eliq.verifyThat(1, deleteRequestedFor(urlPathEqualTo(USERS + held.getIdentifiers().get("eliqUserId"))));
    }

    @Test
    void aSubjectsLaterPollWaitsUntilItsEarlierPollHasEnded() throws SQLException {
        String user = Directives.unique("eliq-user");
        ProcessorDirective erasure = Directives.directive("eliq", DirectiveAction.DELETE, ChangeKind.ERASURE,
                "energy-insights", 1, Map.of("eliqUserId", user));
        ProcessorDirective grant = ProcessorDirective.newBuilder(Directives.directive("eliq", DirectiveAction.RESUME,
                "energy-insights", 2, Map.of("eliqUserId", user))).setSubjectId(erasure.getSubjectId()).build();
        try (Connection hold = holdBookkeepingOf(erasure)) {
            Directives.publish(erasure);
            awaitBookkeepingWaiting();
            Directives.publish(grant); // a later poll of the same subject
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> pollsInFlight() >= 2);
            // taken in, and waiting: not carried out while the erasure before it is held
            Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .until(() -> kafka.events(Directives.receipts("eliq"), erasure.getSubjectId()).isEmpty());
            hold.rollback();
        }
        List<PropagationReceipt> receipts = kafka.await(Directives.receipts("eliq"), erasure.getSubjectId(), 2);

        // the grant waited for the erasure: Eliq no longer has the user when it comes, nothing to give
        assertThat(receipts).extracting(PropagationReceipt::getDirectiveId)
                .containsExactly(erasure.getDirectiveId(), grant.getDirectiveId());
        assertThat(receipts).extracting(PropagationReceipt::getOutcome)
                .containsExactly(ReceiptOutcome.APPLIED, ReceiptOutcome.ALREADY_APPLIED);
    }

    @Test
    void aPartitionGoesToAnotherConsumerOnlyOnceItsRunningPollHasEnded() throws Exception {
        ProcessorDirective held = delete(Directives.unique("eliq-user"));
        try (Connection hold = holdBookkeepingOf(held)) {
            Directives.publish(held);
            awaitBookkeepingWaiting();
            try (GroupMember newcomer = GroupMember.join("consent-adapter-eliq", TOPIC)) {
                // Kafka rebalances the adapter's group; the adapter gives its partitions up only after the held poll
                Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                        .until(() -> !newcomer.joined());
                hold.rollback();
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(newcomer::joined);
            }
        }
        // the held poll was not acknowledged (its partition had gone): read again, answered without a second call
        List<PropagationReceipt> receipts = kafka.await(Directives.receipts("eliq"), held.getSubjectId(), 1);
        assertThat(receipts).extracting(PropagationReceipt::getOutcome).containsOnly(ReceiptOutcome.APPLIED);
        eliq.verifyThat(1, deleteRequestedFor(urlPathEqualTo(USERS + held.getIdentifiers().get("eliqUserId"))));
        ProcessorDirective after = delete(Directives.unique("eliq-user")); // and the adapter goes on
        Directives.publish(after);
        assertThat(kafka.<PropagationReceipt>await(Directives.receipts("eliq"), after.getSubjectId(), 1).get(0)
                .getOutcome()).isEqualTo(ReceiptOutcome.APPLIED);
    }

    /** A second member of a consumer group, polling on its own thread until closed; it commits nothing. */
    static final class GroupMember implements AutoCloseable {

        private final AtomicBoolean joined = new AtomicBoolean();
        private final AtomicBoolean closing = new AtomicBoolean();
        private final CompletableFuture<Void> closed;

        private GroupMember(String group, String topic) {
            closed = CompletableFuture.runAsync(() -> {
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafkaBootstrap(),
                        ConsumerConfig.GROUP_ID_CONFIG, group,
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
                        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                    consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                        @Override
                        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        }

                        @Override
                        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                            joined.set(true); // called once the rebalance is complete, with or without partitions
                        }
                    });
                    while (!closing.get()) {
                        consumer.poll(Duration.ofMillis(100));
                    }
                }
            });
        }

        static GroupMember join(String group, String topic) {
            return new GroupMember(group, topic);
        }

        boolean joined() {
            return joined.get();
        }

        @Override
        public void close() throws Exception {
            closing.set(true);
            closed.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aPoisonDirectiveIsDeadLetteredWithAFailedReceiptAndTheNextOneIsProcessed() {
        String poisonUser = Directives.unique("poison-user");
        String nextUser = Directives.unique("eliq-user");
        eliq.register(WireMock.delete(urlPathEqualTo(USERS + poisonUser)).atPriority(1)
                .willReturn(aResponse().withStatus(422).withBody("{\"code\":\"INVALID_USER\"}")));
        ProcessorDirective poison = delete(poisonUser);
        ProcessorDirective next = ProcessorDirective.newBuilder(delete(nextUser))
                .setSubjectId(poison.getSubjectId()).build();

        Directives.publish(poison, next);
        List<PropagationReceipt> receipts = kafka.await(Directives.receipts("eliq"), poison.getSubjectId(), 2);

        assertThat(receipts).extracting(PropagationReceipt::getOutcome)
                .containsExactly(ReceiptOutcome.FAILED_PERMANENT, ReceiptOutcome.APPLIED);
        assertThat(receipts.get(0).getDetail()).contains("HTTP 422").doesNotContain(poisonUser);
        KafkaEvents.Event deadLetter = kafka.awaitEvents(DLQ, poison.getSubjectId(), 1).get(0);
        assertThat(deadLetter.headers()).containsEntry("dead-letter-topic", TOPIC)
                .containsKey("dead-letter-offset");
        assertThat(deadLetter.headers().get("dead-letter-reason")).contains("HTTP 422");
        // the original bytes, so a replay sends the very same directive
        assertThat(new String(deadLetter.raw(), StandardCharsets.ISO_8859_1)).contains(poison.getDirectiveId());
        eliq.verifyThat(1, deleteRequestedFor(urlPathEqualTo(USERS + nextUser)));
    }

    @Test
    void anUnreadableRecordIsDeadLetteredAsItCameAndTheConsumerGoesOn() {
        String key = Directives.unique("subject");
        Directives.publishRaw(TOPIC, key, "not avro".getBytes(StandardCharsets.UTF_8));
        String user = Directives.unique("eliq-user");
        ProcessorDirective after = ProcessorDirective.newBuilder(delete(user)).setSubjectId(key).build();
        Directives.publish(after);

        KafkaEvents.Event deadLetter = kafka.awaitEvents(DLQ, key, 1).get(0);
        assertThat(new String(deadLetter.raw(), StandardCharsets.UTF_8)).isEqualTo("not avro");
        assertThat(deadLetter.headers().get("dead-letter-reason")).contains("not a readable ProcessorDirective");
        List<PropagationReceipt> receipts = kafka.await(Directives.receipts("eliq"), key, 1);
        assertThat(receipts.get(0).getDirectiveId()).isEqualTo(after.getDirectiveId());
    }
}
