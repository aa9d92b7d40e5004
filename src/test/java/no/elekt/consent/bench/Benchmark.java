package no.elekt.consent.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.ConsentChangeRequested;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PurposeVersion;
import no.elekt.consent.testinfra.ApicurioRegistryServer;
import no.elekt.consent.testinfra.ProcessorStandIns;
import no.elekt.consent.testinfra.ServiceProcess;

/**
 * The benchmark: starts the stack as it ships (packaged service with the prod profile, a Kafka broker
 * process, PostgreSQL, Apicurio Registry, processor stand-ins answering after a delay), measures the raw ceilings
 * (Kafka ProducerPerformance, pgbench with the writes of one change), drives load with wrk and a Kafka producer, and
 * writes src/test/bench/runs/&lt;label&gt;.md, .html and .csv. Run by {@code ./mvnw -Pbench -DskipTests verify}.
 * Every phase is bounded in time; it fails only if the stack cannot start.
 */
public final class Benchmark {

    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path WORK = ROOT.resolve("target/bench");

    private final String label = System.getProperty("bench.label", "latest");
    private final int processorDelayMs = Integer.getInteger("bench.processor-delay-ms", 20);
    private final int saturationSeconds = Integer.getInteger("bench.saturation-seconds", 30);
    private final int connections = Integer.getInteger("bench.connections", 32);
    private final int kafkaIntakeCount = Integer.getInteger("bench.kafka-intake", 30_000);
    private final int backfillCount = Integer.getInteger("bench.backfill", 100_000);
    private final int targetPropagationRate = Integer.getInteger("bench.propagation-rate", 1000);

    final Map<String, String> figures = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();
    final Map<String, String> machine = new LinkedHashMap<>();

    private EmbeddedPostgres postgres;
    private ApicurioRegistryServer registry;
    private KafkaBroker kafka;
    private ServiceProcess service;
    /** The service's processes by role: "service" (every role in one), or "core" and "adapters" (bench.split-roles). */
    private final Map<String, ServiceProcess> roles = new LinkedHashMap<>();
    private final boolean splitRoles = Boolean.getBoolean("bench.split-roles");
    private Admin admin;
    private Sampler sampler;
    private int httpPort;
    private String jdbcUrl;

    public static void main(String[] args) throws Exception {
        // initialise logging on this thread first: the infrastructure starts on parallel threads, and two of them
        // initialising java.util.logging and the JBoss LogContext at once deadlock on their class initialisation
        java.util.logging.LogManager.getLogManager();
        Benchmark b = new Benchmark();
        // stop the child processes also when the run is interrupted (Ctrl+C, kill)
        Runtime.getRuntime().addShutdownHook(new Thread(b::stop, "bench-stop"));
        int code = 0;
        try {
            b.run();
        } catch (Exception e) {
            e.printStackTrace();
            code = 1;
        } finally {
            b.stop();
        }
        System.exit(code);
    }

