package no.elekt.consent.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every setting of a benchmark run, from -Dbench.* system properties (the bench profile of pom.xml passes them on).
 * The defaults are the full run; a smoke run shrinks the counts and windows.
 */
record Knobs(
        /** names the run's report: src/test/bench/runs/&lt;label&gt;.md and the folder runs/&lt;label&gt;/ */
        String label,
        /** core and adapters as separate processes, as deployed (true), or every role in one process (false) */
        boolean splitRoles,
        /**
         * -XX:MaxRAM per role, as the pod's memory limit makes the JVM see it; empty: the host's memory. The adapters
         * process hosts what deploy/ runs as four pods of 768 MiB, so it gets their sum: with one pod's 768 MiB its
         * heap (a quarter) held four adapters' objects and G1 took a fifth of its CPU (s8-steady's flame graph).
         */
        Map<String, String> maxRam,
        /** the heap and GC options the container image's launcher adds ({@link ImageLauncher}), before jvmOptions */
        boolean imageLauncher,
        /** extra JVM options for the service's processes; {role} becomes the role's name */
        String jvmOptions,
        /** service settings for experiments, over the benchmark's own: "key=value key=value" (bench.service) */
        Map<String, String> serviceSettings,
        /** fsync and synchronous_commit of PostgreSQL (on in production; off only to compare) */
        boolean fsync,
        /** how long each processor stand-in takes to answer */
        int processorDelayMs,
        /** wrk connections at saturation */
        int connections,
        /** length of one steady-state window (s) */
        int windowSeconds,
        /** bound on the saturation windows before steady state is declared missed (s) */
        int steadyMaxSeconds,
        /** steady: core CPU per accepted change of two consecutive windows within this fraction of each other */
        double steadyTolerance,
        /** steady: the JIT compiler threads' share of the core's CPU at most this in both windows */
        double steadyMaxJit,
        /** warm-up ends when the accepted rate over a window's length stays at or above this fraction of the steady rate */
        double warmupFraction,
        /** async-profiler CPU and allocation flame graphs of each role after steady state */
        boolean profile,
        /** length of each profiled window (s) */
        int profileSeconds,
        /** the propagation target: changes/s offered, open loop */
        int propagationRate,
        /** the propagation target: p99 accepted -> every receipt CONFIRMED (ms) */
        int propagationP99Ms,
        /** length of one open-loop trial (s) */
        int openLoopSeconds,
        /** trials of the rate search, the target rate included */
        int rateSteps,
        /** bound on each wait for the propagation backlog to drain (s) */
        int drainSeconds,
        /** records produced to the inbound topic for the Kafka intake phase (0: skip) */
        int kafkaIntake,
        /** subjects backfilled to Mailgun (0: skip) */
        int backfill,
        /** "insert": the harness writes the propagations and directives itself; "api": POST /v1/ops/backfills */
        String backfillMode,
        /** pgbench duration (s) and clients */
        int pgbenchSeconds,
        int pgbenchClients,
        /** ProducerPerformance record count */
        int producerRecords,
        /** bin/java of the service's JDK; blank: the newest JDK 25+ found (AotCache), else the benchmark's own */
        String java,
        /** a training run makes the core's AOT cache first, and the measured core starts with it (JDK 25+ only) */
        boolean aot,
        /** length of the training run's load (s) */
        int aotTrainingSeconds) {

    static Knobs fromSystemProperties() {
        return new Knobs(
                System.getProperty("bench.label", "latest"),
                bool("bench.split-roles", true),
                maxRam(System.getProperty("bench.max-ram", "core=1g,adapters=3g,service=1g")),
                bool("bench.image-launcher", true),
                System.getProperty("bench.jvm-options", ""),
                serviceSettings(System.getProperty("bench.service", "")),
                bool("bench.fsync", true),
                Integer.getInteger("bench.processor-delay-ms", 20),
                Integer.getInteger("bench.connections", 32),
                Integer.getInteger("bench.window-seconds", 15),
                Integer.getInteger("bench.steady-max-seconds", 420),
                Double.parseDouble(System.getProperty("bench.steady-tolerance", "0.05")),
                Double.parseDouble(System.getProperty("bench.steady-max-jit", "0.15")),
                Double.parseDouble(System.getProperty("bench.warmup-fraction", "0.9")),
                bool("bench.profile", true),
                Integer.getInteger("bench.profile-seconds", Integer.getInteger("bench.window-seconds", 15)),
                Integer.getInteger("bench.propagation-rate", 1000),
                Integer.getInteger("bench.propagation-p99-ms", 500),
                Integer.getInteger("bench.open-loop-seconds", 15),
                Integer.getInteger("bench.rate-steps", 4),
                Integer.getInteger("bench.drain-seconds", 90),
                Integer.getInteger("bench.kafka-intake", 30_000),
                Integer.getInteger("bench.backfill", 100_000),
                System.getProperty("bench.backfill-mode", "api"),
                Integer.getInteger("bench.pgbench-seconds", 20),
                Integer.getInteger("bench.pgbench-clients", 16),
                Integer.getInteger("bench.producer-records", 500_000),
                System.getProperty("bench.java", ""),
                bool("bench.aot", true),
                Integer.getInteger("bench.aot-training-seconds", 60));
    }

    /** "core=1g,adapters=768m" (blank values and a blank property: no limit). */
    private static Map<String, String> maxRam(String spec) {
        Map<String, String> byRole = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length == 2 && !kv[1].isBlank()) {
                byRole.put(kv[0].trim(), kv[1].trim());
            }
        }
        return byRole;
    }

    /** "consent.adapters.polls-in-flight=8 quarkus.log.level=DEBUG": settings apart by spaces, each key=value. */
    static Map<String, String> serviceSettings(String spec) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String part : spec.trim().split("\\s+")) {
            String[] kv = part.split("=", 2);
            if (kv.length == 2 && !kv[0].isBlank()) {
                settings.put(kv[0], kv[1]);
            } else if (!part.isBlank()) {
                throw new IllegalArgumentException("bench.service: key=value expected, not " + part);
            }
        }
        return settings;
    }

    /** Maven passes an unset property on as an empty string: that is the default too. */
    private static boolean bool(String name, boolean defaultValue) {
        String v = System.getProperty(name, "");
        return v.isBlank() ? defaultValue : Boolean.parseBoolean(v);
    }

    /** The knobs as the report lists them. */
    Map<String, String> describe() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("bench.split-roles", splitRoles + (splitRoles ? " (core and adapters as separate processes)"
                : " (every role in one process)"));
        d.put("bench.max-ram", maxRam.isEmpty() ? "(none: the host's memory)" : maxRam.toString());
        d.put("bench.image-launcher", imageLauncher + (imageLauncher ? " (the image's heap and GC options)" : ""));
        d.put("bench.jvm-options", jvmOptions.isBlank() ? "(none)" : jvmOptions);
        d.put("bench.service", serviceSettings.isEmpty() ? "(none)" : serviceSettings.toString());
        d.put("bench.fsync", Boolean.toString(fsync));
        d.put("bench.processor-delay-ms", Integer.toString(processorDelayMs));
        d.put("bench.connections", Integer.toString(connections));
        d.put("bench.window-seconds", Integer.toString(windowSeconds));
        d.put("bench.steady-max-seconds", Integer.toString(steadyMaxSeconds));
        d.put("bench.steady-tolerance", Double.toString(steadyTolerance));
        d.put("bench.steady-max-jit", Double.toString(steadyMaxJit));
        d.put("bench.warmup-fraction", Double.toString(warmupFraction));
        d.put("bench.profile", profile + (profile ? ", " + profileSeconds + " s per event" : ""));
        d.put("bench.propagation-rate / -p99-ms", propagationRate + "/s, " + propagationP99Ms + " ms");
        d.put("bench.open-loop-seconds / rate-steps", openLoopSeconds + " s, " + rateSteps + " trials at most");
        d.put("bench.drain-seconds", Integer.toString(drainSeconds));
        d.put("bench.kafka-intake", Integer.toString(kafkaIntake));
        d.put("bench.backfill / -mode", backfill + ", " + backfillMode);
        d.put("bench.pgbench-seconds / -clients", pgbenchSeconds + " s, " + pgbenchClients);
        d.put("bench.producer-records", Integer.toString(producerRecords));
        d.put("bench.java", java.isBlank() ? "(the newest JDK 25+ found, else the benchmark's)" : java);
        d.put("bench.aot / -training-seconds", aot + ", " + aotTrainingSeconds + " s");
        return d;
    }
}
