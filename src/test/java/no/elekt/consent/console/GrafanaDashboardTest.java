package no.elekt.consent.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.quarkus.test.junit.QuarkusTest;
import no.elekt.consent.adapter.Directives;
import no.elekt.consent.testinfra.KafkaPublisher;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * The Grafana dashboard of deploy/compose parses, queries the datasource the stack provisions, and every metric it
 * queries is one the service really exposes on /q/metrics once it has done the work the panel shows (a change
 * relayed and carried out at Mailgun, a receipt dead-lettered). Prometheus scrapes the core's management port.
 */
@QuarkusTest
@TestIdentity
class GrafanaDashboardTest {

    static final Path COMPOSE = Path.of("deploy/compose");
    /** Metric names as Micrometer's Prometheus registry writes them; every expression must name one. */
    static final Pattern METRIC = Pattern.compile("\\b(?:consent|http_server|jvm|process)_[a-z0-9_]+\\b");

    @Test
    void everyMetricTheDashboardQueriesIsExposedByTheService() throws IOException {
        JsonNode dashboard = new ObjectMapper()
                .readTree(COMPOSE.resolve("grafana/dashboards/consent-propagation.json").toFile());
        String datasource = new YAMLMapper()
                .readTree(COMPOSE.resolve("grafana/provisioning/datasources/prometheus.yml").toFile())
                .at("/datasources/0/uid").asText();
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            assertThat(panel.at("/datasource/uid").asText()).as(panel.get("title").asText()).isEqualTo(datasource);
            panel.get("targets").forEach(t -> expressions.add(t.get("expr").asText()));
        }
        Set<String> queried = new TreeSet<>();
        for (String expr : expressions) {
            Matcher m = METRIC.matcher(expr);
            assertThat(m.find()).as("a known metric in " + expr).isTrue();
            do {
                queried.add(m.group());
            } while (m.find());
        }
        assertThat(queried).hasSizeGreaterThanOrEqualTo(12);

        // the work the panels show: a change carried out at Mailgun, and an unreadable receipt dead-lettered
        Directives.postChange(Directives.unique("dashboard"), "newsletter", "WITHDRAWN",
                Map.of("email", Directives.unique("dash") + "@example.no"));
        try (KafkaPublisher publisher = new KafkaPublisher()) {
            publisher.sendRaw(Directives.receipts("mailgun"), Directives.unique("dashboard"), new byte[]{ 1, 2, 3 });
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Set<String> exposed = exposedMetricNames();
            assertThat(queried).as("queried by the dashboard but not on /q/metrics")
                    .allMatch(exposed::contains);
        });
    }

    @Test
    void prometheusScrapesTheCoresManagementPortAndGrafanaIsProvisionedInTheStack() throws IOException {
        JsonNode prometheus = new YAMLMapper().readTree(COMPOSE.resolve("prometheus/prometheus.yml").toFile());
        JsonNode core = prometheus.at("/scrape_configs/0");
        assertThat(core.get("metrics_path").asText()).isEqualTo("/q/metrics");
        assertThat(core.at("/static_configs/0/targets/0").asText()).isEqualTo("core:9000");

        JsonNode compose = new YAMLMapper().readTree(COMPOSE.resolve("docker-compose.yml").toFile());
        assertThat(compose.at("/services/prometheus/volumes").toString()).contains("./prometheus/prometheus.yml");
        assertThat(compose.at("/services/grafana/volumes").toString())
                .contains("./grafana/provisioning", "./grafana/dashboards");
        assertThat(Files.exists(COMPOSE.resolve("grafana/provisioning/dashboards/dashboards.yml"))).isTrue();
    }

    private static Set<String> exposedMetricNames() {
        Set<String> names = new TreeSet<>();
        given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
                .filter(line -> !line.startsWith("#") && !line.isBlank())
                .forEach(line -> names.add(line.split("[{ ]", 2)[0]));
        return names;
    }
}
