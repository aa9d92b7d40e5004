package no.elekt.consent.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import no.elekt.consent.testinfra.ApicurioRegistryServer;

/**
 * The benchmark of issues 6 and 16: the stack as it ships (packaged service, prod profile, core and adapters as
 * separate processes, PostgreSQL with fsync and synchronous commit on, a Kafka broker process, Apicurio Registry,
 * processor stand-ins answering after 20 ms), in phases:
 * <ol>
 * <li>{@link Ceilings}: pgbench with the statements of one accepted change, Kafka ProducerPerformance;</li>
 * <li>{@link SteadyState}: REST intake at saturation from the core's start until steady state, with the warm-up
 * and the JIT's share per window, then CPU and allocation flame graphs of every role;</li>
 * <li>the backlog drained: propagation throughput;</li>
 * <li>{@link PropagationPhase}: open-loop load at 1,000 changes/s (or the highest rate that holds p99 &le; 500 ms);</li>
 * <li>{@link KafkaIntake}; {@link Backfill} to Mailgun;</li>
 * </ol>
 * and writes src/test/bench/runs/&lt;label&gt;.md (headline figures beside their ceilings and targets), .html
 * (charts), .csv (1 s samples), and runs/&lt;label&gt;/ (flame graphs). Run by
 * {@code ./mvnw -Pbench -DskipTests verify}; knobs in {@link Knobs}. Every phase is bounded in time; it fails only
 * if the stack cannot start.
 */
public final class Benchmark {

    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path WORK = ROOT.resolve("target/bench");
    static final Path RUNS = ROOT.resolve("src/test/bench/runs");

    final Knobs knobs = Knobs.fromSystemProperties();
    final Stack stack = new Stack(knobs);
    final Map<String, String> machine = new LinkedHashMap<>();
    final Map<String, String> database = new LinkedHashMap<>();
    /** Figures beyond the headline ones, in the order measured. */
    final Map<String, String> figures = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();

    Ceilings ceilings;
    SteadyState.Result steady;
    PropagationPhase.Outcome propagation;
    KafkaIntake kafkaIntake;
    Backfill backfill;
    final Map<String, Double> peakRssMiB = new LinkedHashMap<>();
    private Sampler sampler;

    public static void main(String[] args) throws Exception {
        // initialise logging on this thread first: the infrastructure starts on parallel threads, and two of them
        // initialising java.util.logging and the JBoss LogContext at once deadlock on their class initialisation
        java.util.logging.LogManager.getLogManager();
        Benchmark b = new Benchmark();
        // stop the child processes also when the run is interrupted (Ctrl+C, kill)
        Runtime.getRuntime().addShutdownHook(new Thread(b.stack::close, "bench-stop"));
        int code = 0;
        try {
            b.run();
        } catch (Throwable e) {
            // an Error too: the stand-ins' threads would keep this JVM alive after main ends
            e.printStackTrace();
            code = 1;
        } finally {
            b.stack.close();
            System.exit(code);
        }
    }

