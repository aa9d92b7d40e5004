package no.elekt.consent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import no.elekt.consent.testinfra.ServiceProcess;

/**
 * The core's JDK AOT cache (JEP 483, 514 and 515: classes loaded and linked, and method profiles, from a training
 * run), made the way Quarkus documents it for its {@code aot-jar} packaging (the bench profile packages the service
 * so): the core runs once with {@code -XX:AOTCacheOutput} under the same load as the steady-state phase, is stopped,
 * and the JVM writes {@code target/quarkus-app/app.aot} as it exits; the measured core then starts with
 * {@code -XX:AOTCache}. Only a JDK 25 or newer does this; the service's JDK is {@code -Dbench.java}, else the newest
 * JDK 25+ under /usr/lib/jvm or /opt, else the benchmark's own.
 */
final class AotCache {

    static final int MINIMUM_FEATURE = 25;
    static final Path FILE = Benchmark.ROOT.resolve("target/quarkus-app/app.aot");
    private static final Pattern VERSION = Pattern.compile("^JAVA_VERSION=\"(\\d+)", Pattern.MULTILINE);

    private AotCache() {
    }

    /** Quarkus' packaging of target/quarkus-app: aot-jar lists the application's jars on its runner's class path. */
    static String packaging() {
        try (JarFile runner = new JarFile(Benchmark.ROOT.resolve("target/quarkus-app/quarkus-run.jar").toFile())) {
            String classPath = runner.getManifest().getMainAttributes().getValue("Class-Path");
            return classPath != null && classPath.contains("app/") ? "aot-jar" : "fast-jar";
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** bin/java of the JDK the service runs on. */
    static String serviceJava(String configured, List<Path> jdkRoots) {
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        return newestJdk(jdkRoots, MINIMUM_FEATURE).map(home -> home.resolve("bin/java").toString())
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** The newest JDK of at least that feature version in those folders, by its {@code release} file. */
    static Optional<Path> newestJdk(List<Path> roots, int minimum) {
        List<Path> homes = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> children = Files.list(root)) {
                children.filter(home -> Files.isExecutable(home.resolve("bin/java"))
                        && Files.exists(home.resolve("release")) && feature(home) >= minimum).forEach(homes::add);
            } catch (IOException e) {
                // an unreadable folder holds no JDK we can use
            }
        }
        return homes.stream().max(Comparator.comparingInt(AotCache::feature));
    }

    /** The feature version of the JDK whose bin/java this is (25 for 25.0.1), 0 if unknown. */
    static int featureOf(String javaBinary) {
        Path home = Path.of(javaBinary).toAbsolutePath().getParent().getParent();
        return feature(home);
    }

    private static int feature(Path home) {
        try {
            Matcher m = VERSION.matcher(Files.readString(home.resolve("release")));
            if (m.find()) {
                int first = Integer.parseInt(m.group(1));
                return first == 1 ? 8 : first; // "1.8.0_..." is 8
            }
        } catch (IOException | RuntimeException e) {
            // no release file: not a JDK we can tell
        }
        return 0;
    }

    /**
     * The training run: the core alone (adapters already run), the saturation load for the given seconds, the
     * outbox drained, then SIGTERM; the JVM writes the cache on its way out. Answers the cache, or why there is none.
     */
    static Optional<Path> train(Stack stack, String java, List<String> options, Map<String, String> config,
            int seconds) throws Exception {
        Files.deleteIfExists(FILE);
        List<String> training = new ArrayList<>(options);
        training.add("-XX:AOTCacheOutput=" + FILE);
        ServiceProcess core = new ServiceProcess("core-aot-training", Benchmark.freePort(), training, config,
                Benchmark.WORK.resolve("core-aot-training.log")).withJava(java).start();
        try {
            Wrk load = Wrk.run(core.baseUrl(), SteadyState.SOURCE, "aot", stack.knobs.connections(), seconds);
            Benchmark.log("AOT training: %.0f changes accepted in %d s", load.accepted(), seconds);
            stack.awaitDrained(Duration.ofSeconds(stack.knobs.drainSeconds()));
        } finally {
            // the JVM assembles the cache after the application stopped: give it time
            core.stop(Duration.ofMinutes(5));
        }
        return Files.exists(FILE) ? Optional.of(FILE) : Optional.empty();
    }
}
