package no.elekt.consent.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReceiptOutcome;
import no.elekt.consent.testinfra.KafkaEvents;

/**
 * Nothing retries forever that cannot succeed: a directive the adapter's own bookkeeping refuses for good (here a
 * subject id longer than adapter_directive keeps) is answered FAILED_PERMANENT and dead-lettered, and the directive
 * behind it in the same partition is handled.
 */
@QuarkusTest
class BookkeepingFailureTest {

    static final String TOPIC = "consent.directives.eliq.v1";
    static final int PARTITIONS = 3;

    @Test
    void aDirectiveTheBookkeepingRefusesIsDeadLetteredAndTheNextOneIsHandled() {
        String tooLong = "bookkeeping-" + "x".repeat(200);
        String next = sameKeyPartition(tooLong);
        ProcessorDirective refused = delete(tooLong);
        ProcessorDirective behind = delete(next);

        try (KafkaEvents kafka = KafkaEvents.from(Directives.receipts("eliq"), TOPIC + ".dlq")) {
            Directives.publish(refused, behind);

            List<PropagationReceipt> nextReceipts = kafka.await(Directives.receipts("eliq"), next, 1);
            assertThat(nextReceipts.get(0).getOutcome()).isEqualTo(ReceiptOutcome.APPLIED);
            PropagationReceipt failed = kafka.<PropagationReceipt>await(Directives.receipts("eliq"), tooLong, 1).get(0);
            assertThat(failed.getOutcome()).isEqualTo(ReceiptOutcome.FAILED_PERMANENT);
            assertThat(failed.getDetail()).contains("could not be recorded");
            assertThat(kafka.awaitEvents(TOPIC + ".dlq", tooLong, 1)).hasSize(1);
        }
    }

    private static ProcessorDirective delete(String subject) {
        ProcessorDirective directive = Directives.directive("eliq", DirectiveAction.DELETE, "energy-insights", 1,
                Map.of("eliqUserId", Directives.unique("eliq-user")));
        directive.setSubjectId(subject);
        return directive;
    }

    /** A subject whose records land in the same partition as {@code key}'s, as Kafka's default partitioner puts it. */
    private static String sameKeyPartition(String key) {
        int partition = partition(key);
        for (int i = 0;; i++) {
            String candidate = Directives.unique("bookkeeping-next") + i;
            if (partition(candidate) == partition) {
                return candidate;
            }
        }
    }

    private static int partition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }
}
