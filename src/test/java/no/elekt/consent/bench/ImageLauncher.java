package no.elekt.consent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The heap and GC options the container image's launcher gives the JVM, so the benchmark runs the service as the image
 * does. Quarkus' Jib build puts the service on {@code registry.access.redhat.com/ubi9/openjdk-17-runtime}, which starts
 * it with {@code run-java.sh}; that script's {@code java-default-options} turns the image's environment into options
 * (a heap share of the pod's memory limit, ParallelGC and its sizing policy unless told otherwise). The environment the
 * image is built with is {@code quarkus.jib.environment-variables} in application.properties, read here; a pod may
 * override it, and {@code bench.jvm-options} then models that.
 */
final class ImageLauncher {

    private static final Pattern VARIABLE = Pattern
            .compile("^quarkus\\.jib\\.environment-variables\\.\"?([A-Z0-9_]+)\"?\\s*=\\s*(.*)$");

    private ImageLauncher() {
    }

    /** The image's environment, as application.properties builds it (no profile: the image runs the prod profile). */
    static Map<String, String> environment(Path applicationProperties) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : Files.readAllLines(applicationProperties)) {
            Matcher m = VARIABLE.matcher(line.trim());
            if (m.matches()) {
                env.put(m.group(1), m.group(2).trim());
            }
        }
        return env;
    }

    /** The options java-default-options makes of this environment, in its order. */
    static List<String> options(Map<String, String> env) {
        List<String> options = new ArrayList<>();
        String ratio = env.getOrDefault("JAVA_MAX_MEM_RATIO", "");
        if (!ratio.equals("0")) { // 0 switches the heap share off
            options.add("-XX:MaxRAMPercentage="
                    + (ratio.isBlank() ? "80" : Long.toString(Math.round(Double.parseDouble(ratio)))) + ".0");
        }
        for (String gc : env.getOrDefault("GC_CONTAINER_OPTIONS", "-XX:+UseParallelGC").split("\\s+")) {
            if (!gc.isBlank()) {
                options.add(gc);
            }
        }
        options.add("-XX:MinHeapFreeRatio=" + env.getOrDefault("GC_MIN_HEAP_FREE_RATIO", "10"));
        options.add("-XX:MaxHeapFreeRatio=" + env.getOrDefault("GC_MAX_HEAP_FREE_RATIO", "20"));
        options.add("-XX:GCTimeRatio=" + env.getOrDefault("GC_TIME_RATIO", "4"));
        options.add("-XX:AdaptiveSizePolicyWeight=" + env.getOrDefault("GC_ADAPTIVE_SIZE_POLICY_WEIGHT", "90"));
        if (env.containsKey("GC_MAX_METASPACE_SIZE")) {
            options.add("-XX:MaxMetaspaceSize=" + env.get("GC_MAX_METASPACE_SIZE") + "m");
        }
        if (env.containsKey("GC_METASPACE_SIZE")) {
            options.add("-XX:MetaspaceSize=" + env.get("GC_METASPACE_SIZE") + "m");
        }
        options.add("-XX:+ExitOnOutOfMemoryError");
        return options;
    }
}
