package no.elekt.consent.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The intake channel follows the app backends configured: one topic each, none without them. */
@Tag("unit")
class IntakeChannelsTest {

    @Test
    void eachBackendHasItsOwnTopicAndNoBackendMeansNoKafkaIntake() {
        assertThat(IntakeChannels.properties(List.of("app", "web")))
                .containsEntry("mp.messaging.incoming.consent-change-requests.topics",
                        "consent.change-requests.app.v1,consent.change-requests.web.v1")
                .containsEntry("mp.messaging.incoming.consent-change-requests.enabled", "${consent.core.enabled}");
        assertThat(IntakeChannels.properties(List.of()))
                .containsEntry("mp.messaging.incoming.consent-change-requests.enabled", "false")
                .doesNotContainKey("mp.messaging.incoming.consent-change-requests.topics");
    }

    @Test
    void theBackendIsReadFromItsTopicOnly() {
        assertThat(IntakeChannels.backendOf("consent.change-requests.web.v1")).isEqualTo("web");
        assertThat(IntakeChannels.backendOf("consent.change-requests.web.v1.dlq")).isNull();
        assertThat(IntakeChannels.backendOf("consent.change-requests.v1")).isNull();
        assertThat(IntakeChannels.backendOf("consent.receipts.web.v1")).isNull();
    }
}
