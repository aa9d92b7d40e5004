package no.elekt.consent.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import no.elekt.consent.events.ConsentChanged;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.Infra;
import no.elekt.consent.testinfra.KafkaEvents;
import no.elekt.consent.testinfra.TestIdentity;

/** Changes accepted while Kafka is unreachable are all delivered, in order per subject, once it is back. */
@QuarkusTest
@TestIdentity
class KafkaOutageTest {

    @Test
    void changesAcceptedDuringAnOutageAreDeliveredInOrderWhenKafkaIsBack() {
        List<String> subjects = List.of("outage-" + UUID.randomUUID(), "outage-" + UUID.randomUUID(),
                "outage-" + UUID.randomUUID());
        int changesPerSubject = 6;
        Infra.cutKafka();
        try {
            LeaderCutOffTest.send(subjects, 0, changesPerSubject);
            // accepted means durable: the events wait in the outbox while Kafka is away
            for (String subject : subjects) {
                assertThat(Db.count("select count(*) from outbox_event where message_key = ?", subject))
                        .isEqualTo(2L * changesPerSubject);
            }
        } finally {
            Infra.restoreKafka();
        }

        try (KafkaEvents kafka = KafkaEvents.from("consent.changes.v1")) {
            for (String subject : subjects) {
                List<ConsentChanged> events = kafka.await("consent.changes.v1", subject, changesPerSubject);
                // at least once: a batch cut half-way may be sent again, but first deliveries keep the order
                List<Long> firstSeen = new ArrayList<>(new LinkedHashSet<>(
                        events.stream().map(ConsentChanged::getVersion).toList()));
                assertThat(firstSeen).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
            }
        }
    }
}
