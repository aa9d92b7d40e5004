package no.elekt.consent.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import no.elekt.consent.testinfra.ServiceProcess;

/**
 * A standalone Kafka 4.1 broker process, KRaft single node (broker and controller), on the classpath resolved from
 * src/test/bench/kafka/pom.xml; the same classpath runs Kafka's ProducerPerformance.
 */
public final class KafkaBroker implements AutoCloseable {

    public final int port;
    /** The port clients are told to connect to: {@link #port}, or a proxy's in front of it. */
    private final int advertisedPort;
    final String classpath;
    private final Path dir;
    private Process process;
    private Path props;

    public KafkaBroker(Path dir, String classpath, int port) {
        this(dir, classpath, port, port);
    }

    /** A broker whose clients all go through a proxy on {@code advertisedPort} (it is the advertised listener). */
    public KafkaBroker(Path dir, String classpath, int port, int advertisedPort) {
        this.dir = dir;
        this.classpath = classpath;
        this.port = port;
        this.advertisedPort = advertisedPort;
    }

    public String bootstrap() {
        return "127.0.0.1:" + advertisedPort;
    }

    public long pid() {
        return process.pid();
    }

    public KafkaBroker start(int partitions) throws IOException, InterruptedException {
        int controller = Benchmark.freePort();
        Files.createDirectories(dir);
        Path data = dir.resolve("data");
        props = dir.resolve("server.properties");
        Files.writeString(props, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controller,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + advertisedPort,
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + data,
                "num.partitions=" + partitions,
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=6",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=true", ""));
        String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
        Process format = new ProcessBuilder(java("kafka.tools.StorageTool", "format", "--standalone", "-t", clusterId,
                "-c", props.toString())).redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile())
                .start();
        if (format.waitFor() != 0) {
            throw new IllegalStateException("Kafka storage format failed; see " + dir.resolve("format.log"));
        }
        return launch();
    }

    /** SIGKILL: no shutdown, no flush; the log dir stays as the crash left it. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Starts the broker again on the same ports and log dir (after {@link #kill()}). */
    public KafkaBroker restart() throws IOException, InterruptedException {
        return launch();
    }

    private KafkaBroker launch() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-Xms256m", "-Xmx512m", "-XX:+UseG1GC",
                "-cp", classpath, "kafka.Kafka", props.toString()));
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()))
                .start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Kafka exited; see " + dir.resolve("broker.log"));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return this;
            } catch (IOException notYet) {
                Thread.sleep(200); // polling a child process for readiness
            }
        }
        throw new IllegalStateException("Kafka did not listen within 60 s");
    }

    List<String> java(String main, String... args) {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-Xmx512m", "-cp", classpath, main));
        cmd.addAll(List.of(args));
        return cmd;
    }

    public static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Override
    public void close() {
        ServiceProcess.stop(process);
    }

    /** The broker's classpath, resolved by Maven from src/test/bench/kafka/pom.xml (offline first). */
    public static String resolveClasspath(Path root, Path work) throws IOException, InterruptedException {
        Files.createDirectories(work);
        Path out = work.resolve("kafka.classpath");
        String mvn = Files.isExecutable(root.resolve("mvnw")) ? root.resolve("mvnw").toString() : "mvn";
        for (List<String> offline : List.of(List.of("-o"), List.<String>of())) {
            List<String> cmd = new ArrayList<>(List.of(mvn, "-q", "-B"));
            cmd.addAll(offline);
            cmd.addAll(List.of("-f", "src/test/bench/kafka/pom.xml", "dependency:build-classpath",
                    "-Dmdep.outputFile=" + out));
            Process p = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(work.resolve("kafka-classpath.log").toFile()).start();
            if (p.waitFor() == 0 && Files.exists(out)) {
                return Files.readString(out).trim();
            }
        }
        throw new IllegalStateException(
                "cannot resolve the Kafka classpath; see " + work.resolve("kafka-classpath.log"));
    }

    static String newClusterId() {
        return UUID.randomUUID().toString();
    }
}