    void run() throws Exception {
        Instant started = Instant.now();
        deleteTree(WORK);
        Files.createDirectories(WORK);
        machineFacts();
        startInfrastructure();
        ceilings();
        startService();
        sampler = new Sampler(admin, roles.values().stream().map(ServiceProcess::pid).toList(), jdbcUrl);
        Map<String, Double> cpuStart = cpuByRole();

        // 1. REST intake at saturation (after a warm-up for the JIT)
        phase("warm-up");
        wrk("bench-warm", connections, 15, 0);
        long changesBefore = count("select count(*) from consent_record");
        phase("rest-saturation");
        Map<String, Double> cpu0 = cpuByRole();
        ProcStats.Snapshot machine0 = ProcStats.snapshot();
        Wrk sat = wrk("bench-rest", connections, saturationSeconds, 0);
        Map<String, Double> cpuSat = since(cpu0);
        Map<String, Long> processes = new LinkedHashMap<>();
        roles.forEach((role, process) -> processes.put(role, process.pid()));
        processes.put("stand-ins and sampler (this JVM)", ProcessHandle.current().pid());
        processes.put("Kafka broker", kafka.pid());
        figures.put("Where the machine's CPU went during REST saturation (cores)",
                ProcStats.shares(machine0, ProcStats.snapshot(), processes));
        double saturation = sat.acceptedPerSecond();
        saturationRate = saturation;
        figures.put("REST intake at saturation (changes/s)", f0(saturation));
        figures.put("REST intake at saturation: latency p50 / p95 / p99 (ms)", sat.latencies());
        figures.put("REST intake at saturation: errors (non-2xx, timeouts)", sat.errors());
        double accepted = Math.max(1, sat.accepted());
        figures.put("Service CPU per accepted change at saturation (ms)" + roleNames(),
                byRole(cpuSat, cpu -> f2(cpu * 1000 / accepted)));

        // 2. latency at half the saturation rate
        phase("rest-half-rate");
        Wrk half = throttled("bench-half", 16, 20, saturation / 2);
        figures.put("REST intake latency at half saturation: rate achieved (changes/s)", f0(half.acceptedPerSecond()));
        figures.put("REST intake latency at half saturation: p50 / p95 / p99 (ms)", half.latencies());

        // 3. the backlog the intake phases left, drained: the propagation throughput
        phase("drain-1");
        long confirmed0 = count("select count(*) from propagation where status = 'CONFIRMED'");
        long pending0 = count("select count(*) from propagation where status = 'PENDING'");
        double drainStart = sampler.now();
        boolean drained = awaitDrained(Duration.ofSeconds(150));
        double drainSeconds = sampler.now() - drainStart;
        long confirmed1 = count("select count(*) from propagation where status = 'CONFIRMED'");
        double propagationThroughput = (confirmed1 - confirmed0) / Math.max(0.001, drainSeconds);
        figures.put("Propagation throughput while draining the intake backlog (confirmed/s)",
                f0(propagationThroughput) + " (" + pending0 + " pending at start, "
                        + (drained ? "drained in " + f1(drainSeconds) + " s" : "NOT drained in " + f1(drainSeconds) + " s")
                        + ")");

        // 4. propagation latency at 1,000 changes/s, or the highest sustainable rate
        double rate = Math.min(targetPropagationRate, 0.8 * Math.min(saturation,
                drained && propagationThroughput > 0 && pending0 > 1000 ? propagationThroughput : saturation));
        if (rate < targetPropagationRate) {
            notes.add(String.format(Locale.ROOT, "Propagation latency measured at %.0f changes/s, not %d: that is 80%% "
                    + "of the lower of REST saturation and propagation throughput on this machine.", rate,
                    targetPropagationRate));
        }
        phase("propagation");
        Wrk prop = throttled("bench-prop", 16, 30, rate);
        phase("drain-2");
        awaitDrained(Duration.ofSeconds(120));
        figures.put("Propagation phase: offered rate achieved (changes/s)", f0(prop.acceptedPerSecond()));
        figures.put("Propagation latency accepted -> every receipt CONFIRMED, p50 / p95 / p99 (ms)",
                propagationLatency("bench-prop"));
        figures.put("Propagation phase: changes not CONFIRMED at the end",
                Long.toString(count("select count(*) from consent_record r where r.source = 'bench-prop' and exists ("
                        + "select 1 from propagation p where p.change_id = r.change_id and p.status <> 'CONFIRMED')")));

        // 5. intake over the inbound Kafka topic
        phase("kafka-intake");
        kafkaIntake();
        phase("drain-3");
        awaitDrained(Duration.ofSeconds(90));

        // 6. backfill to Mailgun through its bulk API
        phase("backfill");
        backfill();

        phase("end");
        Thread.sleep(1500);
        Map<String, Double> cpuTotal = since(cpuStart);
        long changes = count("select count(*) from consent_record") - changesBefore;
        figures.put("Service CPU seconds over the measured run (all phases)" + roleNames(), byRole(cpuTotal, Benchmark::f1));
        Map<String, Double> peakRss = new LinkedHashMap<>();
        roles.forEach((role, process) -> peakRss.put(role, ProcStats.peakRssKb(process.pid()) / 1024.0));
        figures.put("Service peak RSS (VmHWM, MiB)" + roleNames(), byRole(peakRss, Benchmark::f0));
        figures.put("Changes recorded in the measured run", Long.toString(changes));
        sampler.close();
        machine.put("Benchmark wall time (s)", f0(Duration.between(started, Instant.now()).toSeconds()));
        new Report(this, sampler.samples(), latencyOverTime()).write(label);
    }

