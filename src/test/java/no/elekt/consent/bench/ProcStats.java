package no.elekt.consent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** CPU time and memory of a process, from /proc (Linux). */
final class ProcStats {

    /** Clock ticks per second of /proc/<pid>/stat; 100 on every Linux this runs on (getconf CLK_TCK). */
    private static final double TICKS = 100.0;

    /** utime + stime of the process, in seconds. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name (field 2) may hold spaces: fields are counted after its closing parenthesis
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS; // fields 14 and 15
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** CPU seconds of a process's threads by kind: the JIT compiler threads ("jit") and the garbage collector's ("gc"). */
    record Threads(double jit, double gc) {
    }

    /**
     * Cumulative CPU seconds of a process's JIT compiler and GC threads, from /proc/&lt;pid&gt;/task/*. HotSpot names
     * its compiler threads "C1 CompilerThreadN" / "C2 CompilerThreadN" (cut by the kernel to "C1 CompilerThre" /
     * "C2 CompilerThre"), G1's "GC Thread#N", "G1 Conc#N", "G1 Refine#N", "G1 Main Marker", "G1 Service". JDK 17
     * adds and removes compiler threads as the queue grows and shrinks (UseDynamicNumberOfCompilerThreads), and an
     * ended thread leaves /proc: each thread's last reading is kept, so the sums never go back; only what an ended
     * thread used after its last reading is missed (read every second by the sampler).
     */
    static final class ThreadCpu {
        private final long pid;
        private final java.util.Map<Long, Double> jit = new HashMap<>();
        private final java.util.Map<Long, Double> gc = new HashMap<>();

        ThreadCpu(long pid) {
            this.pid = pid;
        }

        synchronized Threads read() {
            try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        String stat = Files.readString(task.resolve("stat"));
                        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
                        long tid = Long.parseLong(task.getFileName().toString());
                        if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                            jit.put(tid, cpu);
                        } else if (name.startsWith("GC Thread") || name.startsWith("G1 ")) {
                            gc.put(tid, cpu);
                        }
                    } catch (IOException | RuntimeException gone) {
                        // the thread ended meanwhile
                    }
                }
            } catch (IOException processGone) {
                // keep the last readings
            }
            return new Threads(jit.values().stream().mapToDouble(Double::doubleValue).sum(),
                    gc.values().stream().mapToDouble(Double::doubleValue).sum());
        }
    }

    static long rssKb(long pid) {
        return status(pid, "VmRSS:");
    }

    /** Peak resident set size. */
    static long peakRssKb(long pid) {
        return status(pid, "VmHWM:");
    }

    private static long status(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    /** CPU seconds used so far by every process, with its command name, and by the whole machine (busy time). */
    record Snapshot(Map<Long, String> names, Map<Long, Double> cpu, double machineBusy, long nanos) {
    }

    static Snapshot snapshot() {
        Map<Long, String> names = new HashMap<>();
        Map<Long, Double> cpu = new HashMap<>();
        try (var dirs = Files.list(Path.of("/proc"))) {
            dirs.map(d -> d.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .forEach(n -> {
                        long pid = Long.parseLong(n);
                        try {
                            String stat = Files.readString(Path.of("/proc", n, "stat"));
                            names.put(pid, stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
                            cpu.put(pid, cpuSeconds(pid));
                        } catch (IOException | RuntimeException gone) {
                            // the process ended meanwhile
                        }
                    });
        } catch (IOException e) {
            return new Snapshot(names, cpu, Double.NaN, System.nanoTime());
        }
        double busy = Double.NaN;
        try {
            // cpu  user nice system idle iowait irq softirq steal ...
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            busy = (Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]) + Long.parseLong(f[8])) / TICKS;
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return new Snapshot(names, cpu, busy, System.nanoTime());
    }

    /**
     * Where the machine's CPU went between two snapshots, in cores: the named processes, PostgreSQL (every
     * {@code postgres} process), and the rest (short-lived processes such as wrk, other JVMs, the kernel).
     */
    static String shares(Snapshot before, Snapshot after, Map<String, Long> named) {
        double seconds = (after.nanos() - before.nanos()) / 1e9;
        Map<String, Double> cores = new LinkedHashMap<>();
        double known = 0;
        for (Map.Entry<String, Long> e : named.entrySet()) {
            double used = delta(before, after, e.getValue());
            cores.put(e.getKey(), used / seconds);
            known += used;
        }
        double postgres = after.names().entrySet().stream().filter(e -> e.getValue().equals("postgres"))
                .mapToDouble(e -> delta(before, after, e.getKey())).sum();
        cores.put("PostgreSQL", postgres / seconds);
        known += postgres;
        double busy = after.machineBusy() - before.machineBusy();
        cores.put("rest (wrk, registry, kernel)", Math.max(0, busy - known) / seconds);
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "machine busy %.2f of %d cores: ",
                busy / seconds, Runtime.getRuntime().availableProcessors()));
        cores.forEach((name, c) -> out.append(String.format(Locale.ROOT, "%s %.2f, ", name, c)));
        return out.substring(0, out.length() - 2);
    }

    private static double delta(Snapshot before, Snapshot after, long pid) {
        Double end = after.cpu().get(pid);
        return end == null || end.isNaN() ? 0 : end - before.cpu().getOrDefault(pid, 0.0);
    }

    private ProcStats() {
    }
}
