package no.elekt.consent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Every kafka.strimzi.io object of every overlay, as {@code kubectl kustomize} renders it, against the CRDs of the
 * Strimzi release the manifests are for (deploy/README.md), so that the next API removal fails the build and not a
 * deployment.
 * <p>
 * The CRDs are not copied into this repository: they are generated here exactly as Strimzi's own build generates the
 * ones it publishes, by its CRD generator from its API model ({@code io.strimzi:api} and {@code io.strimzi:crd-generator}
 * of that release, from Maven Central, resolved through src/test/strimzi/pom.xml). Both are Java 21 code, so they run
 * in a Java 21+ runtime of the machine (system property {@code strimzi.java}, or the newest JDK under /usr/lib/jvm).
 * <p>
 * Each object must use an API version the CRD serves, and must validate against that version's openAPIV3Schema as the
 * API server does with strict field validation: types, required fields, enums, bounds, and no unknown field (except
 * where the schema preserves unknown fields). The CEL rules ({@code x-kubernetes-validations}) are not evaluated; any
 * other schema keyword this check does not know fails the test rather than passing unchecked.
 */
class StrimziManifestsTest {

    static final String STRIMZI_VERSION = "1.2.0";
    private static final Path WORK = Path.of("target", "strimzi-" + STRIMZI_VERSION).toAbsolutePath();
    /** The model class of each Strimzi custom resource kind, as Strimzi's build passes them to its CRD generator. */
    private static final Map<String, String> MODEL = Map.of(
            "Kafka", "io.strimzi.api.kafka.model.kafka.Kafka",
            "KafkaNodePool", "io.strimzi.api.kafka.model.nodepool.KafkaNodePool",
            "KafkaTopic", "io.strimzi.api.kafka.model.topic.KafkaTopic",
            "KafkaUser", "io.strimzi.api.kafka.model.user.KafkaUser",
            "KafkaConnect", "io.strimzi.api.kafka.model.connect.KafkaConnect",
            "KafkaConnector", "io.strimzi.api.kafka.model.connector.KafkaConnector",
            "KafkaBridge", "io.strimzi.api.kafka.model.bridge.KafkaBridge",
            "KafkaMirrorMaker2", "io.strimzi.api.kafka.model.mirrormaker2.KafkaMirrorMaker2",
            "KafkaRebalance", "io.strimzi.api.kafka.model.rebalance.KafkaRebalance");
    private static final Set<String> DOCUMENTATION = Set.of("description", "default", "format", "nullable");

    private static final Map<String, JsonNode> crds = new HashMap<>();

    @BeforeAll
    static void generateStrimzisCrds() throws Exception {
        Files.createDirectories(WORK);
        List<String> command = new ArrayList<>(List.of(java21().toString(), "-cp", classpath(),
                "io.strimzi.crdgenerator.CrdGenerator", "--crd-api-version", "v1", "--api-versions", "v1",
                "--storage-version", "v1", "--yaml"));
        MODEL.forEach((kind, type) -> command.add(type + "=" + WORK.resolve(kind + ".yaml")));
        Manifests.run(command, Map.of());
        for (String kind : MODEL.keySet()) {
            crds.put(kind, Manifests.documents(Files.readString(WORK.resolve(kind + ".yaml"))).get(0));
        }
    }

    @ParameterizedTest
    @MethodSource("no.elekt.consent.deploy.Manifests#overlays")
    void everyStrimziObjectIsServedByTheStrimziReleaseAndValidAgainstItsSchema(Path overlay) throws Exception {
        List<String> errors = new ArrayList<>();
        int checked = 0;
        for (JsonNode object : Manifests.kustomize(overlay)) {
            String[] apiVersion = object.path("apiVersion").asText().split("/");
            if (!apiVersion[0].equals("kafka.strimzi.io")) {
                continue;
            }
            checked++;
            String kind = object.path("kind").asText();
            String what = kind + " " + object.path("metadata").path("name").asText() + ": ";
            JsonNode crd = crds.get(kind);
            if (crd == null) {
                errors.add(what + "no such kind in Strimzi " + STRIMZI_VERSION);
                continue;
            }
            Optional<JsonNode> version = stream(crd.path("spec").path("versions"))
                    .filter(v -> v.path("name").asText().equals(apiVersion[1]) && v.path("served").asBoolean())
                    .findFirst();
            if (version.isEmpty()) {
                errors.add(what + object.path("apiVersion").asText() + " is not served by Strimzi " + STRIMZI_VERSION
                        + " (it serves "
                        + stream(crd.path("spec").path("versions")).filter(v -> v.path("served").asBoolean())
                                .map(v -> v.path("name").asText()).toList()
                        + ")");
                continue;
            }
            validate(object, version.get().path("schema").path("openAPIV3Schema"), "", errors, what);
            if (!object.path("metadata").path("labels").has("strimzi.io/cluster")) {
                errors.add(what + "no strimzi.io/cluster label: the operators ignore it");
            }
        }
        assertThat(checked).as("Strimzi objects in " + overlay).isPositive();
        assertThat(errors).as(overlay + " against Strimzi " + STRIMZI_VERSION).isEmpty();
    }