    // ------------------------------------------------------------------ infrastructure

    private void startInfrastructure() throws Exception {
        String classpath = kafkaClasspath();
        System.setProperty("consent.standins.threads", "64");
        System.setProperty("consent.standins.async", "true");
        var pg = CompletableFuture.supplyAsync(() -> {
            try {
                return EmbeddedPostgres.builder().setPort(freePort())
                        .setServerConfig("max_connections", "200").start();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        var reg = CompletableFuture.supplyAsync(() -> {
            try {
                return new ApicurioRegistryServer(freePort()).start(ROOT.resolve("target/bench-registry"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        kafka = new KafkaBroker(WORK.resolve("kafka"), classpath, freePort()).start(6);
        ProcessorStandIns.start();
        ProcessorStandIns.installHappyStubs();
        ProcessorStandIns.wireMock().setGlobalFixedDelayVariable(processorDelayMs);
        postgres = pg.join();
        registry = reg.join();
        jdbcUrl = "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
        admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrap()));
        List<NewTopic> topics = Stream.of("consent.change-requests.v1", "consent.changes.v1",
                "consent.directives.mailgun.v1", "consent.directives.firebase.v1", "consent.directives.eliq.v1",
                "consent.directives.addapptr.v1", "consent.receipts.v1", "bench.ceiling")
                .map(t -> new NewTopic(t, 6, (short) 1)).toList();
        admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        // schemas registered the way production does it
        ProcessBuilder pb = new ProcessBuilder("sh", "deploy/register-schemas.sh").directory(ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(WORK.resolve("register-schemas.log").toFile());
        pb.environment().put("REGISTRY_URL", registry.apiUrl());
        pb.environment().put("SCHEMAS_DIR", "schemas");
        pb.environment().put("WAIT_SECONDS", "30");
        if (pb.start().waitFor() != 0) {
            throw new IllegalStateException("deploy/register-schemas.sh failed; see target/bench/register-schemas.log");
        }
        log("infrastructure up: PostgreSQL %d, Kafka %s, registry %s, stand-ins %s (delay %d ms)",
                postgres.getPort(), kafka.bootstrap(), registry.apiUrl(), ProcessorStandIns.baseUrl(),
                processorDelayMs);
    }

    private String kafkaClasspath() throws Exception {
        return KafkaBroker.resolveClasspath(ROOT, WORK);
    }

    private void startService() throws Exception {
        httpPort = freePort();
        Path jar = ROOT.resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("build the service first: " + jar + " is missing");
        }
        Map<String, String> config = ServiceProcess.prodConfig(postgres.getPort(), jdbcUrl, kafka.bootstrap(),
                registry.apiUrl());
        // the shipped per-processor limits (10 calls/s, AddApptr 2) guard the real processors' quotas; against the
        // stand-ins they would measure the limiter, not the service
        ServiceProcess.PROCESSORS.forEach(p -> config.put("consent.adapters." + p + ".rate-limit", "0"));
        // extra -D settings for experiments: -Dbench.service.<property>=<value>
        System.getProperties().forEach((k, v) -> {
            if (k.toString().startsWith("bench.service.")) {
                config.put(k.toString().substring("bench.service.".length()), v.toString());
            }
        });
        // JVM options for experiments, e.g. -Dbench.jvm-options="-XX:StartFlightRecording=filename=target/bench/{role}.jfr"
        List<String> jvmOptions = Stream.of(System.getProperty("bench.jvm-options", "").split("\\s+"))
                .filter(o -> !o.isBlank()).toList();
        if (!splitRoles) {
            service = start("service", httpPort, jvmOptions, config);
            return;
        }
        // as deployed: the core (API, ledger, relay, receipt tracking) and the adapters in processes of their own
        service = start("core", httpPort, jvmOptions, ServiceProcess.forRole(config, "core"));
        start("adapters", freePort(), jvmOptions, ServiceProcess.forRole(config, "adapters"));
    }

    private ServiceProcess start(String role, int port, List<String> jvmOptions, Map<String, String> config)
            throws IOException, InterruptedException {
        // {role} in a JVM option (a JFR file name, say) becomes the process's role
        List<String> options = jvmOptions.stream().map(o -> o.replace("{role}", role)).toList();
        ServiceProcess process = new ServiceProcess(role, port, options, config, WORK.resolve(role + ".log")).start();
        roles.put(role, process);
        log("%s ready on :%d (pid %d)", role, port, process.pid());
        return process;
    }

    private Map<String, Double> cpuByRole() {
        Map<String, Double> cpu = new LinkedHashMap<>();
        roles.forEach((role, process) -> cpu.put(role, ProcStats.cpuSeconds(process.pid())));
        return cpu;
    }

    private Map<String, Double> since(Map<String, Double> before) {
        Map<String, Double> used = cpuByRole();
        used.replaceAll((role, cpu) -> cpu - before.get(role));
        return used;
    }

    /** ": core + adapters" when the roles run apart. */
    private String roleNames() {
        return roles.size() == 1 ? "" : ": " + String.join(" + ", roles.keySet());
    }

    /** One value, or each role's and their sum. */
    private static String byRole(Map<String, Double> values, java.util.function.DoubleFunction<String> format) {
        if (values.size() == 1) {
            return format.apply(values.values().iterator().next());
        }
        return values.values().stream().map(format::apply).collect(java.util.stream.Collectors.joining(" + "))
                + " = " + format.apply(values.values().stream().mapToDouble(Double::doubleValue).sum());
    }


    synchronized void stop() {
        roles.values().forEach(ServiceProcess::close);
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
        if (kafka != null) {
            kafka.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                // exiting
            }
            postgres = null;
        }
        kafka = null;
        registry = null;
        admin = null;
    }

    // ------------------------------------------------------------------ ceilings

    private void ceilings() throws Exception {
        int recordSize = intakeRecordSize();
        figures.put("Record size used (bytes, an Avro ConsentChangeRequested as the intake sees it)",
                Integer.toString(recordSize));
        Path log = WORK.resolve("producer-performance.log");
        List<String> cmd = kafka.java("org.apache.kafka.tools.ProducerPerformance", "--topic", "bench.ceiling",
                "--num-records", "500000", "--record-size", Integer.toString(recordSize), "--throughput", "-1",
                "--producer-props", "bootstrap.servers=" + kafka.bootstrap(), "acks=all", "linger.ms=5",
                "batch.size=65536");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        Matcher m = Pattern.compile("records sent, ([0-9.]+) records/sec.*?([0-9.]+) ms avg latency.*?"
                + "([0-9]+) ms 50th, ([0-9]+) ms 95th, ([0-9]+) ms 99th").matcher(Files.readString(log));
        double kafkaCeiling = Double.NaN;
        while (m.find()) {
            kafkaCeiling = Double.parseDouble(m.group(1));
            figures.put("CEILING Kafka ProducerPerformance, 500,000 records, 6 partitions, acks=all (records/s)",
                    f0(kafkaCeiling) + " (latency p50 / p95 / p99 " + m.group(3) + " / " + m.group(4) + " / "
                            + m.group(5) + " ms)");
        }
        ceilingKafka = kafkaCeiling;
        ceilingPg = pgbench();
    }

    double ceilingKafka = Double.NaN;
    double ceilingPg = Double.NaN;

    private int intakeRecordSize() {
        try (AvroKafkaSerializer<ConsentChangeRequested> s = new AvroKafkaSerializer<>()) {
            s.configure(serdeConfig(), false);
            return s.serialize("consent.change-requests.v1", changeRequest("bench-kafka-size-0000001", 1)).length;
        }
    }

    /** pgbench with the writes of one accepted change, in one transaction, on a copy of the schema. */
    private double pgbench() throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "postgres")) {
            c.createStatement().execute("create database ceiling");
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl.replace("/postgres", "/ceiling"), "postgres",
                "postgres"); Stream<Path> files = Files.list(ROOT.resolve("src/main/resources/db/migration"))) {
            for (Path f : files.sorted().toList()) {
                c.createStatement().execute(Files.readString(f));
            }
        }
        Path script = ROOT.resolve("src/test/bench/pgbench/accepted-change.sql");
        Path log = WORK.resolve("pgbench.log");
        List<String> cmd = List.of(pgbenchBinary(), "-n", "-M", "prepared", "-c", "16", "-j", "2", "-T", "20",
                "-f", script.toString(), "-h", "127.0.0.1", "-p", Integer.toString(postgres.getPort()), "-U",
                "postgres", "ceiling");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        Matcher tps = Pattern.compile("tps = ([0-9.]+)").matcher(out);
        Matcher lat = Pattern.compile("latency average = ([0-9.]+) ms").matcher(out);
        double value = tps.find() ? Double.parseDouble(tps.group(1)) : Double.NaN;
        figures.put("CEILING pgbench, the writes of one accepted change per transaction, 16 clients (tx/s)",
                f0(value) + (lat.find() ? " (latency average " + lat.group(1) + " ms)" : ""));
        machine.put("pgbench", firstLine(pgbenchBinary(), "--version"));
        return value;
    }

    private static String pgbenchBinary() {
        for (String candidate : List.of("/usr/bin/pgbench", "/usr/lib/postgresql/17/bin/pgbench",
                "/usr/lib/postgresql/15/bin/pgbench")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return "pgbench";
    }

    // ------------------------------------------------------------------ load

    record Wrk(Map<String, Double> v) {
        double requests() {
            return v.getOrDefault("requests", 0.0);
        }

        double accepted() {
            return requests() - v.getOrDefault("err_status", 0.0) - v.getOrDefault("err_timeout", 0.0);
        }

        double acceptedPerSecond() {
            return accepted() / (v.getOrDefault("duration_us", 1.0) / 1e6);
        }

        String latencies() {
            return String.format(Locale.ROOT, "%.1f / %.1f / %.1f", v.get("p50_us") / 1000, v.get("p95_us") / 1000,
                    v.get("p99_us") / 1000);
        }

        String errors() {
            return String.format(Locale.ROOT, "%.0f, %.0f", v.getOrDefault("err_status", 0.0),
                    v.getOrDefault("err_timeout", 0.0));
        }
    }

    /** wrk with the consent-changes script; a per-connection pause (ms) throttles it, 0 saturates. */
    private Wrk wrk(String source, int conns, int seconds, int pauseMs) throws Exception {
        Path summary = WORK.resolve("wrk-" + source + ".json");
        Files.deleteIfExists(summary);
        ProcessBuilder pb = new ProcessBuilder("wrk", "-t2", "-c" + conns, "-d" + seconds + "s", "--timeout", "10s",
                "--latency", "-s", ROOT.resolve("src/test/bench/wrk/consent-changes.lua").toString(),
                "http://127.0.0.1:" + httpPort, "--", source, Integer.toString(pauseMs))
                .redirectErrorStream(true).redirectOutput(WORK.resolve("wrk-" + source + ".log").toFile());
        pb.environment().put("WRK_SUMMARY", summary.toString());
        pb.environment().put("WRK_TOKEN", no.elekt.consent.testinfra.TestTokens.token(
                java.util.Set.of("consent-writer"), List.of(source), Duration.ofHours(2),
                no.elekt.consent.testinfra.TestTokens.AUDIENCE, no.elekt.consent.testinfra.TestTokens.privateKey()));
        Process p = pb.start();
        if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("wrk did not end");
        }
        Map<String, Double> v = new HashMap<>();
        Matcher m = Pattern.compile("\"(\\w+)\":([0-9.]+)").matcher(Files.readString(summary));
        while (m.find()) {
            v.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        Wrk w = new Wrk(v);
        log("wrk %s: %.0f accepted/s, p50/p95/p99 %s ms, errors %s", source, w.acceptedPerSecond(), w.latencies(),
                w.errors());
        return w;
    }

    /**
     * wrk at a given rate: each connection pauses between requests. The pause is calibrated in a 5 s probe so that
     * pause + response time gives the rate (wrk is closed-loop: a slow answer delays the next request, so the
     * percentiles are those of a steady, not an open, arrival process).
     */
    private Wrk throttled(String source, int conns, int seconds, double rate) throws Exception {
        int pause = (int) Math.max(0, Math.round(conns * 1000.0 / rate));
        Wrk probe = wrk(source + "-probe", conns, 5, pause);
        double cycleMs = conns * 1000.0 / Math.max(1, probe.acceptedPerSecond());
        double responseMs = Math.max(0, cycleMs - pause);
        int calibrated = (int) Math.max(0, Math.round(conns * 1000.0 / rate - responseMs));
        log("throttled %s: %.0f/s wanted, pause %d ms", source, rate, calibrated);
        return wrk(source, conns, seconds, calibrated);
    }

    /** A producer as an app backend or a bulk job would run it: acks=all, small linger, 64 KiB batches. */
    private Properties producerConfig() {
        Properties props = new Properties();
        props.putAll(serdeConfig());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "65536");
        return props;
    }

    private void kafkaIntake() throws Exception {
        Properties props = producerConfig();
        String run = Long.toString(System.currentTimeMillis());
        long t0 = System.nanoTime();
        try (KafkaProducer<String, ConsentChangeRequested> producer = new KafkaProducer<>(props,
                new StringSerializer(), serializer())) {
            for (int i = 0; i < kafkaIntakeCount; i++) {
                String subject = "bench-kafka-" + run + "-" + i;
                producer.send(new ProducerRecord<>("consent.change-requests.v1", subject, changeRequest(subject, i)));
            }
            producer.flush();
        }
        double produced = (System.nanoTime() - t0) / 1e9;
        long done = 0;
        Instant deadline = Instant.now().plus(Duration.ofSeconds(180));
        while (Instant.now().isBefore(deadline)) {
            done = count("select count(*) from consent_record where source = 'bench-kafka'");
            if (done >= kafkaIntakeCount) {
                break;
            }
            Thread.sleep(200);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double rate = done / seconds;
        figures.put("Kafka intake: " + kafkaIntakeCount + " records produced at max rate (records/s)",
                f0(kafkaIntakeCount / produced));
        figures.put("Kafka intake: ledger caught up (changes/s)", f0(rate) + (done < kafkaIntakeCount
                ? " (only " + done + " of " + kafkaIntakeCount + " recorded within 180 s)"
                : " (" + kafkaIntakeCount + " in " + f1(seconds) + " s)"));
        kafkaIntakeRate = rate;
    }

    double kafkaIntakeRate = Double.NaN;
    double saturationRate = Double.NaN;

    /**
     * Backfill: the current state of N subjects pushed to one processor, Mailgun (its adapter batches and uses the
     * bulk unsubscribe, 1,000 per call). The propagations are written as the ledger would have them, the directives
     * produced as the relay would, and the time is until every propagation is CONFIRMED.
     */
    private void backfill() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<UUID> ids = new ArrayList<>(backfillCount);
        try (Connection c = DriverManager.getConnection(jdbcUrl + "?reWriteBatchedInserts=true", "postgres",
                "postgres")) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("insert into propagation (directive_id, change_id, "
                    + "subject_id, processor, action, status, deadline, created_at, updated_at) "
                    + "values (?, ?, ?, 'mailgun', 'SUPPRESS', 'PENDING', ?, ?, ?)")) {
                java.sql.Timestamp ts = java.sql.Timestamp.from(now);
                for (int i = 0; i < backfillCount; i++) {
                    UUID id = UUID.randomUUID();
                    ids.add(id);
                    ps.setObject(1, id);
                    ps.setObject(2, UUID.randomUUID());
                    ps.setString(3, "bf-" + i);
                    ps.setTimestamp(4, java.sql.Timestamp.from(now.plus(Duration.ofDays(30))));
                    ps.setTimestamp(5, ts);
                    ps.setTimestamp(6, ts);
                    ps.addBatch();
                    if (i % 5000 == 4999) {
                        ps.executeBatch();
                    }
                }
                ps.executeBatch();
            }
            c.commit();
        }
        Properties props = producerConfig();
        long t0 = System.nanoTime();
        try (KafkaProducer<String, ProcessorDirective> producer = new KafkaProducer<>(props, new StringSerializer(),
                serializer())) {
            for (int i = 0; i < backfillCount; i++) {
                String subject = "bf-" + i;
                producer.send(new ProducerRecord<>("consent.directives.mailgun.v1", subject,
                        ProcessorDirective.newBuilder().setDirectiveId(ids.get(i).toString())
                                .setChangeId(UUID.randomUUID().toString()).setSubjectId(subject)
                                .setProcessor("mailgun").setAction(DirectiveAction.SUPPRESS)
                                .setKind(ChangeKind.DECISION)
                                .setPurposes(List.of(new PurposeVersion("marketing", 1L)))
                                .setIdentifiers(Map.of("email", subject + "@backfill.example"))
                                .setIssuedAt(now).setDeadline(now.plus(Duration.ofDays(30))).build()));
            }
            producer.flush();
        }
        long done = 0;
        Instant deadline = Instant.now().plus(Duration.ofSeconds(240));
        while (Instant.now().isBefore(deadline)) {
            done = count("select count(*) from propagation where processor = 'mailgun' and status = 'CONFIRMED' "
                    + "and subject_id like 'bf-%'");
            if (done >= backfillCount) {
                break;
            }
            Thread.sleep(500);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double rate = done / seconds;
        String outcome = done >= backfillCount ? f1(seconds) + " s"
                : "only " + done + " of " + backfillCount + " CONFIRMED within " + f0(seconds) + " s";
        figures.put("Backfill to Mailgun (bulk API): " + backfillCount + " subjects, until every propagation CONFIRMED",
                outcome + ", " + f0(rate) + " subjects/s");
        figures.put("Backfill scaled to 1,000,000 subjects (at that rate)", f0(1_000_000 / Math.max(1, rate) / 60)
                + " min");
        notes.add("Backfill: " + backfillCount + " subjects (not 1,000,000: that would take the benchmark over its "
                + "15-minute budget on this machine); the 1,000,000 figure is scaled linearly from the measured rate.");
    }

