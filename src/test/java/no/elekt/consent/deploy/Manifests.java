package no.elekt.consent.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/** The deployment files as the tools render them: kubectl kustomize for Kubernetes, docker-compose config for Compose. */
final class Manifests {

    static final YAMLMapper YAML = new YAMLMapper();

    private Manifests() {
    }

    /** Renders a Kustomize directory; first copies schemas/ next to the base (deploy/k8s/sync-schemas.sh), as CI does. */
    static List<JsonNode> kustomize(Path dir) throws IOException, InterruptedException {
        run(List.of("sh", "deploy/k8s/sync-schemas.sh"), Map.of());
        return documents(run(List.of("kubectl", "kustomize", dir.toString()), Map.of()));
    }

    /** deploy/k8s/overlays/*, the directories CI renders. */
    static List<Path> overlays() throws IOException {
        try (Stream<Path> dirs = Files.list(Path.of("deploy/k8s/overlays"))) {
            return dirs.filter(Files::isDirectory).sorted().toList();
        }
    }

    static List<JsonNode> documents(String yaml) throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode document = it.next();
                if (document != null && !document.isNull() && !document.isEmpty()) {
                    documents.add(document);
                }
            }
        }
        return documents;
    }

    static JsonNode find(List<JsonNode> documents, String kind, String name) {
        return documents.stream()
                .filter(d -> d.path("kind").asText().equals(kind)
                        && d.path("metadata").path("name").asText().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " rendered"));
    }

    /** Runs a command from the repository root with extra environment variables; its standard output, or a failure. */
    static String run(List<String> command, Map<String, String> environment) throws IOException, InterruptedException {
        Path errors = Files.createTempFile("manifests", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(errors.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + Files.readString(errors));
            }
            return out;
        } finally {
            Files.deleteIfExists(errors);
        }
    }
}
