package no.elekt.consent.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Samples, once a second while the benchmark runs: the outbox backlog (from the table, with the query of the
 * service's own gauge: scraping the service's /q/metrics every second cost it about a tenth of its CPU in the profile,
 * and the gauge itself refreshes only every 15 s), the consumer lag of every consumer group (AdminClient, as
 * ConsumerGroupCommand computes it), each role's CPU time, its JIT compiler threads' CPU time and its RSS (/proc),
 * and how many changes and propagations the database holds. Times are seconds since the core's process started.
 */
final class Sampler implements AutoCloseable {

    static final List<String> GROUPS = List.of("consent-core", "consent-adapter-mailgun", "consent-adapter-firebase",
            "consent-adapter-eliq", "consent-adapter-addapptr");

    record Sample(double t, String phase, double outboxPending, double outboxOldestAge, Map<String, Long> lag,
            Map<String, Double> cpu, Map<String, Double> jit, Map<String, Long> rss, long changes, long confirmed,
            long pending) {

        /** CPU seconds of every role together. */
        double cpuSeconds() {
            return cpu.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        /** RSS of every role together. */
        long rssKb() {
            return rss.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final Admin admin;
    private final Map<String, Long> pids;
    private final Map<String, ProcStats.ThreadCpu> threadCpu;
    private final String jdbcUrl;
    private final long start;
    private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    private volatile String phase = "start";
    private volatile boolean running = true;
    private final Thread thread;

    /**
     * {@code pids}: the service's processes by role, {@code threadCpu} their JIT and GC thread readers;
     * {@code origin}: System.nanoTime() at the core's start.
     */
    Sampler(Admin admin, Map<String, Long> pids, Map<String, ProcStats.ThreadCpu> threadCpu, String jdbcUrl,
            long origin) {
        this.admin = admin;
        this.pids = pids;
        this.threadCpu = threadCpu;
        this.jdbcUrl = jdbcUrl;
        this.start = origin;
        this.thread = new Thread(this::run, "bench-sampler");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    void phase(String name) {
        this.phase = name;
    }

    double now() {
        return (System.nanoTime() - start) / 1e9;
    }

    List<Sample> samples() {
        synchronized (samples) {
            return new ArrayList<>(samples);
        }
    }

    private void run() {
        try (Connection db = DriverManager.getConnection(jdbcUrl, "postgres", "postgres")) {
            while (running) {
                long t0 = System.nanoTime();
                try {
                    samples.add(sample(db));
                } catch (Exception e) {
                    System.out.println("[bench] sample failed: " + e);
                }
                long sleep = 1000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                if (sleep > 0) {
                    Thread.sleep(sleep);
                }
            }
        } catch (Exception e) {
            System.out.println("[bench] sampler stopped: " + e);
        }
    }

    private Sample sample(Connection db) throws Exception {
        double t = now();
        Map<String, Long> lag = new HashMap<>();
        for (String group : GROUPS) {
            lag.put(group, lag(group));
        }
        long changes = 0;
        long confirmed = 0;
        long pending = 0;
        double outboxPending;
        double outboxOldestAge;
        try (ResultSet rs = db.createStatement().executeQuery("""
                select (select count(*) from consent_record),
                       (select count(*) from propagation where status = 'CONFIRMED'),
                       (select count(*) from propagation where status = 'PENDING'),
                       (select count(*) from outbox_event),
                       (select coalesce(extract(epoch from now() - min(created_at)), 0) from outbox_event)""")) {
            rs.next();
            changes = rs.getLong(1);
            confirmed = rs.getLong(2);
            pending = rs.getLong(3);
            outboxPending = rs.getLong(4);
            outboxOldestAge = rs.getDouble(5);
        }
        Map<String, Double> cpu = new java.util.LinkedHashMap<>();
        Map<String, Double> jit = new java.util.LinkedHashMap<>();
        Map<String, Long> rss = new java.util.LinkedHashMap<>();
        pids.forEach((role, pid) -> {
            cpu.put(role, ProcStats.cpuSeconds(pid));
            jit.put(role, threadCpu.get(role).read().jit());
            rss.put(role, ProcStats.rssKb(pid));
        });
        return new Sample(t, phase, outboxPending, outboxOldestAge, lag, cpu, jit, rss, changes, confirmed, pending);
    }

    /** Sum over partitions of (log end offset - committed offset), as ConsumerGroupCommand shows it. */
    private long lag(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
        if (committed.isEmpty()) {
            return 0;
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                .get(5, TimeUnit.SECONDS);
        long lag = 0;
        for (var e : committed.entrySet()) {
            if (e.getValue() != null && ends.containsKey(e.getKey())) {
                lag += Math.max(0, ends.get(e.getKey()).offset() - e.getValue().offset());
            }
        }
        return lag;
    }

    static void writeCsv(List<Sample> samples, Path file) throws Exception {
        List<String> roles = samples.isEmpty() ? List.of() : List.copyOf(samples.get(0).cpu().keySet());
        StringBuilder sb = new StringBuilder("t_s,phase,outbox_pending,outbox_oldest_age_s,"
                + String.join(",", GROUPS.stream().map(g -> "lag_" + g).toList()));
        roles.forEach(r -> sb.append(",cpu_s_").append(r).append(",jit_cpu_s_").append(r).append(",rss_kb_").append(r));
        sb.append(",changes,propagations_confirmed,propagations_pending\n");
        for (Sample s : samples) {
            sb.append(String.format(java.util.Locale.ROOT, "%.1f,%s,%.0f,%.2f", s.t(), s.phase(), s.outboxPending(),
                    s.outboxOldestAge()));
            for (String g : GROUPS) {
                sb.append(',').append(s.lag().get(g));
            }
            for (String r : roles) {
                sb.append(String.format(java.util.Locale.ROOT, ",%.2f,%.2f,%d", s.cpu().get(r), s.jit().get(r),
                        s.rss().get(r)));
            }
            sb.append(String.format(java.util.Locale.ROOT, ",%d,%d,%d%n", s.changes(), s.confirmed(), s.pending()));
        }
        Files.writeString(file, sb);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5000);
    }
}