    // ------------------------------------------------------------------ results

    /** Per change, the time from accepted (propagation.created_at) to its last CONFIRMED receipt (updated_at). */
    private String propagationLatency(String source) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "postgres");
                ResultSet rs = c.createStatement().executeQuery("""
                        with per_change as (
                          select p.change_id, max(extract(epoch from p.updated_at - p.created_at)) * 1000 as ms
                          from propagation p join consent_record r on r.change_id = p.change_id
                          where r.source = '%s'
                          group by p.change_id having bool_and(p.status = 'CONFIRMED'))
                        select count(*), percentile_cont(0.5) within group (order by ms),
                               percentile_cont(0.95) within group (order by ms),
                               percentile_cont(0.99) within group (order by ms), max(ms) from per_change"""
                        .formatted(source))) {
            rs.next();
            return String.format(Locale.ROOT, "%.0f / %.0f / %.0f (max %.0f, over %d changes)", rs.getDouble(2),
                    rs.getDouble(3), rs.getDouble(4), rs.getDouble(5), rs.getLong(1));
        }
    }

    /** Per second of acceptance over the whole run: p50 and p99 of the propagation latency (ms), and the count. */
    List<double[]> latencyOverTime() throws Exception {
        List<double[]> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "postgres");
                ResultSet rs = c.createStatement().executeQuery("""
                        with t0 as (select min(created_at) as t from propagation where subject_id not like 'bf-%%')
                        select floor(extract(epoch from p.created_at - t0.t)) as s,
                               percentile_cont(0.5) within group (order by extract(epoch from p.updated_at - p.created_at)) * 1000,
                               percentile_cont(0.99) within group (order by extract(epoch from p.updated_at - p.created_at)) * 1000,
                               count(*)
                        from propagation p, t0 where p.status = 'CONFIRMED' and p.subject_id not like 'bf-%%'
                        group by 1 order by 1""".formatted())) {
            while (rs.next()) {
                rows.add(new double[] { rs.getDouble(1), rs.getDouble(2), rs.getDouble(3), rs.getDouble(4) });
            }
        }
        return rows;
    }

    private boolean awaitDrained(Duration max) throws Exception {
        Instant deadline = Instant.now().plus(max);
        while (Instant.now().isBefore(deadline)) {
            if (count("select count(*) from propagation where status = 'PENDING' and processor <> 'addapptr'") == 0
                    && count("select count(*) from outbox_event") == 0) {
                return true;
            }
            Thread.sleep(500);
        }
        return false;
    }

    private long count(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "postgres");
                Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void phase(String name) {
        log("phase %s", name);
        if (sampler != null) {
            sampler.phase(name);
        }
    }

    private Map<String, Object> serdeConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put("apicurio.registry.url", registry.apiUrl());
        c.put("apicurio.registry.auto-register", "false");
        c.put("apicurio.registry.find-latest", "true");
        return c;
    }

    private <T extends org.apache.avro.specific.SpecificRecordBase> AvroKafkaSerializer<T> serializer() {
        AvroKafkaSerializer<T> s = new AvroKafkaSerializer<>();
        s.configure(serdeConfig(), false);
        return s;
    }

    private static final String[] PURPOSES = { "newsletter", "analytics", "energy-insights", "marketing",
            "push-notifications" };

    private static ConsentChangeRequested changeRequest(String subject, int i) {
        return ConsentChangeRequested.newBuilder().setIdempotencyKey(null).setSubjectId(subject)
                .setPurpose(PURPOSES[i % PURPOSES.length]).setDecision("WITHDRAWN")
                .setOccurredAt(Instant.parse("2026-01-01T00:00:00Z")).setSource("bench-kafka")
                .setPolicyVersion("no-2023-04-27")
                .setIdentifiers(Map.of("email", subject + "@bench.example", "firebaseAppInstanceId", "fa-" + subject,
                        "fcmToken", "tok-" + subject, "eliqUserId", "eq-" + subject))
                .build();
    }

    private void machineFacts() throws Exception {
        machine.put("Date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
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
        machine.put("OS", firstLine("uname", "-sr"));
        machine.put("JDK", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("Versions", "Quarkus 3.33.2, Kafka 4.1.2 (broker process, KRaft), PostgreSQL 17.5 (zonky "
                + "embedded binaries), Apicurio Registry " + ApicurioRegistryServer.VERSION + ", WireMock stand-ins");
        machine.put("wrk", firstLine("wrk", "-v"));
        machine.put("Processor stand-in delay", processorDelayMs + " ms per call");
    }

    private static String firstLine(String... cmd) {
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

    /** Each measured figure beside its ceiling on the same machine. */
    Map<String, String> ratios() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("REST intake at saturation / pgbench (same writes per change)",
                f0(saturationRate) + " / " + f0(ceilingPg) + " = " + f2(saturationRate / ceilingPg));
        r.put("Kafka intake / pgbench (same writes per change)",
                f0(kafkaIntakeRate) + " / " + f0(ceilingPg) + " = " + f2(kafkaIntakeRate / ceilingPg));
        r.put("Kafka intake / ProducerPerformance (same record size)",
                f0(kafkaIntakeRate) + " / " + f0(ceilingKafka) + " = " + f2(kafkaIntakeRate / ceilingKafka));
        r.put("REST intake records on Kafka (x3: one ConsentChanged, one directive, one receipt) / ProducerPerformance",
                f0(3 * saturationRate) + " / " + f0(ceilingKafka) + " = " + f2(3 * saturationRate / ceilingKafka));
        return r;
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
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
