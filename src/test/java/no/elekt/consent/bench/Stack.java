package no.elekt.consent.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import no.elekt.consent.events.ConsentChangeRequested;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.testinfra.ApicurioRegistryServer;
import no.elekt.consent.testinfra.ProcessorStandIns;
import no.elekt.consent.testinfra.ServiceProcess;
import no.elekt.consent.testinfra.TestTokens;

/**
 * The stack as it ships, on this machine: PostgreSQL (fsync and synchronous commit on, data under target/bench), a
 * Kafka broker process, Apicurio Registry with the schemas registered as production does it, the processor
 * stand-ins, and the packaged service (prod profile) as its roles' processes. Also the database and Kafka reads
 * the phases share.
 */
final class Stack implements AutoCloseable {

    static final List<String> RECEIPT_TOPICS = List.of("consent.receipts.mailgun.v1", "consent.receipts.firebase.v1",
            "consent.receipts.eliq.v1", "consent.receipts.addapptr.v1");

    final Knobs knobs;
    EmbeddedPostgres postgres;
    ApicurioRegistryServer registry;
    KafkaBroker kafka;
    Admin admin;
    String jdbcUrl;
    /** The service's processes by role: "service" (every role in one), or "core" and "adapters". */
    final Map<String, ServiceProcess> roles = new LinkedHashMap<>();
    /** Each role's JIT and GC thread CPU, read by the sampler every second and by the windows. */
    final Map<String, ProcStats.ThreadCpu> threadCpu = new LinkedHashMap<>();
    /** The JVM options each role was started with, for the report. */
    final Map<String, List<String>> jvmOptionsByRole = new LinkedHashMap<>();
    /** System.nanoTime() just before the core's process was started, and when it answered ready. */
    long coreStartNanos;
    long coreReadyNanos;

    Stack(Knobs knobs) {
        this.knobs = knobs;
        this.serviceJava = AotCache.serviceJava(knobs.java(), List.of(Path.of("/usr/lib/jvm"), Path.of("/opt")));
        this.serviceJdk = AotCache.featureOf(serviceJava);
    }

    /** The process that holds the core: "core" when the roles run apart, else "service". */
    String coreRole() {
        return roles.containsKey("core") ? "core" : "service";
    }

    ServiceProcess core() {
        return roles.get(coreRole());
    }

    String baseUrl() {
        return core().baseUrl();
    }