    void run() throws Exception {
        Instant started = Instant.now();
        // wrk and pgbench come from the machine's packages; the script installs them where missing
        Process tools = new ProcessBuilder("sh", "src/test/bench/install-tools.sh").inheritIO().start();
        if (tools.waitFor() != 0) {
            throw new IllegalStateException("wrk or pgbench is missing and src/test/bench/install-tools.sh failed");
        }
        deleteTree(WORK);
        Files.createDirectories(WORK);
        Path flameGraphs = RUNS.resolve(knobs.label());
        deleteTree(flameGraphs);
        machineFacts();
        stack.startInfrastructure();
        database.putAll(stack.durability());
        log("phase ceilings");
        ceilings = new Ceilings(stack, knobs).measure();
        log("ceilings: pgbench %s; ProducerPerformance %s", ceilings.pgbench, ceilings.producer);
        machine.put("pgbench", ceilings.pgbenchVersion);
        stack.startService();
        machine.put("Service JDK", stack.serviceJava + " (" + stack.serviceJdk + "), packaging "
                + AotCache.packaging());
        machine.put("Core AOT cache", stack.aotCache);
        Map<String, Long> pids = new LinkedHashMap<>();
        stack.roles.forEach((role, process) -> pids.put(role, process.pid()));
        sampler = new Sampler(stack.admin, pids, stack.threadCpu, stack.jdbcUrl, stack.coreStartNanos);

        // 1. REST intake at saturation from the first request: warm-up, then steady state, then flame graphs
        phase("saturation");
        steady = new SteadyState(stack, knobs, sampler::samples, flameGraphs).run();
        notes.addAll(steady.notes());
        SteadyState.Window w1 = steady.windows().get(steady.steadyFirst());
        SteadyState.Window w2 = steady.windows().get(steady.steadyFirst() + 1);
        Map<String, Long> processes = new LinkedHashMap<>(pids);
        processes.put("stand-ins, sampler, load generator (this JVM)", ProcessHandle.current().pid());
        processes.put("Kafka broker", stack.kafka.pid());
        figures.put("Where the machine's CPU went in the steady-state windows (cores)",
                ProcStats.shares(w1.machineBefore(), w2.machineAfter(), processes));

        // 2. the backlog the saturation left, drained: the propagation throughput
        phase("drain-1");
        long confirmed0 = stack.count("select count(*) from propagation where status = 'CONFIRMED'");
        long pending0 = stack.count("select count(*) from propagation where status = 'PENDING'");
        long t0 = System.nanoTime();
        boolean drained = stack.awaitDrained(Duration.ofSeconds(knobs.drainSeconds()));
        double drainSeconds = (System.nanoTime() - t0) / 1e9;
        long confirmed1 = stack.count("select count(*) from propagation where status = 'CONFIRMED'");
        figures.put("Propagation throughput while draining the saturation backlog (confirmed/s)",
                f0((confirmed1 - confirmed0) / Math.max(0.001, drainSeconds)) + " (" + pending0 + " pending at start, "
                        + (drained ? "drained in " : "NOT drained in ") + f1(drainSeconds) + " s)");

        // 3. propagation latency, open loop, at the target rate or the highest that holds
        phase("open-loop");
        PropagationPhase open = new PropagationPhase(stack, knobs);
        propagation = open.run(steady.rate());
        figures.put("Open-loop generator's own p99 at " + knobs.propagationRate() + "/s against a server that answers "
                + "at once, after its warm-up (ms)", f1(open.generatorFloorMs));

        // 4. intake over the inbound Kafka topic
        if (knobs.kafkaIntake() > 0) {
            phase("kafka-intake");
            kafkaIntake = new KafkaIntake(stack, knobs.kafkaIntake()).run();
            figures.put("Kafka intake: records produced at max rate (records/s)", f0(kafkaIntake.producedPerSecond));
            phase("drain-3");
            stack.awaitDrained(Duration.ofSeconds(knobs.drainSeconds()));
        }

        // 5. backfill to Mailgun through its bulk API
        if (knobs.backfill() > 0) {
            phase("backfill");
            backfill = new Backfill(stack, knobs.backfill(), knobs.backfillMode()).run();
            if (backfill.machineAtEnd != null) {
                figures.put("Where the machine's CPU went during the backfill, from its request to the last CONFIRMED "
                        + "(cores)", ProcStats.shares(backfill.machineAtStart, backfill.machineAtEnd, processes));
            }
            if (backfill.count < 1_000_000 && backfill.confirmed > 0) {
                notes.add(String.format(Locale.ROOT, "Backfill: %,d subjects (-Dbench.backfill=1000000 for the "
                        + "target's count); the 1,000,000 figure is scaled linearly from the measured rate.",
                        backfill.count));
            }
        }

        phase("end");
        Thread.sleep(1500);
        stack.roles.forEach((role, process) -> peakRssMiB.put(role, ProcStats.peakRssKb(process.pid()) / 1024.0));
        Map<String, String> cpu = new LinkedHashMap<>();
        stack.roles.forEach((role, process) -> cpu.put(role, f1(ProcStats.cpuSeconds(process.pid())) + " s"));
        figures.put("CPU seconds of each role over the whole run", cpu.toString());
        figures.put("Changes recorded in the run", Long.toString(stack.count("select count(*) from consent_record")));
        sampler.close();
        machine.put("Benchmark wall time (s)", f0(Duration.between(started, Instant.now()).toSeconds()));
        new Report(this, sampler.samples()).write(knobs.label());
    }

    private void phase(String name) {
        log("phase %s", name);
        if (sampler != null) {
            sampler.phase(name);
        }
    }

    private void machineFacts() throws Exception {
        machine.put("Date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        machine.put("Code", code());
        machine.put("nproc", Integer.toString(Runtime.getRuntime().availableProcessors()));
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                machine.put("CPU", line.substring(line.indexOf(':') + 1).trim());
                break;
            }
        }
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal")) {
                machine.put("Memory", f1(Long.parseLong(line.replaceAll("\\D", "")) / 1024.0 / 1024.0) + " GiB");
            }
        }
        machine.put("Load average before the run", Files.readString(Path.of("/proc/loadavg")).trim());
        machine.put("OS", firstLine("uname", "-sr"));
        machine.put("JDK", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("Versions", "Quarkus 3.33.2, Kafka 4.1.2 (broker process, KRaft), PostgreSQL (zonky embedded "
                + "binaries), Apicurio Registry " + ApicurioRegistryServer.VERSION + ", WireMock stand-ins");
        machine.put("wrk", firstLine("wrk", "-v"));
        machine.put("Processor stand-in delay", knobs.processorDelayMs() + " ms per call");
    }

    /** The commit the service was built from, and whether its code differed from it (runs are compared by code). */
    private static String code() {
        String head = firstLine("git", "rev-parse", "--short", "HEAD");
        // firstLine answers "?" when git printed nothing: no uncommitted change to the service's code
        String changed = firstLine("git", "status", "--porcelain", "--", "src/main", "pom.xml");
        return "commit " + head + (changed.equals("?") ? "" : ", with uncommitted changes to src/main or pom.xml");
    }

    static String firstLine(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return out.lines().findFirst().orElse("?");
        } catch (Exception e) {
            return "?";
        }
    }

    static void log(String format, Object... args) {
        System.out.printf("[bench] " + format + "%n", args);
    }

    static String f0(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
