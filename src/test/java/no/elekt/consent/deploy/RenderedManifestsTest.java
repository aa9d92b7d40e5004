package no.elekt.consent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;

/** What the rendered Kubernetes overlays must keep, checked on {@code kubectl kustomize}'s output. */
class RenderedManifestsTest {

    /** The registration Job registers what schemas/ holds, byte for byte (see SchemaRegistrationTest). */
    @ParameterizedTest
    @MethodSource("no.elekt.consent.deploy.Manifests#overlays")
    void theSchemaRegistrationJobGetsTheSchemaFilesAndTheScriptByteForByte(Path overlay) throws Exception {
        List<JsonNode> rendered = Manifests.kustomize(overlay);
        JsonNode schemas = configMap(rendered, "consent-schemas");
        for (String file : List.of("ConsentChangeRequested.avsc", "ConsentChanged.avsc", "ProcessorDirective.avsc",
                "PropagationReceipt.avsc")) {
            assertThat(schemas.path("data").path(file).asText()).as(file)
                    .isEqualTo(Files.readString(Path.of("schemas", file)));
        }
        assertThat(configMap(rendered, "consent-register-schemas-script").path("data").path("register-schemas.sh")
                .asText()).isEqualTo(Files.readString(Path.of("deploy/register-schemas.sh")));
    }

    /** Generated ConfigMaps carry a hash suffix: the one whose name starts with the generator's. */
    static JsonNode configMap(List<JsonNode> rendered, String name) {
        return rendered.stream().filter(d -> d.path("kind").asText().equals("ConfigMap")
                && d.path("metadata").path("name").asText().matches(name + "(-[a-z0-9]{10})?"))
                .findFirst().orElseThrow(() -> new AssertionError("no ConfigMap " + name));
    }
}