    void startInfrastructure() throws Exception {
        String classpath = KafkaBroker.resolveClasspath(Benchmark.ROOT, Benchmark.WORK);
        System.setProperty("consent.standins.threads", "64");
        System.setProperty("consent.standins.async", "true");
        System.setProperty("consent.standins.no-journal", "true");
        var pg = CompletableFuture.supplyAsync(this::startPostgres);
        var reg = CompletableFuture.supplyAsync(() -> {
            try {
                return new ApicurioRegistryServer(Benchmark.freePort())
                        .start(Benchmark.ROOT.resolve("target/bench-registry"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        kafka = new KafkaBroker(Benchmark.WORK.resolve("kafka"), classpath, Benchmark.freePort()).start(6);
        ProcessorStandIns.start();
        ProcessorStandIns.installHappyStubs();
        ProcessorStandIns.wireMock().setGlobalFixedDelayVariable(knobs.processorDelayMs());
        postgres = pg.join();
        registry = reg.join();
        jdbcUrl = "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
        checkDurability();
        admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrap()));
        List<NewTopic> topics = Stream.of("consent.change-requests.app.v1", "consent.changes.v1",
                "consent.directives.mailgun.v1", "consent.directives.firebase.v1", "consent.directives.eliq.v1",
                "consent.directives.addapptr.v1", RECEIPT_TOPICS.get(0), RECEIPT_TOPICS.get(1), RECEIPT_TOPICS.get(2),
                RECEIPT_TOPICS.get(3), "bench.ceiling")
                .map(t -> new NewTopic(t, 6, (short) 1)).toList();
        admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        // schemas registered the way production does it
        ProcessBuilder pb = new ProcessBuilder("sh", "deploy/register-schemas.sh").directory(Benchmark.ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(Benchmark.WORK.resolve("register-schemas.log").toFile());
        pb.environment().put("REGISTRY_URL", registry.apiUrl());
        pb.environment().put("SCHEMAS_DIR", "schemas");
        pb.environment().put("WAIT_SECONDS", "30");
        if (pb.start().waitFor() != 0) {
            throw new IllegalStateException("deploy/register-schemas.sh failed; see target/bench/register-schemas.log");
        }
        Benchmark.log("infrastructure up: PostgreSQL %d (fsync %s), Kafka %s, registry %s, stand-ins %s (delay %d ms)",
                postgres.getPort(), setting("fsync"), kafka.bootstrap(), registry.apiUrl(),
                ProcessorStandIns.baseUrl(), knobs.processorDelayMs());
    }

    /**
     * The zonky binaries start the server with -F (fsync off); a -c option after it wins, so fsync and synchronous
     * commit are set on explicitly, and the data directory is on the work tree's disk, not a temporary folder.
     */
    private EmbeddedPostgres startPostgres() {
        String durable = knobs.fsync() ? "on" : "off";
        try {
            return EmbeddedPostgres.builder().setPort(Benchmark.freePort())
                    .setDataDirectory(Benchmark.WORK.resolve("pgdata")).setCleanDataDirectory(true)
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", durable)
                    .setServerConfig("synchronous_commit", durable)
                    .setServerConfig("full_page_writes", durable)
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Refuses to measure a database that is not as asked: production runs with fsync and synchronous commit. */
    private void checkDurability() throws SQLException {
        String wanted = knobs.fsync() ? "on" : "off";
        for (String name : List.of("fsync", "synchronous_commit")) {
            if (!setting(name).equals(wanted)) {
                throw new IllegalStateException("PostgreSQL runs with " + name + " = " + setting(name) + ", not "
                        + wanted);
            }
        }
    }

    /** The server's durability settings as SHOW reports them, for the report. */
    Map<String, String> durability() throws SQLException {
        Map<String, String> d = new LinkedHashMap<>();
        for (String name : List.of("server_version", "fsync", "synchronous_commit", "full_page_writes",
                "wal_sync_method", "shared_buffers")) {
            d.put(name, setting(name));
        }
        d.put("data directory", Benchmark.WORK.resolve("pgdata") + " (" + Benchmark.firstLine("sh", "-c",
                "df -T " + Benchmark.WORK + " | tail -1 | awk '{print $2 \" on \" $1}'") + ")");
        return d;
    }

    String setting(String name) throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("show " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** bin/java of the service's processes, and its feature version. */
    final String serviceJava;
    final int serviceJdk;
    /** What became of the core's AOT cache, for the report. */
    String aotCache = "not used";
    private Path aotCacheFile;

    /** Starts the service as deployed: the core, then the adapters in their own process (or one process). */
    void startService() throws Exception {
        Path jar = Benchmark.ROOT.resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("build the service first: " + jar + " is missing");
        }
        Map<String, String> config = ServiceProcess.prodConfig(postgres.getPort(), jdbcUrl, kafka.bootstrap(),
                registry.apiUrl());
        // the shipped per-processor limits (10 calls/s, AddApptr 2) guard the real processors' quotas; against the
        // stand-ins they would measure the limiter, not the service
        ServiceProcess.PROCESSORS.forEach(p -> config.put("consent.adapters." + p + ".rate-limit", "0"));
        // the backfill likewise, as before the shipped pacing (10,000 a second, a million unanswered)
        config.put("consent.backfill.rates.mailgun", "10000");
        config.put("consent.backfill.max-pending", "1000000");
        config.put("consent.adapters.firebase.analytics-rate-limit", "0");
        config.put("consent.adapters.firebase.auth-rate-limit", "0");
        config.putAll(knobs.serviceSettings()); // experiments: -Dbench.service="key=value ..."
        if (!knobs.splitRoles()) {
            aotCache = "not made for the one-process series";
            start("service", config);
            return;
        }
        // adapters first: a new core pod starts where the adapters already run, and the core's warm-up is timed
        // from its own start to steady state under load, with no other start-up in between
        start("adapters", ServiceProcess.forRole(config, "adapters"));
        Map<String, String> core = ServiceProcess.forRole(config, "core");
        trainAotCache(core);
        start("core", core);
    }

    /** On a JDK 25+, the core's AOT cache from a training run under the saturation load (see AotCache). */
    private void trainAotCache(Map<String, String> coreConfig) throws Exception {
        if (!knobs.aot()) {
            aotCache = "off (-Dbench.aot=false)";
            return;
        }
        if (serviceJdk < AotCache.MINIMUM_FEATURE) {
            aotCache = "none: the service's JDK is " + serviceJdk + ", an AOT cache needs " + AotCache.MINIMUM_FEATURE
                    + "+ (-Dbench.java)";
            return;
        }
        long before = System.nanoTime();
        Optional<Path> made = AotCache.train(this, serviceJava, jvmOptions("core"), coreConfig,
                knobs.aotTrainingSeconds());
        double seconds = (System.nanoTime() - before) / 1e9;
        if (made.isEmpty()) {
            aotCache = "training run made none (see core-aot-training.log)";
            return;
        }
        aotCacheFile = made.get();
        aotCache = String.format(java.util.Locale.ROOT, "%s, %.0f MiB, from a training run of %d s of load (%.0f s "
                + "with start and assembly)", aotCacheFile.getFileName(), Files.size(aotCacheFile) / 1048576.0,
                knobs.aotTrainingSeconds(), seconds);
        Benchmark.log("AOT cache: %s", aotCache);
    }

    private void start(String role, Map<String, String> config) throws IOException, InterruptedException {
        List<String> options = jvmOptions(role);
        if (aotCacheFile != null && (role.equals("core") || role.equals("service"))) {
            options.add("-XX:AOTCache=" + aotCacheFile);
        }
        boolean isCore = role.equals("core") || role.equals("service");
        long before = System.nanoTime();
        ServiceProcess process = new ServiceProcess(role, Benchmark.freePort(), options, config,
                Benchmark.WORK.resolve(role + ".log")).withJava(serviceJava).start();
        if (isCore) {
            coreStartNanos = before;
            coreReadyNanos = System.nanoTime();
        }
        roles.put(role, process);
        threadCpu.put(role, new ProcStats.ThreadCpu(process.pid()));
        jvmOptionsByRole.put(role, options);
        Benchmark.log("%s ready on :%d (pid %d) in %.1f s", role, process.port, process.pid(),
                (System.nanoTime() - before) / 1e9);
    }

    /**
     * The JVM options of a role: its pod's memory limit, the image launcher's heap and GC options, the profiler's
     * needs, the extra ones of the run (the JVM takes the last of a repeated value option; another collector needs the
     * launcher's switched off, bench.image-launcher=false, or the JVM refuses two).
     */
    private List<String> jvmOptions(String role) {
        List<String> options = new ArrayList<>();
        if (knobs.maxRam().containsKey(role)) {
            // the JVM in a pod sizes its heap from the pod's memory limit; here it would see the host's 24 GiB
            options.add("-XX:MaxRAM=" + knobs.maxRam().get(role));
        }
        if (knobs.imageLauncher()) {
            // as the container image starts the service: its launcher's heap share and GC (ImageLauncher)
            try {
                options.addAll(ImageLauncher.options(ImageLauncher.environment(
                        Benchmark.ROOT.resolve("src/main/resources/application.properties"))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (knobs.profile()) {
            // async-profiler attributes samples to the right line only with debug info at non-safepoints
            options.addAll(List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:+DebugNonSafepoints"));
        }
        Stream.of(knobs.jvmOptions().split("\\s+")).filter(o -> !o.isBlank())
                .map(o -> o.replace("{role}", role)).forEach(options::add);
        return options;
    }

    /** Seconds since the core's process was started. */
    double sinceCoreStart() {
        return (System.nanoTime() - coreStartNanos) / 1e9;
    }

    // ------------------------------------------------------------------ reads

    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, "postgres", "postgres");
    }

    long count(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Receipts published by the adapters so far (end offsets of the receipt topics): one per directive handled. */
    long receiptsPublished() throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (String topic : RECEIPT_TOPICS) {
            for (int p = 0; p < 6; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
        }
        return admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).values().stream()
                .mapToLong(i -> i.offset()).sum();
    }

    /**
     * When each directive of the processors' topics written since {@code since} was relayed: its record's CreateTime
     * (set by the core's producer as the outbox relay sends it), by its eventId header (the directive's id).
     */
    Map<String, Long> directivesRelayedSince(Instant since) {
        Map<String, Long> relayed = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers",
                kafka.bootstrap(), "enable.auto.commit", "false", "key.deserializer",
                ByteArrayDeserializer.class.getName(), "value.deserializer", ByteArrayDeserializer.class.getName()))) {
            Map<TopicPartition, Long> from = new HashMap<>();
            ServiceProcess.PROCESSORS.forEach(p -> consumer.partitionsFor("consent.directives." + p + ".v1")
                    .forEach(i -> from.put(new TopicPartition(i.topic(), i.partition()), since.toEpochMilli())));
            consumer.assign(from.keySet());
            Map<TopicPartition, Long> end = consumer.endOffsets(from.keySet());
            consumer.offsetsForTimes(from).forEach((tp, at) -> {
                if (at == null) {
                    consumer.seek(tp, end.get(tp));
                } else {
                    consumer.seek(tp, at.offset());
                }
            });
            Instant deadline = Instant.now().plusSeconds(30);
            while (Instant.now().isBefore(deadline)
                    && end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Header id = r.headers().lastHeader("eventId");
                    if (id != null) {
                        relayed.put(new String(id.value(), StandardCharsets.UTF_8), r.timestamp());
                    }
                }
            }
        }
        return relayed;
    }

    /** Waits until nothing is open: no PENDING propagation (AddApptr waits for ops by design) and an empty outbox. */
    boolean awaitDrained(Duration max) throws Exception {
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

    /** A bearer token of an app backend allowed to write for the given sources. */
    static String writerToken(List<String> sources) {
        return TestTokens.token(Set.of("consent-writer"), sources, Duration.ofHours(2), TestTokens.AUDIENCE,
                TestTokens.privateKey());
    }

    /** A bearer token of ops (the /v1/ops endpoints). */
    static String opsToken() {
        return TestTokens.token(Set.of("ops"), List.of(), Duration.ofHours(2), TestTokens.AUDIENCE,
                TestTokens.privateKey());
    }

    Map<String, Object> serdeConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put("apicurio.registry.url", registry.apiUrl());
        c.put("apicurio.registry.auto-register", "false");
        c.put("apicurio.registry.find-latest", "true");
        return c;
    }

    /** As an app backend serializes: every backend's topic against the one artifact of change requests. */
    AvroKafkaSerializer<ConsentChangeRequested> changeRequestSerializer() {
        Map<String, Object> config = serdeConfig();
        config.put("apicurio.registry.artifact.artifact-id", "consent.change-requests.v1-value");
        AvroKafkaSerializer<ConsentChangeRequested> s = new AvroKafkaSerializer<>();
        s.configure(config, false);
        return s;
    }

    /** As the relay serializes a directive: against its topic's artifact. */
    AvroKafkaSerializer<ProcessorDirective> directiveSerializer() {
        AvroKafkaSerializer<ProcessorDirective> s = new AvroKafkaSerializer<>();
        s.configure(serdeConfig(), false);
        return s;
    }

    /** A producer as an app backend or a bulk job would run it: acks=all, small linger, 64 KiB batches. */
    java.util.Properties producerConfig() {
        java.util.Properties props = new java.util.Properties();
        props.putAll(serdeConfig());
        props.put("bootstrap.servers", kafka.bootstrap());
        props.put("acks", "all");
        props.put("linger.ms", "5");
        props.put("batch.size", "65536");
        return props;
    }

    @Override
    public synchronized void close() {
        roles.values().forEach(ServiceProcess::close);
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
            admin = null;
        }
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        if (registry != null) {
            registry.close();
            registry = null;
        }
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                // exiting
            }
            postgres = null;
        }
    }
}
