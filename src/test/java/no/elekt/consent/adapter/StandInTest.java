package no.elekt.consent.adapter;

import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import no.elekt.consent.testinfra.KafkaEvents;
import no.elekt.consent.testinfra.ProcessorStandIns;

/** Base of adapter tests: the processor stand-ins, receipts read from Kafka, and stubs that fail once. */
public abstract class StandInTest {

    protected static KafkaEvents kafka;
    protected static WireMock standIns;
    private static int violationsBefore;

    @BeforeAll
    static void connect() {
        kafka = KafkaEvents.from(Directives.RECEIPT_TOPICS);
        standIns = ProcessorStandIns.wireMock();
        violationsBefore = ProcessorStandIns.control().getContractViolations().length;
    }

    @AfterAll
    static void disconnect() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** Every request the adapters sent matched the processor's published API description. */
    @AfterAll
    static void everyRequestMatchedThePublishedDescriptions() {
        String[] all = ProcessorStandIns.control().getContractViolations();
        assertThat(java.util.Arrays.asList(all).subList(Math.min(violationsBefore, all.length), all.length)).isEmpty();
    }

    /** The request answers {@code first} once, then {@code then}: a processor that recovers. */
    protected static void firstThen(Supplier<MappingBuilder> request, ResponseDefinitionBuilder first,
            ResponseDefinitionBuilder then) {
        String scenario = Directives.unique("scenario");
        standIns.register(request.get().inScenario(scenario).whenScenarioStateIs(STARTED).willReturn(first)
                .willSetStateTo("recovered"));
        standIns.register(request.get().inScenario(scenario).whenScenarioStateIs("recovered").willReturn(then));
    }

    /**
     * The request fails once as given; after that the processor answers as usual (the stand-in's model, which also
     * holds what the call did, so a read-back sees it).
     */
    protected static void failsOnce(Supplier<MappingBuilder> request, ResponseDefinitionBuilder failure) {
        String scenario = Directives.unique("scenario");
        standIns.register(request.get().inScenario(scenario).whenScenarioStateIs(STARTED).willReturn(failure)
                .willSetStateTo("failed once"));
    }

    /** Two calls, the second at least {@code millis} after the first (e.g. as a Retry-After asked). */
    protected static void assertTwoCallsSpacedBy(List<LoggedRequest> calls, long millis) {
        assertThat(calls).hasSize(2);
        assertThat(calls.get(1).getLoggedDate().getTime() - calls.get(0).getLoggedDate().getTime())
                .isGreaterThanOrEqualTo(millis);
    }
}
