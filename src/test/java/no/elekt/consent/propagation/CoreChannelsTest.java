package no.elekt.consent.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import no.elekt.consent.lanes.PollHandover;

/**
 * The core's Kafka channels as application.properties sets them: receipt polls overlap, so their channel commits only
 * what every earlier poll finished and hands a partition over through {@link PollHandover}; and a poll may wait
 * unacknowledged through an outage for the whole retry budget without the connector failing the channel.
 */
@Tag("unit")
class CoreChannelsTest {

    static Properties properties() throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
            p.load(in);
        }
        return p;
    }

    @Test
    void overlappingReceiptPollsCommitInOrderAndHandPartitionsOver() throws IOException {
        Properties p = properties();
        String receipts = "mp.messaging.incoming.consent-receipts.";

        assertThat(p.getProperty(receipts + "commit-strategy")).isEqualTo("throttled");
        assertThat(p.getProperty(receipts + "consumer-rebalance-listener.name")).isEqualTo(PollHandover.NAME);
    }

    @Test
    void aPollRetriedThroughAnOutageIsNotTakenForAStuckOne() throws IOException {
        Properties p = properties();
        Duration budget = Duration.parse("PT" + p.getProperty("consent.retry.transient-budget").toUpperCase());

        for (String channel : new String[]{ "consent-receipts", "consent-change-requests" }) {
            String maxAge = p
                    .getProperty("mp.messaging.incoming." + channel + ".throttled.unprocessed-record-max-age.ms");
            assertThat(maxAge).as(channel).isNotNull();
            assertThat(Duration.ofMillis(Long.parseLong(maxAge))).as(channel).isGreaterThan(budget);
        }
    }
}