    /** Structural-schema validation as the API server applies it (strict field validation), without CEL rules. */
    private static void validate(JsonNode value, JsonNode schema, String path, List<String> errors, String what) {
        for (Iterator<String> keys = schema.fieldNames(); keys.hasNext();) {
            String key = keys.next();
            if (!DOCUMENTATION.contains(key) && !Set
                    .of("type", "properties", "required", "items", "additionalProperties",
                            "enum", "minimum", "maximum", "x-kubernetes-preserve-unknown-fields",
                            "x-kubernetes-validations")
                    .contains(key)) {
                errors.add(what + path + ": schema keyword " + key + " is not checked by this test");
            }
        }
        if (schema.has("enum") && stream(schema.get("enum")).noneMatch(value::equals)) {
            errors.add(what + path + ": " + value + " is not one of " + schema.get("enum"));
        }
        String type = schema.path("type").asText();
        boolean ok = switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> true;
        };
        if (!ok) {
            errors.add(what + path + ": " + value.getNodeType() + " where the schema wants " + type);
            return;
        }
        if (schema.has("minimum") && value.isNumber() && value.asDouble() < schema.get("minimum").asDouble()
                || schema.has("maximum") && value.isNumber() && value.asDouble() > schema.get("maximum").asDouble()) {
            errors.add(what + path + ": " + value + " is out of bounds");
        }
        if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                validate(value.get(i), schema.path("items"), path + "[" + i + "]", errors, what);
            }
        }
        if (!value.isObject()) {
            return;
        }
        stream(schema.path("required")).map(JsonNode::asText).filter(r -> !value.has(r))
                .forEach(r -> errors.add(what + path + ": required field " + r + " is missing"));
        boolean preserveUnknown = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean()
                || path.equals(".metadata"); // ObjectMeta: validated by the API server itself, not by the CRD
        for (Iterator<Map.Entry<String, JsonNode>> fields = value.fields(); fields.hasNext();) {
            Map.Entry<String, JsonNode> field = fields.next();
            String at = path + "." + field.getKey();
            if (schema.path("properties").has(field.getKey())) {
                validate(field.getValue(), schema.path("properties").get(field.getKey()), at, errors, what);
            } else if (schema.path("additionalProperties").isObject()) {
                validate(field.getValue(), schema.get("additionalProperties"), at, errors, what);
            } else if (!preserveUnknown) {
                errors.add(what + at + ": unknown field");
            }
        }
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items.stream();
    }

    /** The classpath of Strimzi's API model and CRD generator, resolved by Maven (offline first). */
    private static String classpath() throws IOException, InterruptedException {
        Path out = WORK.resolve("classpath.txt");
        String mvn = Files.isExecutable(Path.of("mvnw")) ? Path.of("mvnw").toAbsolutePath().toString() : "mvn";
        IllegalStateException failure = null;
        for (String mode : List.of("-o", "-U")) {
            try {
                Manifests.run(List.of(mvn, "-q", "-B", mode, "-f", "src/test/strimzi/pom.xml",
                        "-Dstrimzi.version=" + STRIMZI_VERSION, "dependency:build-classpath",
                        "-Dmdep.outputFile=" + out), Map.of());
                return Files.readString(out).trim();
            } catch (IllegalStateException e) {
                failure = e;
            }
        }
        throw failure;
    }

    /** A Java 21+ runtime: -Dstrimzi.java, else this JVM if it is one, else the newest JDK under /usr/lib/jvm. */
    private static Path java21() throws IOException {
        String configured = System.getProperty("strimzi.java");
        if (configured != null) {
            return Path.of(configured);
        }
        if (Runtime.version().feature() >= 21) {
            return Path.of(System.getProperty("java.home"), "bin", "java");
        }
        Pattern version = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)");
        Path best = null;
        int bestFeature = 20;
        Path jvms = Path.of("/usr/lib/jvm");
        try (Stream<Path> jdks = Files.isDirectory(jvms) ? Files.list(jvms) : Stream.empty()) {
            for (Path jdk : jdks.toList()) {
                Path release = jdk.resolve("release");
                if (Files.isRegularFile(release) && Files.isExecutable(jdk.resolve("bin/java"))) {
                    Matcher m = version.matcher(Files.readString(release));
                    if (m.find() && Integer.parseInt(m.group(1)) > bestFeature) {
                        bestFeature = Integer.parseInt(m.group(1));
                        best = jdk.resolve("bin/java");
                    }
                }
            }
        }
        if (best == null) {
            throw new IllegalStateException(
                    "Strimzi " + STRIMZI_VERSION + "'s CRD generator needs Java 21+: install one"
                            + " under /usr/lib/jvm or pass -Dstrimzi.java=<path to its bin/java>");
        }
        return best;
    }
}
