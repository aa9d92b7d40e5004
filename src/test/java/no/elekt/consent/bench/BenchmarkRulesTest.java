package no.elekt.consent.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's decision rules, on made-up readings: steady state, warm-up, the rate search, percentiles. */
class BenchmarkRulesTest {

    @Test
    void steadyWhenCpuPerChangeIsWithinTheToleranceOfTheWindowBefore() {
        assertThat(SteadyState.stable(1.17, 1.19, 0.05)).isTrue();
        assertThat(SteadyState.stable(1.74, 1.17, 0.05)).isFalse(); // a window at 1.74 ms per change, then one at 1.17: not yet steady
        assertThat(SteadyState.stable(1.00, 0.96, 0.05)).isTrue();
        assertThat(SteadyState.stable(1.00, 0.94, 0.05)).isFalse();
    }

    @Test
    void aPlateauWhileTheJitStillCompilesIsNotSteady() {
        // s8-image-g1, windows 2-3: 4.103 and 4.112 ms per change, 158 and 157 changes/s, the JIT 43 % of the CPU
        assertThat(SteadyState.steady(4.103, 4.112, 158, 157, 0.43, 0.43, 0.05, 0.15)).isFalse();
        // s8-receipts-g1, windows 9-10: 1.002 and 1.036 ms, 460 and 442/s, the JIT 10 and 13 %
        assertThat(SteadyState.steady(1.002, 1.036, 460, 442, 0.10, 0.13, 0.05, 0.15)).isTrue();
        assertThat(SteadyState.steady(1.002, 1.036, 460, 442, 0.10, 0.16, 0.05, 0.15)).isFalse();
        assertThat(SteadyState.steady(1.002, 1.036, 460, 400, 0.10, 0.13, 0.05, 0.15)).as("the rate still moving")
                .isFalse();
    }

    @Test
    void warmupEndsWhereTheRateReachesTheThresholdAndStays() {
        // load from t=10; 50 changes/s until t=20, then 100/s; threshold 90
        double[] t = new double[31];
        long[] changes = new long[31];
        for (int i = 0; i <= 30; i++) {
            t[i] = 10 + i;
            changes[i] = i <= 10 ? 50L * i : 500 + 100L * (i - 10);
        }
        // trailing 5 s: at t=25 (100/s since t=20) it first reaches 90/s; at t=24, (500+400-750)/5 = 90 too
        assertThat(SteadyState.warmup(t, changes, 90, 5)).isEqualTo(24.0);
    }

    /**
     * s9-refusals: 374 changes/s steady, but in the last 3 s of the first steady window the trailing 5 s rate read
     * 327-337/s, at or below 90 % of it, and the warm-up came out "not reached". Over the windows' own 15 s it holds.
     */
    @Test
    void aShortDipAtTheEndOfTheSteadyWindowsDoesNotVoidTheWarmup() {
        double[] t = new double[61];
        long[] changes = new long[61];
        for (int i = 1; i <= 60; i++) {
            t[i] = i;
            changes[i] = changes[i - 1] + (i >= 58 ? 80 : 100); // 100/s from the first second, 80/s in the last 3 s
        }
        assertThat(SteadyState.warmup(t, changes, 90, 15)).isEqualTo(2.0);
        assertThat(SteadyState.warmup(t, changes, 90, 5)).as("the trailing 5 s of before").isNaN();
    }

    @Test
    void aDipAfterReachingTheRateMovesTheWarmupLater() {
        double[] t = new double[31];
        long[] changes = new long[31];
        long c = 0;
        for (int i = 0; i <= 30; i++) {
            t[i] = i;
            c += i >= 3 && (i < 12 || i > 14) ? 100 : 20; // fast from t=3, a dip at t=12-14
            changes[i] = c;
        }
        double warmup = SteadyState.warmup(t, changes, 90, 5);
        assertThat(warmup).isGreaterThan(14);
    }

    @Test
    void aCoreFastFromItsFirstRequestIsNotReportedFiveSecondsLate() {
        double[] t = { 10, 11, 12, 13, 14, 15, 16, 17 };
        long[] changes = { 0, 100, 200, 300, 400, 500, 600, 700 };
        assertThat(SteadyState.warmup(t, changes, 90, 5)).isEqualTo(12.0); // 2 s of load is the shortest span
    }

    @Test
    void noWarmupWhenTheLastReadingIsBelow() {
        double[] t = { 0, 1, 2, 3, 4, 5, 6, 7 };
        long[] changes = { 0, 100, 200, 300, 400, 500, 510, 520 };
        assertThat(SteadyState.warmup(t, changes, 90, 5)).isNaN();
    }

    @Test
    void rateSearchGoesBelowTheSaturationRateThenBisects() {
        // 1,000/s did not hold; REST saturation 150/s caps what can hold
        assertThat(PropagationPhase.nextRate(0, 150, 1000)).isEqualTo(120);
        // 120 held: halfway to the cap
        assertThat(PropagationPhase.nextRate(120, 150, 120)).isEqualTo(135);
        // saturation above the target: halve
        assertThat(PropagationPhase.nextRate(0, 1000, 1000)).isEqualTo(500);
        assertThat(PropagationPhase.nextRate(0, 500, 500)).isEqualTo(250);
    }

