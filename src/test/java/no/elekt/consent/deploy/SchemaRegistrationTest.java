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
        assertThat(get("/groups/" + group + "/artifacts/consent.changes.v1-value/versions"))
                .contains("\"version\":\"1\"");

        String receipt = Files.readString(Path.of("schemas/PropagationReceipt.avsc"));
        String optionalField = receipt.replace("\"fields\": [",
                "\"fields\": [{\"name\": \"region\", \"type\": [\"null\", \"string\"], \"default\": null},");
        String requiredField = receipt.replace("\"fields\": [",
                "\"fields\": [{\"name\": \"tenant\", \"type\": \"string\"},");

        assertThat(newVersion("consent.receipts.v1-value", optionalField).statusCode()).as("compatible change")
                .isEqualTo(200);
        HttpResponse<String> refused = newVersion("consent.receipts.v1-value", requiredField);
        assertThat(refused.statusCode()).as("incompatible change").isEqualTo(409);
        assertThat(refused.body()).contains("RuleViolationException");
    }

    /**
     * A backend or a serde that registers a schema file as it is (e.g. FIND_OR_CREATE_VERSION without canonical
     * matching, which compares the bytes) must find the version the deployment registered, not add a second one. So the
     * script registers each file's exact bytes, final newline included. (ProcessorDirective.avsc is registered with
     * the enums it uses inlined, so its content differs from the file by design.)
     */
    @Test
    void eachFileIsRegisteredAsItsExactBytesSoRegisteringTheFileAgainFindsTheSameVersion() throws Exception {
        register();
        for (String[] artifact : new String[][]{ { "consent.change-requests.v1-value", "ConsentChangeRequested.avsc" },
                { "consent.changes.v1-value", "ConsentChanged.avsc" },
                { "consent.receipts.v1-value", "PropagationReceipt.avsc" } }) {
            String file = Files.readString(Path.of("schemas", artifact[1]), StandardCharsets.UTF_8);
            ObjectNode body = json.createObjectNode().put("artifactId", artifact[0]).put("artifactType", "AVRO");
            body.putObject("firstVersion").putObject("content").put("content", file).put("contentType",
                    "application/json");
            HttpResponse<String> again = http.send(HttpRequest.newBuilder(URI.create(Infra.registryUrl() + "/groups/"
                    + group + "/artifacts?ifExists=FIND_OR_CREATE_VERSION"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
            assertThat(json.readTree(again.body()).path("version").path("version").asText())
                    .as(artifact[1] + " registered again").isEqualTo("1");
            assertThat(json.readTree(get("/groups/" + group + "/artifacts/" + artifact[0] + "/versions"))
                    .path("count").asInt()).as(artifact[1] + " versions").isEqualTo(1);
            assertThat(get("/groups/" + group + "/artifacts/" + artifact[0] + "/versions/1/content"))
                    .as(artifact[1] + " as registered").isEqualTo(file);
        }
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
