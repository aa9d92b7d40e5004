package no.elekt.consent.rights;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.identifiers.DirectiveSeal;
import no.elekt.consent.testinfra.Db;
import no.elekt.consent.testinfra.Infra;
import no.elekt.consent.testinfra.KafkaEvents;
import no.elekt.consent.testinfra.ProcessorStandIns;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * Crypto-shredding end to end: identifiers leave the database only sealed with the subject's data key, and an
 * erasure's purge deletes that key, so the directives still on the directive topics and a dead letter of one can no
 * longer be opened, and no identifier is left in any table.
 */
@QuarkusTest
@TestIdentity
class CryptoShreddingTest {

    static final String MAILGUN = "consent.directives.mailgun.v1";
    static final String ELIQ = "consent.directives.eliq.v1";
    static final String ELIQ_DLQ = ELIQ + ".dlq";

    @Inject
    DirectiveSeal seal;

    @Inject
    Pool pool;

    @Test
    void afterAnErasureTheDirectivesOnTheTopicsAndTheirDeadLettersCanNoLongerBeRead() throws Exception {
        RightsRequestTest.Subject s = RightsRequestTest.subject();
        String eliqUser = s.identifiers().get("eliqUserId");
        try (KafkaEvents kafka = KafkaEvents.from(MAILGUN, ELIQ, ELIQ_DLQ)) {
            // an objection whose deletion Eliq refuses for good: its directive is dead-lettered, identifiers and all
            StubMapping refusal = ProcessorStandIns.wireMock().register(WireMock.delete(urlPathEqualTo(
                    ProcessorStandIns.ELIQ_BASE_PATH + "/users/" + eliqUser)).atPriority(1)
                    .willReturn(aResponse().withStatus(400).withBody("{\"code\":\"INVALID_ID\"}")));
            try {
                RightsRequestTest.submit(s.id(), Map.of("type", "OBJECTION", "purposes", List.of("energy-insights")));
                kafka.awaitEvents(ELIQ_DLQ, s.id(), 1);
            } finally {
                ProcessorStandIns.wireMock().removeStubMapping(refusal);
            }

            // the erasure, closed at every processor (AddApptr by ops), then purged
            String requestId = RightsRequestTest.submit(s.id(), Map.of("type", "ERASURE")).getString("requestId");
            String addapptr = RightsRequestTest.awaitStatus(s.id(), requestId, "AWAITING_MANUAL")
                    .getString("propagations.find { it.processor == 'addapptr' }.directiveId");
            List<ProcessorDirective> onTopics = new ArrayList<>();
            onTopics.addAll(kafka.<ProcessorDirective>await(MAILGUN, s.id(), 2)); // the erasure's two purposes
            onTopics.addAll(kafka.<ProcessorDirective>await(ELIQ, s.id(), 2)); // objection and erasure
            onTopics.add(deadLetter(kafka.awaitEvents(ELIQ_DLQ, s.id(), 1).get(0).raw()));

            // on the wire the identifiers are sealed: no value in clear, in any record's bytes
            for (KafkaEvents.Event e : all(kafka, s.id())) {
                String bytes = new String(e.raw(), StandardCharsets.ISO_8859_1);
                s.identifiers().values().forEach(v -> assertThat(bytes).as(e.topic()).doesNotContain(v));
            }
            // while the subject's key exists, the adapters open them
            assertThat(opened(onTopics)).contains(s.email(), eliqUser);

            given().contentType(ContentType.JSON).body(Map.of("note", "AddApptr confirmed the deletion by mail"))
                    .post("/v1/ops/propagations/" + addapptr + "/confirm").then().statusCode(200)
                    .body("status", equalTo("CONFIRMED"));
            RightsRequestTest.awaitPurged(s.id(), requestId);

            assertThat(Db.count("select count(*) from subject_key where subject_id = ?", s.id())).isZero();
            // every copy still on the topics and the dead-letter topic opens with no identifier
            assertThat(opened(onTopics)).isEmpty();
            assertThat(onTopics).allSatisfy(d -> assertThat(d.getSealedIdentifiers().remaining()).isPositive());
        }
        // and no table holds an identifier in clear
        for (String value : s.identifiers().values()) {
            assertThat(tablesContaining(value)).as("tables holding " + value).isEmpty();
        }
    }

    private static List<KafkaEvents.Event> all(KafkaEvents kafka, String subject) {
        List<KafkaEvents.Event> all = new ArrayList<>(kafka.events(MAILGUN, subject));
        all.addAll(kafka.events(ELIQ, subject));
        all.addAll(kafka.events(ELIQ_DLQ, subject));
        return all;
    }

    /** Every identifier value the directives open to, with the data keys in the database now. */
    private List<String> opened(List<ProcessorDirective> directives) {
        return seal.open(pool, directives).await().atMost(Duration.ofSeconds(10)).stream()
                .peek(o -> assertThat(o.unreadable()).isNull())
                .flatMap(o -> o.directive().getIdentifierValues().values().stream().flatMap(List::stream))
                .toList();
    }

    /** A dead letter holds the directive as it arrived: decoded as its source topic's record. */
    private static ProcessorDirective deadLetter(byte[] raw) {
        try (AvroKafkaDeserializer<Object> avro = new AvroKafkaDeserializer<>()) {
            avro.configure(Map.of("apicurio.registry.url", Infra.registryUrl(),
                    "apicurio.registry.use-specific-avro-reader", "true"), false);
            return (ProcessorDirective) avro.deserialize(ELIQ, new RecordHeaders(), raw);
        }
    }

    /** The tables of the service's schema with a row whose text holds the value. */
    private static List<String> tablesContaining(String value) throws Exception {
        List<String> tables = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(Infra.jdbcUrl(), "postgres", "postgres")) {
            List<String> names = new ArrayList<>();
            try (ResultSet rs = c.createStatement().executeQuery(
                    "select table_name from information_schema.tables where table_schema = 'public' "
                            + "and table_type = 'BASE TABLE'")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            for (String table : names) {
                var query = c.prepareStatement("select count(*) from \"" + table + "\" t where t::text like ?");
                query.setString(1, "%" + value + "%");
                try (ResultSet rs = query.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        tables.add(table);
                    }
                }
            }
        }
        return tables;
    }
}
