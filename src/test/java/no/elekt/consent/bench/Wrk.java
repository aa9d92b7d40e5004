package no.elekt.consent.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of wrk (Debian's) with src/test/bench/wrk/consent-changes.lua: closed loop, each connection sends its next
 * request when the last is answered. Used for saturation only; latency percentiles under a fixed arrival rate come
 * from {@link OpenLoop}.
 */
record Wrk(Map<String, Double> v) {

    double requests() {
        return v.getOrDefault("requests", 0.0);
    }

    double accepted() {
        return requests() - v.getOrDefault("err_status", 0.0) - v.getOrDefault("err_timeout", 0.0);
    }

    double seconds() {
        return v.getOrDefault("duration_us", 1.0) / 1e6;
    }

    double acceptedPerSecond() {
        return accepted() / seconds();
    }

    double p50Ms() {
        return v.getOrDefault("p50_us", Double.NaN) / 1000;
    }

    double p99Ms() {
        return v.getOrDefault("p99_us", Double.NaN) / 1000;
    }

    String latencies() {
        return String.format(Locale.ROOT, "%.1f / %.1f / %.1f", v.get("p50_us") / 1000, v.get("p95_us") / 1000,
                v.get("p99_us") / 1000);
    }

    String errors() {
        return String.format(Locale.ROOT, "%.0f non-2xx, %.0f timeouts", v.getOrDefault("err_status", 0.0),
                v.getOrDefault("err_timeout", 0.0));
    }

    /** Runs wrk against the service at saturation for the given seconds; {@code run} keeps subjects unique. */
    static Wrk run(String baseUrl, String source, String run, int connections, int seconds) throws Exception {
        Path summary = Benchmark.WORK.resolve("wrk-" + source + "-" + run + ".json");
        Files.deleteIfExists(summary);
        ProcessBuilder pb = new ProcessBuilder("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--timeout",
                "10s", "--latency", "-s", Benchmark.ROOT.resolve("src/test/bench/wrk/consent-changes.lua").toString(),
                baseUrl, "--", source, "0", run)
                .redirectErrorStream(true)
                .redirectOutput(Benchmark.WORK.resolve("wrk-" + source + "-" + run + ".log").toFile());
        pb.environment().put("WRK_SUMMARY", summary.toString());
        pb.environment().put("WRK_TOKEN", Stack.writerToken(List.of(source)));
        Process p = pb.start();
        if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("wrk did not end");
        }
        if (!Files.exists(summary)) {
            throw new IllegalStateException(
                    "wrk wrote no summary; see target/bench/wrk-" + source + "-" + run + ".log");
        }
        Map<String, Double> v = new HashMap<>();
        Matcher m = Pattern.compile("\"(\\w+)\":([0-9.]+)").matcher(Files.readString(summary));
        while (m.find()) {
            v.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return new Wrk(v);
    }
}
