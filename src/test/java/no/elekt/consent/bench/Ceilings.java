package no.elekt.consent.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import no.elekt.consent.events.ConsentChangeRequested;

/**
 * What this machine's PostgreSQL and Kafka do on their own, measured in the same run before the service starts:
 * pgbench with the statements of one accepted change (src/test/bench/pgbench/accepted-change.sql, on a database
 * made from the service's migrations, same server, so fsync and synchronous commit on), and Kafka's
 * ProducerPerformance with records of the inbound record's size.
 */
final class Ceilings {

    double pgbenchTps = Double.NaN;
    String pgbench = "";
    double producerPerSecond = Double.NaN;
    String producer = "";
    int recordSize;
    String pgbenchVersion = "";

    private final Stack stack;
    private final Knobs knobs;

    Ceilings(Stack stack, Knobs knobs) {
        this.stack = stack;
        this.knobs = knobs;
    }

    Ceilings measure() throws Exception {
        recordSize = intakeRecordSize();
        producer();
        pgbench();
        return this;
    }

    private void producer() throws Exception {
        Path log = Benchmark.WORK.resolve("producer-performance.log");
        List<String> cmd = stack.kafka.java("org.apache.kafka.tools.ProducerPerformance", "--topic", "bench.ceiling",
                "--num-records", Integer.toString(knobs.producerRecords()), "--record-size",
                Integer.toString(recordSize), "--throughput", "-1", "--producer-props",
                "bootstrap.servers=" + stack.kafka.bootstrap(), "acks=all", "linger.ms=5", "batch.size=65536");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        Matcher m = Pattern.compile("records sent, ([0-9.]+) records/sec.*?([0-9.]+) ms avg latency.*?"
                + "([0-9]+) ms 50th, ([0-9]+) ms 95th, ([0-9]+) ms 99th").matcher(Files.readString(log));
        while (m.find()) { // the last line is the total
            producerPerSecond = Double.parseDouble(m.group(1));
            producer = String.format(Locale.ROOT, "%,.0f records/s (%,d records of %d B, 6 partitions, acks=all; "
                    + "latency p50 / p95 / p99 %s / %s / %s ms)", producerPerSecond, knobs.producerRecords(),
                    recordSize, m.group(3), m.group(4), m.group(5));
        }
    }

    private int intakeRecordSize() {
        try (AvroKafkaSerializer<ConsentChangeRequested> s = stack.changeRequestSerializer()) {
            return s.serialize("consent.change-requests.app.v1",
                    KafkaIntake.changeRequest("bench-kafka-size-0000001", 1)).length;
        }
    }

    /** pgbench with the writes of one accepted change, in one transaction, on a copy of the schema. */
    private void pgbench() throws Exception {
        try (Connection c = stack.connect()) {
            c.createStatement().execute("create database ceiling");
        }
        try (Connection c = DriverManager.getConnection(stack.jdbcUrl.replace("/postgres", "/ceiling"), "postgres",
                "postgres");
                Stream<Path> files = Files.list(Benchmark.ROOT.resolve("src/main/resources/db/migration"))) {
            for (Path f : files.sorted((a, b) -> Integer.compare(version(a), version(b))).toList()) {
                c.createStatement().execute(Files.readString(f));
            }
        }
        Path script = Benchmark.ROOT.resolve("src/test/bench/pgbench/accepted-change.sql");
        Path log = Benchmark.WORK.resolve("pgbench.log");
        List<String> cmd = List.of(binary(), "-n", "-M", "prepared", "-c", Integer.toString(knobs.pgbenchClients()),
                "-j", "2", "-T", Integer.toString(knobs.pgbenchSeconds()), "-f", script.toString(), "-h", "127.0.0.1",
                "-p", Integer.toString(stack.postgres.getPort()), "-U", "postgres", "ceiling");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(knobs.pgbenchSeconds() + 70L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        Matcher tps = Pattern.compile("tps = ([0-9.]+)").matcher(out);
        Matcher lat = Pattern.compile("latency average = ([0-9.]+) ms").matcher(out);
        Matcher failed = Pattern.compile("number of failed transactions: ([0-9]+)").matcher(out);
        pgbenchTps = tps.find() ? Double.parseDouble(tps.group(1)) : Double.NaN;
        pgbench = String.format(Locale.ROOT, "%,.0f tx/s (%d clients, %d s%s%s)", pgbenchTps, knobs.pgbenchClients(),
                knobs.pgbenchSeconds(), lat.find() ? ", latency average " + lat.group(1) + " ms" : "",
                failed.find() ? ", " + failed.group(1) + " failed" : "");
        if (Double.isNaN(pgbenchTps)) {
            pgbench = "pgbench failed; see target/bench/pgbench.log";
        }
        pgbenchVersion = Benchmark.firstLine(binary(), "--version");
    }

    /** V10 after V9: migrations by their number, as Flyway orders them. */
    private static int version(Path migration) {
        Matcher m = Pattern.compile("^V([0-9]+)__").matcher(migration.getFileName().toString());
        return m.find() ? Integer.parseInt(m.group(1)) : Integer.MAX_VALUE;
    }

    private static String binary() {
        for (String candidate : List.of("/usr/bin/pgbench", "/usr/lib/postgresql/17/bin/pgbench",
                "/usr/lib/postgresql/15/bin/pgbench")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return "pgbench";
    }
}
