package no.elekt.consent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import no.elekt.consent.testinfra.Infra;

/**
 * The deployment registers schemas/ in the real registry with the BACKWARD rule (deploy/register-schemas.sh),
 * and the registry then refuses an incompatible change.
 */
class SchemaRegistrationTest {

    private final String group = "deploy-test-" + UUID.randomUUID();
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void schemasAreRegisteredWithTheRuleAndAnIncompatibleChangeIsRefused() throws Exception {
        assertThat(register()).as("first registration").isZero();
        assertThat(register()).as("a second run finds what is there").isZero();
        assertThat(get("/groups/" + group + "/artifacts/consent.receipts.v1-value/rules/COMPATIBILITY"))
                .contains("BACKWARD");
        assertThat(get("/groups/" + group + "/artifacts/consent.changes.v1-value/versions")).contains("\"version\":\"1\"");

        String receipt = Files.readString(Path.of("schemas/PropagationReceipt.avsc"));
        String optionalField = receipt.replace("\"fields\": [",
                "\"fields\": [{\"name\": \"region\", \"type\": [\"null\", \"string\"], \"default\": null},");
        String requiredField = receipt.replace("\"fields\": [",
                "\"fields\": [{\"name\": \"tenant\", \"type\": \"string\"},");

        assertThat(newVersion("consent.receipts.v1-value", optionalField).statusCode()).as("compatible change").isEqualTo(200);
        HttpResponse<String> refused = newVersion("consent.receipts.v1-value", requiredField);
        assertThat(refused.statusCode()).as("incompatible change").isEqualTo(409);
        assertThat(refused.body()).contains("RuleViolationException");
    }

    private int register() throws IOException, InterruptedException {
        ProcessBuilder script = new ProcessBuilder("sh", "deploy/register-schemas.sh").redirectErrorStream(true);
        script.environment().put("REGISTRY_URL", Infra.registryUrl());
        script.environment().put("SCHEMAS_DIR", "schemas");
        script.environment().put("GROUP_ID", group);
        Process process = script.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        assertThat(exit).as(output).isZero();
        return exit;
    }

    private String get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(Infra.registryUrl() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private HttpResponse<String> newVersion(String artifact, String schema) throws IOException, InterruptedException {
        ObjectNode body = json.createObjectNode();
        body.putObject("content").put("content", schema).put("contentType", "application/json");
        return http.send(HttpRequest.newBuilder(
                URI.create(Infra.registryUrl() + "/groups/" + group + "/artifacts/" + artifact + "/versions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