    @Test
    void nearestRankPercentilesCountNeverConfirmedAsInfinite() {
        double[] latencies = new double[100];
        for (int i = 0; i < 99; i++) {
            latencies[i] = i + 1;
        }
        latencies[99] = Double.POSITIVE_INFINITY;
        assertThat(OpenLoop.Percentiles.of(latencies, 0.5)).isEqualTo(50);
        assertThat(OpenLoop.Percentiles.of(latencies, 0.99)).isEqualTo(99);
        assertThat(OpenLoop.Percentiles.of(latencies, 0.999)).isInfinite();
    }

    @Test
    void theServiceRunsOnTheNewestJdk25OrLaterFoundElseOnTheBenchmarksOwn(@TempDir Path root) throws IOException {
        fakeJdk(root.resolve("java-17-openjdk-amd64"), "17.0.17");
        fakeJdk(root.resolve("temurin-25-jdk-amd64"), "25.0.1");
        fakeJdk(root.resolve("temurin-26-jdk-amd64"), "26");
        Files.createDirectories(root.resolve("not-a-jdk"));

        assertThat(AotCache.newestJdk(List.of(root, root.resolve("missing")), 25))
                .contains(root.resolve("temurin-26-jdk-amd64"));
        assertThat(AotCache.featureOf(root.resolve("temurin-25-jdk-amd64/bin/java").toString())).isEqualTo(25);
        assertThat(AotCache.serviceJava("/somewhere/bin/java", List.of(root))).isEqualTo("/somewhere/bin/java");
        assertThat(AotCache.serviceJava("", List.of(root.resolve("missing"))))
                .isEqualTo(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    @Test
    void theServiceGetsTheHeapAndGcOptionsOfTheImagesLauncher(@TempDir Path dir) throws IOException {
        // the launcher's own defaults: 80 % of the memory limit, ParallelGC sized for a small footprint
        assertThat(ImageLauncher.options(Map.of())).containsExactly("-XX:MaxRAMPercentage=80.0",
                "-XX:+UseParallelGC", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20", "-XX:GCTimeRatio=4",
                "-XX:AdaptiveSizePolicyWeight=90", "-XX:+ExitOnOutOfMemoryError");

        Path properties = Files.writeString(dir.resolve("application.properties"), """
                quarkus.jib.environment-variables."JAVA_MAX_MEM_RATIO"=25
                %dev.quarkus.jib.environment-variables."GC_TIME_RATIO"=99
                quarkus.jib.environment-variables.GC_CONTAINER_OPTIONS=-XX:+UseG1GC -XX:MaxGCPauseMillis=50
                quarkus.jib.jvm-arguments=-Dsomething
                """);
        Map<String, String> env = ImageLauncher.environment(properties);

        assertThat(env).containsExactly(Map.entry("JAVA_MAX_MEM_RATIO", "25"),
                Map.entry("GC_CONTAINER_OPTIONS", "-XX:+UseG1GC -XX:MaxGCPauseMillis=50"));
        assertThat(ImageLauncher.options(env)).startsWith("-XX:MaxRAMPercentage=25.0", "-XX:+UseG1GC",
                "-XX:MaxGCPauseMillis=50").contains("-XX:GCTimeRatio=4");
        assertThat(ImageLauncher.options(Map.of("JAVA_MAX_MEM_RATIO", "0")))
                .noneMatch(o -> o.contains("RAMPercentage"));
    }

    @Test
    void everyKnobTheBenchmarkReadsIsPassedOnByTheBenchProfile() throws IOException {
        // the benchmark runs in a JVM of its own (exec:exec): a -D given to Maven reaches it only through an argument
        String pom = Files.readString(Path.of("pom.xml"));
        Pattern read = Pattern.compile("(?:getProperty|getInteger|bool|startsWith)\\(\"(bench\\.[^\"]*)\"");
        List<String> knobs = new java.util.ArrayList<>();
        try (var sources = Files.list(Path.of("src/test/java/no/elekt/consent/bench"))) {
            for (Path source : sources.toList()) {
                read.matcher(Files.readString(source)).results().map(m -> m.group(1)).forEach(knobs::add);
            }
        }

        assertThat(knobs).allSatisfy(knob -> assertThat(pom).as("the bench profile passes on " + knob)
                .contains("<argument>-D" + knob + "=${" + knob + "}</argument>"));
        assertThat(knobs).contains("bench.label", "bench.service");
        assertThat(Knobs.serviceSettings(" consent.adapters.polls-in-flight=8  a.b=c=d ")).containsExactly(
                Map.entry("consent.adapters.polls-in-flight", "8"), Map.entry("a.b", "c=d"));
    }

    private static void fakeJdk(Path home, String version) throws IOException {
        Files.createDirectories(home.resolve("bin"));
        Path java = Files.createFile(home.resolve("bin/java"));
        java.toFile().setExecutable(true);
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"" + version + "\"\n");
    }
}
