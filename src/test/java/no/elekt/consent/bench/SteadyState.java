package no.elekt.consent.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * REST intake at saturation until steady state, from the core's first request on, then the flame graphs.
 *
 * <p>wrk (closed loop, {@code bench.connections}) runs in consecutive windows of {@code bench.window-seconds}. After
 * each window: accepted changes (wrk's 2xx answers), each role's CPU time and that of its JIT compiler and GC threads
 * (/proc/&lt;pid&gt;/task), and the receipts the adapters published (end offsets of consent.receipts.v1: one per
 * directive handled). <b>Steady state</b>: the core's CPU per accepted change of a window and its accepted rate are
 * both within {@code bench.steady-tolerance} (5 %) of the window before, and its JIT compiler threads took at most
 * {@code bench.steady-max-jit} (15 %) of its CPU in both windows; the steady-state figures are those two windows
 * together.
 * Not reached within {@code bench.steady-max-seconds}: the last two windows are reported, marked as not steady.
 *
 * <p><b>Warm-up</b>: the time from the core's process start until its accepted rate (over the trailing window length,
 * {@code bench.window-seconds}, as the steady state reads it, or since the load began if that is shorter but at least
 * 2 s; from the ledger's row count sampled every second) reaches {@code bench.warmup-fraction} (90 %) of the
 * steady-state rate and stays there until the end of the first steady window. It includes the start-up (process
 * start to ready), which is also reported on its own.
 *
 * <p>Then, load still on, async-profiler samples every role for one window of CPU and one of allocation; those
 * windows are listed but not part of the steady-state figures.
 */
final class SteadyState {

    static final String SOURCE = "bench-rest";

    /** What one window measured; CPU maps are seconds used during the window, by role. */
    record Window(int index, String note, double from, double to, Wrk wrk, Map<String, Double> cpu,
            Map<String, Double> jit, Map<String, Double> gc, long receipts, ProcStats.Snapshot machineBefore,
            ProcStats.Snapshot machineAfter) {

        double seconds() {
            return to - from;
        }

        double cpuPerChangeMs(String role) {
            return cpu.getOrDefault(role, Double.NaN) * 1000 / Math.max(1, wrk.accepted());
        }

        double cpuPerDirectiveMs(String role) {
            return receipts == 0 ? Double.NaN : cpu.getOrDefault(role, Double.NaN) * 1000 / receipts;
        }

        double jitShare(String role) {
            return jit.getOrDefault(role, Double.NaN) / cpu.getOrDefault(role, Double.NaN);
        }

        double gcShare(String role) {
            return gc.getOrDefault(role, Double.NaN) / cpu.getOrDefault(role, Double.NaN);
        }
    }

    /** The outcome: every window, which two are steady, and the figures drawn from them. */
    record Result(List<Window> windows, boolean reached, int steadyFirst, double rate, double coreCpuPerChangeMs,
            double coreJitShare, double adapterCpuPerDirectiveMs, double directivesPerSecond, double warmupSeconds,
            double readySeconds, double loadStart, Map<String, Path> flameGraphs, List<String> notes) {
    }

    private final Stack stack;
    private final Knobs knobs;
    private final Supplier<List<Sampler.Sample>> samples;
    private final Path flameGraphDir;

    SteadyState(Stack stack, Knobs knobs, Supplier<List<Sampler.Sample>> samples, Path flameGraphDir) {
        this.stack = stack;
        this.knobs = knobs;
        this.samples = samples;
        this.flameGraphDir = flameGraphDir;
    }

    Result run() throws Exception {
        String core = stack.coreRole();
        List<Window> windows = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        double loadStart = stack.sinceCoreStart();
        int steadyFirst = -1;
        while (stack.sinceCoreStart() - loadStart + knobs.windowSeconds() <= knobs.steadyMaxSeconds()
                || windows.size() < 2) {
            Window w = window(windows.size() + 1, "", knobs.windowSeconds());
            windows.add(w);
            Benchmark.log("window %d (%.0f-%.0f s): %.0f accepted/s, core %.2f ms CPU per change (JIT %.0f %%)",
                    w.index(), w.from(), w.to(), w.wrk().acceptedPerSecond(), w.cpuPerChangeMs(core),
                    100 * w.jitShare(core));
            if (windows.size() >= 2) {
                Window prev = windows.get(windows.size() - 2);
                if (steady(prev.cpuPerChangeMs(core), w.cpuPerChangeMs(core), prev.wrk().acceptedPerSecond(),
                        w.wrk().acceptedPerSecond(), prev.jitShare(core), w.jitShare(core), knobs.steadyTolerance(),
                        knobs.steadyMaxJit())) {
                    steadyFirst = windows.size() - 2;
                    break;
                }
            }
        }
        boolean reached = steadyFirst >= 0;
        if (!reached) {
            steadyFirst = windows.size() - 2;
            notes.add(String.format(Locale.ROOT, "Steady state NOT reached within %d s of load: no two consecutive "
                    + "windows had the core's CPU per change and accepted rate within %.0f %% of each other with its "
                    + "JIT compiler at most %.0f %% of its CPU. The steady-state figures are those of the last two "
                    + "windows.", knobs.steadyMaxSeconds(), 100 * knobs.steadyTolerance(), 100 * knobs.steadyMaxJit()));
        }
        List<Window> steady = List.copyOf(windows.subList(steadyFirst, steadyFirst + 2));
        double accepted = steady.stream().mapToDouble(w -> w.wrk().accepted()).sum();
        double seconds = steady.stream().mapToDouble(w -> w.wrk().seconds()).sum();
        double rate = accepted / seconds;
        double coreCpu = steady.stream().mapToDouble(w -> w.cpu().get(core)).sum();
        double coreJit = steady.stream().mapToDouble(w -> w.jit().get(core)).sum();
        double adapterCpuPerDirective = Double.NaN;
        long receipts = steady.stream().mapToLong(Window::receipts).sum();
        if (stack.roles.containsKey("adapters") && receipts > 0) {
            adapterCpuPerDirective = steady.stream().mapToDouble(w -> w.cpu().get("adapters")).sum() * 1000 / receipts;
        }
        if (stack.roles.containsKey("adapters")) {
            double a = steady.get(0).cpuPerDirectiveMs("adapters");
            double c = steady.get(1).cpuPerDirectiveMs("adapters");
            if (!stable(a, c, knobs.steadyTolerance())) {
                notes.add(String.format(Locale.ROOT, "The adapters' CPU per directive moved from %.2f to %.2f ms "
                        + "between the two steady windows (the rule is the core's): read the adapter figure with "
                        + "that margin, or lengthen bench.window-seconds.", a, c));
            }
        }
        double ready = (stack.coreReadyNanos - stack.coreStartNanos) / 1e9;
        // no steady state, no steady-state throughput to reach: the warm-up is not measured
        double warmup = reached ? warmup(rate, loadStart, steady.get(0).to()) : Double.NaN;

        Map<String, Path> flameGraphs = knobs.profile() ? profile(windows, notes) : Map.of();
        return new Result(windows, reached, steadyFirst, rate, coreCpu * 1000 / accepted, coreJit / coreCpu,
                adapterCpuPerDirective, receipts / steady.stream().mapToDouble(Window::seconds).sum(), warmup, ready,
                loadStart, flameGraphs, notes);
    }

    /** One window of saturation, with the CPU of every role and its JIT and GC threads before and after. */
    private Window window(int index, String note, int seconds) throws Exception {
        Map<String, Double> cpu0 = new LinkedHashMap<>();
        Map<String, Double> jit0 = new LinkedHashMap<>();
        Map<String, Double> gc0 = new LinkedHashMap<>();
        snapshot(cpu0, jit0, gc0);
        long receipts0 = stack.receiptsPublished();
        ProcStats.Snapshot machine0 = ProcStats.snapshot();
        double from = stack.sinceCoreStart();
        Wrk wrk = Wrk.run(stack.baseUrl(), SOURCE, "w" + index, knobs.connections(), seconds);
        double to = stack.sinceCoreStart();
        ProcStats.Snapshot machine1 = ProcStats.snapshot();
        Map<String, Double> cpu = new LinkedHashMap<>();
        Map<String, Double> jit = new LinkedHashMap<>();
        Map<String, Double> gc = new LinkedHashMap<>();
        snapshot(cpu, jit, gc);
        long receipts = stack.receiptsPublished() - receipts0;
        cpu.replaceAll((role, v) -> v - cpu0.get(role));
        jit.replaceAll((role, v) -> v - jit0.get(role));
        gc.replaceAll((role, v) -> v - gc0.get(role));
        return new Window(index, note, from, to, wrk, cpu, jit, gc, receipts, machine0, machine1);
    }

    private void snapshot(Map<String, Double> cpu, Map<String, Double> jit, Map<String, Double> gc) {
        stack.roles.forEach((role, process) -> {
            cpu.put(role, ProcStats.cpuSeconds(process.pid()));
            ProcStats.Threads t = stack.threadCpu.get(role).read();
            jit.put(role, t.jit());
            gc.put(role, t.gc());
        });
    }

    /**
     * The steady-state rule for two consecutive windows: the core's CPU per change and its accepted rate each within
     * {@code tolerance} of the window before, and its JIT compiler threads at most {@code maxJit} of its CPU in both.
     * Each alone is not enough: a core still warming up can hold its CPU per change for two windows while its rate
     * climbs, and hold both on a plateau while the JIT still takes 43 % of its CPU (run s8-image-g1, windows 2-3).
     */
    static boolean steady(double previousCpu, double cpu, double previousRate, double rate, double previousJit,
            double jit, double tolerance, double maxJit) {
        return stable(previousCpu, cpu, tolerance) && stable(previousRate, rate, tolerance) && previousJit <= maxJit
                && jit <= maxJit;
    }

    /** Two readings of consecutive windows within {@code tolerance} of the first. */
    static boolean stable(double previous, double current, double tolerance) {
        return Math.abs(current - previous) <= tolerance * previous;
    }

    private double warmup(double steadyRate, double loadStart, double until) {
        List<Sampler.Sample> all = samples.get().stream()
                .filter(s -> s.t() >= loadStart - 1 && s.t() <= until + 0.5).toList();
        return warmup(all.stream().mapToDouble(Sampler.Sample::t).toArray(),
                all.stream().mapToLong(Sampler.Sample::changes).toArray(), knobs.warmupFraction() * steadyRate,
                knobs.windowSeconds());
    }

    /**
     * The warm-up's end, from samples of (seconds since the core's start, changes recorded so far) taken from the
     * start of the load to the end of the first steady window: the first sample from which the accepted rate over the
     * trailing {@code span} seconds stays at or above {@code threshold} to the last sample; NaN if the last one is
     * below. In the first {@code span} seconds of load the rate is taken since the load began (at least 2 s), so that
     * a core that is fast from its first request is not reported late. The span is the steady windows' length: over
     * 5 s the rate moves by 10-15 % from second to second at a few hundred changes/s, so one short dip at the end of
     * the steady windows left the warm-up unmeasured (s5-lanes, s9-refusals, s9-after, s9-before).
     */
    static double warmup(double[] t, long[] changes, double threshold, double span) {
        double candidate = Double.NaN;
        for (int i = 0; i < t.length; i++) {
            int back = 0;
            for (int j = i - 1; j >= 0; j--) {
                if (t[j] <= t[i] - span) {
                    back = j;
                    break;
                }
            }
            if (t[i] - t[back] < 2) {
                continue;
            }
            double trailing = (changes[i] - changes[back]) / (t[i] - t[back]);
            if (trailing < threshold) {
                candidate = Double.NaN;
            } else if (Double.isNaN(candidate)) {
                candidate = t[i];
            }
        }
        return candidate;
    }

    /** One CPU and one allocation window per role with async-profiler attached; answers the flame graphs. */
    private Map<String, Path> profile(List<Window> windows, List<String> notes) throws Exception {
        Profiler profiler = Profiler.load();
        if (profiler == null) {
            notes.add("No flame graphs: async-profiler could not be loaded (see the log).");
            return Map.of();
        }
        Map<String, Path> graphs = new LinkedHashMap<>();
        for (String event : List.of("cpu", "alloc")) {
            Map<String, String> used = new LinkedHashMap<>();
            for (var e : stack.roles.entrySet()) {
                try {
                    used.put(e.getKey(), profiler.start(e.getValue().pid(), event));
                } catch (Exception failed) {
                    notes.add("async-profiler could not start " + event + " sampling in " + e.getKey() + ": "
                            + failed);
                }
            }
            Benchmark.log("profiling %s for %d s: %s", event, knobs.profileSeconds(), used);
            windows.add(window(windows.size() + 1, "profiled: " + String.join(", ", used.values().stream()
                    .distinct().toList()), knobs.profileSeconds()));
            for (var e : used.entrySet()) {
                Path html = flameGraphDir.resolve(e.getKey() + "-" + event + ".html");
                try {
                    profiler.stop(stack.roles.get(e.getKey()).pid(), html, event.equals("alloc"));
                    graphs.put(e.getKey() + " " + (event.equals("alloc") ? "allocation (bytes)" : "CPU ("
                            + e.getValue() + ")"), html);
                } catch (Exception failed) {
                    notes.add("async-profiler could not write " + html.getFileName() + ": " + failed);
                }
            }
        }
        return graphs;
    }

    /** The windows as a Markdown table, with the JIT's and GC's share of each role's CPU. */
    static String table(Result r, List<String> roles, String core) {
        boolean split = roles.contains("adapters");
        StringBuilder md = new StringBuilder(
                "| window | s since core start | accepted/s | closed-loop p50 / p99 (ms) | "
                        + core + " CPU/change (ms) | " + core + " JIT | " + core + " GC |");
        if (split) {
            md.append(" directives/s | adapters CPU/directive (ms) | adapters JIT | adapters GC |");
        }
        md.append(" |\n|---|---|---|---|---|---|---|").append(split ? "---|---|---|---|" : "").append("---|\n");
        for (Window w : r.windows()) {
            boolean steady = w.index() - 1 == r.steadyFirst() || w.index() - 2 == r.steadyFirst();
            md.append(String.format(Locale.ROOT, "| %d | %.0f-%.0f | %.0f | %.0f / %.0f | %.3f | %.0f %% | %.0f %% |",
                    w.index(), w.from(), w.to(), w.wrk().acceptedPerSecond(), w.wrk().p50Ms(), w.wrk().p99Ms(),
                    w.cpuPerChangeMs(core), 100 * w.jitShare(core), 100 * w.gcShare(core)));
            if (split) {
                md.append(String.format(Locale.ROOT, " %.0f | %.3f | %.0f %% | %.0f %% |", w.receipts() / w.seconds(),
                        w.cpuPerDirectiveMs("adapters"), 100 * w.jitShare("adapters"), 100 * w.gcShare("adapters")));
            }
            md.append(' ').append(steady ? (r.reached() ? "**steady**" : "last two (not steady)") : w.note())
                    .append(" |\n");
        }
        return md.toString();
    }
}
