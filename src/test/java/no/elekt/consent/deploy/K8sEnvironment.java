package no.elekt.consent.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The environment the kubelet would give a Deployment's first container, from rendered manifests: {@code envFrom}
 * (ConfigMaps, Secrets), then {@code env} (values, {@code secretKeyRef}, {@code configMapKeyRef}), later entries
 * winning; a reference to a Secret, ConfigMap or key that is not rendered fails, as the pod would. Secret and ConfigMap
 * volumes are written under a directory, and every mount path in a value points there instead.
 */
final class K8sEnvironment {

    private K8sEnvironment() {
    }

    static Map<String, String> of(List<JsonNode> rendered, JsonNode deployment, Path files) throws IOException {
        JsonNode pod = deployment.path("spec").path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        Map<String, String> environment = new LinkedHashMap<>();
        for (JsonNode from : container.path("envFrom")) {
            boolean secret = from.has("secretRef");
            environment.putAll(data(rendered, secret ? "Secret" : "ConfigMap",
                    from.path(secret ? "secretRef" : "configMapRef").path("name").asText()));
        }
        for (JsonNode variable : container.path("env")) {
            String name = variable.path("name").asText();
            JsonNode from = variable.path("valueFrom");
            if (variable.has("value")) {
                environment.put(name, variable.path("value").asText());
            } else if (from.has("secretKeyRef") || from.has("configMapKeyRef")) {
                boolean secret = from.has("secretKeyRef");
                JsonNode ref = from.path(secret ? "secretKeyRef" : "configMapKeyRef");
                String value = data(rendered, secret ? "Secret" : "ConfigMap", ref.path("name").asText())
                        .get(ref.path("key").asText());
                if (value == null) {
                    throw new AssertionError(name + ": no key " + ref.path("key").asText() + " in " + ref.path("name"));
                }
                environment.put(name, value);
            } else {
                throw new AssertionError(name + ": a source this test does not resolve: " + variable);
            }
        }
        for (JsonNode mount : container.path("volumeMounts")) {
            JsonNode volume = null;
            for (JsonNode v : pod.path("volumes")) {
                volume = v.path("name").asText().equals(mount.path("name").asText()) ? v : volume;
            }
            boolean secret = volume.has("secret");
            JsonNode source = volume.path(secret ? "secret" : "configMap");
            if (source.isMissingNode()) {
                continue; // emptyDir
            }
            Map<String, String> data = data(rendered, secret ? "Secret" : "ConfigMap",
                    source.path(secret ? "secretName" : "name").asText());
            Path dir = Files.createDirectories(files.resolve(mount.path("name").asText()));
            if (source.has("items")) {
                for (JsonNode item : source.path("items")) {
                    Files.writeString(dir.resolve(item.path("path").asText()), data.get(item.path("key").asText()));
                }
            } else {
                for (var entry : data.entrySet()) {
                    Files.writeString(dir.resolve(entry.getKey()), entry.getValue());
                }
            }
            String path = mount.path("mountPath").asText() + "/";
            environment.replaceAll((k, v) -> v.replace(path, dir + "/"));
        }
        return environment;
    }

    /** A rendered Secret's or ConfigMap's keys and values (Secrets' data decoded from base64). */
    private static Map<String, String> data(List<JsonNode> rendered, String kind, String name) {
        JsonNode object = Manifests.find(rendered, kind, name);
        Map<String, String> data = new LinkedHashMap<>();
        object.path("data").fields().forEachRemaining(e -> data.put(e.getKey(), kind.equals("Secret")
                ? new String(Base64.getDecoder().decode(e.getValue().asText()), StandardCharsets.UTF_8)
                : e.getValue().asText()));
        object.path("stringData").fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
        return data;
    }
}
