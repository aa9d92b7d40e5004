package no.elekt.consent.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import no.elekt.consent.lanes.PollHandover;

/** The directive channel's configuration, made from the adapters switched on: a copy, topic and group each. */
class DirectiveChannelsTest {

    static final String C = "mp.messaging.incoming.directives";

    @Test
    void oneAdapterIsOneConsumerOfItsOwnTopicInItsOwnGroup() {
        Map<String, String> p = DirectiveChannels.properties(List.of("mailgun"), name -> null);

        assertThat(p).containsEntry(C + ".topic", "consent.directives.mailgun.v1")
                .containsEntry(C + ".group.id", "consent-adapter-mailgun")
                .containsEntry(C + ".dead-letter-queue.topic", "consent.directives.mailgun.v1.dlq")
                .containsEntry(C + ".batch", "true")
                .containsEntry(C + ".enabled", "true")
                .containsEntry(C + ".concurrency", "1")
                .containsEntry(C + ".consumer-rebalance-listener.name", PollHandover.NAME)
                .containsEntry(C + "$1.topic", "consent.directives.mailgun.v1");
    }

    @Test
    void severalAdaptersAreOneCopyEachWithTheirOwnTopicGroupAndSettings() {
        Map<String, String> p = DirectiveChannels.properties(List.of("eliq", "mailgun"),
                name -> name.equals("consent.adapters.mailgun.max-poll-records") ? "200" : null);

        assertThat(p).containsEntry(C + ".concurrency", "2")
                .containsEntry(C + "$1.topic", "consent.directives.eliq.v1")
                .containsEntry(C + "$1.group.id", "consent-adapter-eliq")
                .containsEntry(C + "$1.max.poll.records", "100")
                .containsEntry(C + "$2.topic", "consent.directives.mailgun.v1")
                .containsEntry(C + "$2.group.id", "consent-adapter-mailgun")
                .containsEntry(C + "$2.dead-letter-queue.topic", "consent.directives.mailgun.v1.dlq")
                .containsEntry(C + "$2.max.poll.records", "200");
    }

    @Test
    void noAdapterIsNoChannel() {
        assertThat(DirectiveChannels.properties(List.of(), name -> null)).containsExactly(
                Map.entry(C + ".enabled", "false"));
    }

    @Test
    void aTopicNamesItsProcessor() {
        assertThat(DirectiveChannels.processorOf("consent.directives.some-processor.v1")).isEqualTo("some-processor");
        assertThat(DirectiveChannels.processorOf("consent.receipts.v1")).isNull();
    }
}
