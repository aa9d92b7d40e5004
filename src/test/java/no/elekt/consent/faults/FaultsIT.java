package no.elekt.consent.faults;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import no.elekt.consent.bench.Benchmark;
import no.elekt.consent.bench.KafkaBroker;
import no.elekt.consent.testinfra.ApicurioRegistryServer;
import no.elekt.consent.testinfra.ProcessorStandIns;
import no.elekt.consent.testinfra.ServiceProcess;
import no.elekt.consent.testinfra.TcpProxy;
import no.elekt.consent.testinfra.TestTokens;

/**
 * Faults survived, on real infrastructure: a Kafka broker process, PostgreSQL, Apicurio Registry, the
 * processor stand-ins, and the packaged service as two processes (core; adapters), each killable with SIGKILL.
 * Each scenario drives a stream of consent changes, injects its fault mid-stream, recovers, and checks that every
 * accepted change reached its final state at every processor and that no stale state won.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultsIT {

    /** Two service processes share 2 cores with the infrastructure: keep them small. */
    static final List<String> SMALL_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    static final Path WORK = Path.of("target/faults").toAbsolutePath();
    static final int CHANGES = Integer.getInteger("faults.changes", 200);
    static final int SUBJECTS = 10;
    static final int SENDERS = 4;
    static final String[] PURPOSES = { "newsletter", "marketing", "analytics", "energy-insights" };
    static final Map<String, String> PROCESSOR = Map.of("newsletter", "mailgun", "marketing", "mailgun",
            "analytics", "firebase", "energy-insights", "eliq");
    static final Set<String> FINAL = Set.of("CONFIRMED", "SUPERSEDED", "NOT_APPLICABLE");
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> SUMMARY = new ArrayList<>();
    static final String PROBLEM_503 = "503 application/problem+json";

    static KafkaBroker kafka;
    /** Every client reaches the broker through it (the advertised listener), so the broker can be slowed. */
    static TcpProxy kafkaProxy;
    static EmbeddedPostgres postgres;
    static int postgresPort;
    static Path postgresData;
    static ApicurioRegistryServer registry;
    static ServiceProcess core;
    static ServiceProcess adapters;
    static String jdbcUrl;
    static Map<String, String> common;
    static String token;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** The answers a scenario's client re-sent on (status and content type, or "no answer"), with their counts. */
    static final Map<String, AtomicInteger> RESENT_ON = new ConcurrentHashMap<>();

    @BeforeAll
    static void startInfrastructure() throws Exception {
        Instant started = Instant.now();
        Files.createDirectories(WORK);
        postgresPort = Benchmark.freePort();
        postgresData = WORK.resolve("postgres-" + UUID.randomUUID());
        var pg = java.util.concurrent.CompletableFuture.supplyAsync(FaultsIT::startPostgres);
        var reg = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new ApicurioRegistryServer(Benchmark.freePort()).start(WORK.resolve("registry"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        String classpath = KafkaBroker.resolveClasspath(Path.of("").toAbsolutePath(), WORK);
        Path kafkaDir = WORK.resolve("kafka-" + UUID.randomUUID());
        kafkaProxy = new TcpProxy(Benchmark.freePort(), Benchmark.freePort());
        kafkaProxy.restore();
        kafka = new KafkaBroker(kafkaDir, classpath, kafkaProxy.targetPort(), kafkaProxy.port()).start(3);
        ProcessorStandIns.start();
        ProcessorStandIns.installHappyStubs();
        postgres = pg.join();
        registry = reg.join();
        jdbcUrl = "jdbc:postgresql://127.0.0.1:" + postgresPort + "/postgres";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrap()))) {
            admin.createTopics(List.of("consent.change-requests.app.v1", "consent.changes.v1",
                    "consent.directives.mailgun.v1", "consent.directives.firebase.v1", "consent.directives.eliq.v1",
                    "consent.directives.addapptr.v1", "consent.receipts.mailgun.v1", "consent.receipts.firebase.v1",
                    "consent.receipts.eliq.v1", "consent.receipts.addapptr.v1").stream()
                    .map(t -> new NewTopic(t, 3, (short) 1)).toList()).all().get(60, TimeUnit.SECONDS);
        }

        common = ServiceProcess.prodConfig(postgresPort, jdbcUrl, kafka.bootstrap(),
                registry.apiUrl());
        common.put("mp.messaging.outgoing.outbox.apicurio.registry.auto-register", "true");
        common.put("mp.messaging.outgoing.adapter-receipts.apicurio.registry.auto-register", "true");
        // processor calls for this suite: slow answers (1.5 s) stay within the per-call timeout; a processor that
        // is down exhausts the budget within seconds, so the directive ends FAILED and ops retry it
        common.put("consent.adapters.calls.timeout", "3s");
        common.put("consent.adapters.calls.max-attempts", "5");
        common.put("consent.adapters.calls.initial-backoff", "200ms");
        common.put("consent.adapters.calls.max-backoff", "1s");
        common.put("consent.adapters.calls.budget", "8s");

        core = new ServiceProcess("core", Benchmark.freePort(), SMALL_JVM, ServiceProcess.forRole(common, "core"),
                WORK.resolve("core.log")).start();
        adapters = new ServiceProcess("adapters", Benchmark.freePort(), SMALL_JVM,
                ServiceProcess.forRole(common, "adapters"), WORK.resolve("adapters.log")).start();
        log("infrastructure and service up in %d s (Kafka pid %d, core pid %d, adapters pid %d)",
                Duration.between(started, Instant.now()).toSeconds(), kafka.pid(), core.pid(), adapters.pid());
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[]{ adapters, core, kafka, kafkaProxy, registry, postgres }) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                log("stopping %s: %s", c, e);
            }
        }
        log("Faults survived:");
        SUMMARY.forEach(line -> log("  %s", line));
    }

    @Test
    @Order(1)
    void kafkaBrokerKilledAndRestarted() throws Exception {
        scenario("kafka-kill", () -> {
            kafka.kill();
            log("kafka-kill: broker SIGKILLed, outbox rows waiting: %d", count("select count(*) from outbox_event"));
        }, () -> kafka.restart());
    }

    @Test
    @Order(2)
    void coreKilledWhileRelaying() throws Exception {
        scenario("core-kill", () -> {
            core.kill();
            log("core-kill: core SIGKILLed, outbox rows it left unrelayed: %d",
                    count("select count(*) from outbox_event"));
        }, () -> core.start());
    }

    @Test
    @Order(3)
    void adapterKilledMidBatch() throws Exception {
        scenario("adapter-kill", () -> {
            adapters.kill();
            log("adapter-kill: adapters SIGKILLed after %d directives handled",
                    count("select count(*) from adapter_directive where subject_id like 'adapter-kill-%'"));
        }, () -> adapters.start());
    }

    @Test
    @Order(4)
    void processorDownThenSlowThenBack() throws Exception {
        WireMock wm = ProcessorStandIns.wireMock();
        List<StubMapping> faults = new ArrayList<>();
        scenario("processor-down", () -> {
            faults.add(wm.register(any(urlPathMatching("/.*")).atPriority(1)
                    .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "1"))));
            log("processor-down: every stand-in answers 503");
        }, () -> {
            // down for a while: until directives have failed at the stand-ins for 5 s
            awaitFor(Duration.ofSeconds(5));
            faults.forEach(wm::removeStubMapping);
            faults.clear();
            wm.setGlobalFixedDelayVariable(1500);
            log("processor-down: stand-ins back but slow (1.5 s per call)");
            awaitFor(Duration.ofSeconds(6));
            wm.setGlobalFixedDelayVariable(0);
            log("processor-down: stand-ins back at full speed");
        });
    }

    @Test
    @Order(5)
    void decisionsOutOfTimeOrderFromTwoBackendsWithTheCoreKilled() throws Exception {
        scenario("out-of-order", outOfTimeOrder("out-of-order"), () -> {
            core.kill();
            log("out-of-order: core SIGKILLed mid-stream");
        }, () -> core.start());
    }

    @Test
    @Order(6)
    void twoCoreReplicasRelayingAtOnceTheLeaderKilled() throws Exception {
        ServiceProcess second = new ServiceProcess("core-2", Benchmark.freePort(), SMALL_JVM,
                ServiceProcess.forRole(common, "core"), WORK.resolve("core-2.log"));
        try {
            scenario("two-cores", () -> {
                second.start();
                log("two-cores: a second core runs beside the first, both relay candidates");
            }, () -> {
                core.kill();
                log("two-cores: the first core (the relay leader since the start) SIGKILLed; the second relays");
                core.start();
            });
        } finally {
            second.close();
        }
    }

    @Test
    @Order(7)
    void postgresRestartedUnderLoad() throws Exception {
        scenario("postgres-restart", () -> {
            postgres.close();
            log("postgres-restart: PostgreSQL stopped (fast shutdown), data directory kept");
        }, () -> {
            // down for a while with the load running: the intake answers 503 and the client re-sends
            awaitFor(Duration.ofSeconds(5));
            postgres = startPostgres();
            log("postgres-restart: PostgreSQL started again on its data directory");
        });
        assertTrue(RESENT_ON.getOrDefault(PROBLEM_503, new AtomicInteger()).get() > 0,
                "a change was refused with 503 while PostgreSQL was down: " + RESENT_ON);
        assertEquals(Set.of(PROBLEM_503), RESENT_ON.keySet(), "every refusal a clear 503 problem");
    }

    @Test
    @Order(8)
    void brokerSlowedNotKilled() throws Exception {
        scenario("kafka-slow", () -> {
            kafkaProxy.slow(Duration.ofMillis(200), Duration.ofMillis(500));
            log("kafka-slow: every chunk to and from the broker delayed 200-500 ms");
        }, () -> {
            awaitFor(Duration.ofSeconds(15));
            log("kafka-slow: after 15 s slow, %d chunks carried late, outbox rows waiting %d, propagations open %d",
                    kafkaProxy.delayedChunks(), count("select count(*) from outbox_event"),
                    count("select count(*) from propagation where subject_id like 'kafka-slow-%' and status not in "
                            + "('CONFIRMED','SUPERSEDED','NOT_APPLICABLE','FAILED')"));
            kafkaProxy.normal();
            log("kafka-slow: broker at full speed again");
        });
        assertTrue(kafkaProxy.delayedChunks() > 0, "the slowing met the service's traffic");
    }

    private static EmbeddedPostgres startPostgres() {
        try {
            return EmbeddedPostgres.builder().setPort(postgresPort).setDataDirectory(postgresData)
                    .setCleanDataDirectory(false).start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ the scenario

    interface Step {
        void run() throws Exception;
    }

    /** One change as a backend sends it; {@code occurredAt} null means the moment it is sent. */
    record Planned(String subject, String purpose, String decision, Instant occurredAt, String source) {
    }

    /** The changes of the usual scenario: alternating decisions per subject and purpose, each occurring when sent. */
    static List<Planned> inOrder(String name) {
        List<Planned> plan = new ArrayList<>();
        Map<String, Integer> perKey = new HashMap<>();
        for (int i = 0; i < CHANGES; i++) {
            String subject = name + "-s" + (i % SUBJECTS);
            String purpose = PURPOSES[(i / SUBJECTS) % PURPOSES.length];
            int n = perKey.merge(subject + "/" + purpose, 1, Integer::sum);
            plan.add(new Planned(subject, purpose, n % 2 == 1 ? "WITHDRAWN" : "GRANTED", null, "app-android"));
        }
        return plan;
    }

    /**
     * Decisions that occurred in one order and are sent in another, from two backends (app-android, web): per subject
     * and purpose, the decisions of consecutive seconds, alternating, sent shuffled (a phone that was offline, a
     * backend that lags). The decision in force must be the one that occurred last, whatever arrived last.
     */
    static List<Planned> outOfTimeOrder(String name) {
        java.util.Random random = new java.util.Random(20261202L);
        Instant base = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).minus(Duration.ofHours(1));
        Map<String, List<Integer>> slots = new HashMap<>();
        List<Planned> plan = new ArrayList<>();
        for (int i = 0; i < CHANGES; i++) {
            String subject = name + "-s" + (i % SUBJECTS);
            String purpose = PURPOSES[(i / SUBJECTS) % PURPOSES.length];
            List<Integer> free = slots.computeIfAbsent(subject + "/" + purpose, k -> {
                List<Integer> all = new ArrayList<>();
                for (int t = 0; t < CHANGES / (SUBJECTS * PURPOSES.length) + 1; t++) {
                    all.add(t);
                }
                java.util.Collections.shuffle(all, random);
                return all;
            });
            int slot = free.remove(0);
            plan.add(new Planned(subject, purpose, slot % 2 == 0 ? "WITHDRAWN" : "GRANTED",
                    base.plusSeconds(slot), slot % 2 == 0 ? "app-android" : "web"));
        }
        return plan;
    }

    private void scenario(String name, Step inject, Step recover) throws Exception {
        scenario(name, inOrder(name), inject, recover);
    }

    private void scenario(String name, List<Planned> plan, Step inject, Step recover) throws Exception {
        Instant started = Instant.now();
        ProcessorStandIns.wireMock().resetRequests();
        RESENT_ON.clear();
        // a token per scenario: one minted at the start would expire (5 min) before the last scenario
        token = TestTokens.token(Set.of("consent-writer", "subject-reader", "ops"), List.of("*"), "faults-suite");
        AtomicInteger sent = new AtomicInteger();
        Map<String, String> accepted = new ConcurrentHashMap<>(); // changeId -> subject/purpose
        Map<String, Planned> sentAs = new ConcurrentHashMap<>();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
        List<Future<?>> running = new ArrayList<>();
        for (int t = 0; t < SENDERS; t++) {
            int thread = t;
            running.add(senders.submit(() -> {
                for (int i = thread; i < CHANGES; i += SENDERS) {
                    Planned change = plan.get(i);
                    sent.incrementAndGet();
                    String changeId = send(change);
                    if (changeId != null) {
                        accepted.put(changeId, change.subject() + "/" + change.purpose());
                        sentAs.put(changeId, change);
                    } else {
                        refused.incrementAndGet();
                    }
                    LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // pacing of the load, not a wait
                }
                return null;
            }));
        }
        senders.shutdown();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                .until(() -> accepted.size() >= CHANGES / 3);
        inject.run();
        Instant faultAt = Instant.now();
        recover.run();
        log("%s: recovered %d ms after the fault", name, Duration.between(faultAt, Instant.now()).toMillis());
        for (Future<?> f : running) {
            f.get(180, TimeUnit.SECONDS);
        }

        // every accepted change reaches a final state everywhere; FAILED ones (budget exhausted) are retried by ops
        int opsRetries = 0;
        String open = "select count(*) from propagation where subject_id like '" + name + "-%' and status not in "
                + "('CONFIRMED','SUPERSEDED','NOT_APPLICABLE','FAILED')";
        String failed = "select directive_id from propagation where subject_id like '" + name
                + "-%' and status = 'FAILED'";
        for (int round = 0; round < 3; round++) {
            try {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> count(open) == 0);
            } catch (ConditionTimeoutException e) {
                log("%s: %d propagations still open after 90 s", name, count(open));
                break;
            }
            List<String> failedIds = strings(failed);
            if (failedIds.isEmpty()) {
                break;
            }
            for (String id : failedIds) {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                        URI.create(core.baseUrl() + "/v1/ops/propagations/" + id + "/retry"))
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertTrue(r.statusCode() / 100 == 2, "ops retry of " + id + ": " + r.statusCode() + " " + r.body());
                opsRetries++;
            }
        }

        String inList = "('" + String.join("','", accepted.keySet()) + "')";
        long recorded = count("select count(*) from consent_record where change_id::text in " + inList);
        long notFinal = count("select count(distinct change_id) from propagation where change_id::text in " + inList
                + " and status not in ('CONFIRMED','SUPERSEDED','NOT_APPLICABLE')");
        long lost = (accepted.size() - recorded) + notFinal;
        long confirmed = count("select count(*) from propagation where change_id::text in " + inList
                + " and status = 'CONFIRMED'");
        long superseded = count("select count(*) from propagation where change_id::text in " + inList
                + " and status = 'SUPERSEDED'");
        long changesConfirmed = count("select count(*) from consent_record r where change_id::text in " + inList
                + " and not exists (select 1 from propagation p where p.change_id = r.change_id"
                + " and p.status not in ('CONFIRMED','SUPERSEDED','NOT_APPLICABLE'))");

        // no stale state won: per processor, subject and purpose, the adapter applied the newest directive issued
        // (NOT_APPLICABLE counts: a grant the processor cannot resume still settles its version)
        long staleAtAdapters = count("""
                select count(*) from (
                  select p.processor, r.subject_id, r.purpose, max(r.version) v
                  from propagation p join consent_record r on r.change_id = p.change_id
                  where r.subject_id like '%s-%%'
                  group by 1, 2, 3) d
                left join adapter_applied_version a on a.processor = d.processor
                  and a.subject_id = d.subject_id and a.purpose = d.purpose
                where a.version is distinct from d.v""".formatted(name));
        long staleByTime = staleByTime(name, sentAs.values());
        Mailgun mailgun = mailgunCheck(name);

        String line = "%s: sent %d, accepted %d, refused %d, changes confirmed everywhere %d, propagations confirmed %d"
                + " (superseded %d), ops retries %d, lost %d, stale wins %d (by occurredAt %d, adapters %d,"
                + " Mailgun last call %d),"
                + " duplicates with effect %d (idempotent repeats %d), client re-sent on %s, took %d s";
        String summary = line.formatted(name, sent.get(), accepted.size(), refused.get(), changesConfirmed,
                confirmed, superseded, opsRetries, lost, staleByTime + staleAtAdapters + mailgun.stale, staleByTime,
                staleAtAdapters,
                mailgun.stale, mailgun.duplicates, mailgun.repeats, new java.util.TreeMap<>(RESENT_ON),
                Duration.between(started, Instant.now()).toSeconds());
        SUMMARY.add(summary);
        log("%s", summary);
        assertEquals(CHANGES, sent.get(), "all changes sent");
        assertEquals(sent.get(), accepted.size(), "every change was accepted (with client retries)");
        assertEquals(0, lost, "lost");
        assertEquals(0, staleByTime, "a decision in force that did not occur last");
        assertEquals(0, staleAtAdapters, "stale state at adapters");
        assertEquals(0, mailgun.stale, "stale Mailgun state");
        assertEquals(0, mailgun.duplicates, "duplicates with effect");
        assertTrue(mailgun.checked > 0, "Mailgun calls checked");
    }

    /**
     * Per subject and purpose, whether the decision in force is the one that occurred last among the accepted
     * changes (ties by arrival do not occur: each change of a key has its own second); answers the mismatches.
     */
    private static long staleByTime(String name, java.util.Collection<Planned> accepted) throws SQLException {
        Map<String, Planned> last = new HashMap<>();
        for (Planned p : accepted) {
            if (p.occurredAt() != null) {
                last.merge(p.subject() + "/" + p.purpose(), p,
                        (a, b) -> a.occurredAt().isAfter(b.occurredAt()) ? a : b);
            }
        }
        long stale = 0;
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "postgres");
                ResultSet rs = c.createStatement().executeQuery("select subject_id, purpose, decision, occurred_at "
                        + "from consent_state where subject_id like '" + name + "-%'")) {
            while (rs.next()) {
                Planned expected = last.get(rs.getString(1) + "/" + rs.getString(2));
                if (expected != null && (!expected.decision().equals(rs.getString(3))
                        || !expected.occurredAt().equals(rs.getTimestamp(4).toInstant()))) {
                    stale++;
                    log("%s: %s/%s has %s in force, but %s occurred last", name, rs.getString(1), rs.getString(2),
                            rs.getString(3), expected.decision());
                }
            }
        }
        return stale;
    }

    /**
     * Sends one change; like an app backend, retries on a refused connection, a timeout or a 5xx with the same
     * Idempotency-Key (bounded: 90 s), so a change committed just before a crash is answered, not doubled.
     */
    private String send(Planned change) {
        String subject = change.subject();
        String body = """
                {"subjectId":"%s","purpose":"%s","decision":"%s","occurredAt":"%s","source":"%s","policyVersion":"no-2023-04-27",
                 "identifiers":{"email":"%s@example.test","firebaseAppInstanceId":"app-%s","eliqUserId":"eliq-%s"}}"""
                .formatted(subject, change.purpose(), change.decision(),
                        change.occurredAt() == null ? Instant.now() : change.occurredAt(), change.source(), subject,
                        subject, subject);
        String key = UUID.randomUUID().toString();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (Instant.now().isBefore(deadline)) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                        URI.create(core.baseUrl() + "/v1/consent-changes"))
                        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                        .header("Idempotency-Key", key).timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 202) {
                    return JSON.readTree(r.body()).get("changeId").asText();
                }
                if (r.statusCode() < 500) {
                    log("refused %d: %s", r.statusCode(), r.body());
                    return null;
                }
                RESENT_ON.computeIfAbsent(
                        r.statusCode() + " " + r.headers().firstValue("Content-Type").orElse("").split(";")[0],
                        k -> new AtomicInteger()).incrementAndGet();
            } catch (IOException e) {
                // the service is down or restarting: retry below
                RESENT_ON.computeIfAbsent("no answer", k -> new AtomicInteger()).incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos()); // client back-off
        }
        return null;
    }

    // ------------------------------------------------------------------ Mailgun: the last call wins, once

    record Mailgun(int checked, int stale, int duplicates, int repeats) {
    }

    /**
     * For each subject and Mailgun purpose: the last successful call to the unsubscribe endpoint must match the
     * decision in force (POST when WITHDRAWN, DELETE when GRANTED). The same call repeated (a redelivery after a
     * crash between the call and its record) changes nothing there; it is counted apart as an idempotent repeat.
     * A duplicate with effect is a state change at Mailgun (unsubscribed or resubscribed) that no directive explains
     * in version order: an older decision applied again after a newer one, or a change with no directive behind it.
     */
    private Mailgun mailgunCheck(String name) throws Exception {
        List<ServeEvent> events = new ArrayList<>(ProcessorStandIns.wireMock().getServeEvents());
        java.util.Collections.reverse(events); // oldest first
        Map<String, String> last = new HashMap<>();
        Map<String, Integer> effective = new HashMap<>();
        Map<String, List<String>> effectiveCalls = new HashMap<>();
        int repeats = 0;
        String prefix = "/v3/" + ProcessorStandIns.MAILGUN_DOMAIN + "/unsubscribes";
        for (ServeEvent e : events) {
            var req = e.getRequest();
            int status = e.getResponse().getStatus();
            String path = URI.create(req.getUrl()).getPath();
            // a resubscribe Mailgun answers with its documented "not in the table" 404 leaves the address as a 2xx
            // one would (the stand-ins answer as Mailgun documents since issue 12)
            boolean notThereAlready = status == 404 && "DELETE".equals(req.getMethod().getName())
                    && (e.getResponse().getBodyAsString().contains("Address not found in unsubscribers table")
                            || e.getResponse().getBodyAsString()
                                    .contains("Unsubscribe event for this tag does not exist"));
            if (status / 100 != 2 && !notThereAlready || !path.startsWith(prefix)
                    || "GET".equals(req.getMethod().getName())) {
                continue;
            }
            List<String[]> entries = new ArrayList<>(); // address, tag
            if ("DELETE".equals(req.getMethod().getName())) {
                String address = URLDecoder.decode(path.substring(prefix.length() + 1), StandardCharsets.UTF_8);
                String tag = req.queryParameter("tag").isPresent() ? req.queryParameter("tag").firstValue() : "*";
                entries.add(new String[]{ address, tag });
            } else if (req.getBodyAsString().trim().startsWith("[")) {
                for (JsonNode entry : JSON.readTree(req.getBodyAsString())) {
                    for (JsonNode tag : entry.get("tags")) {
                        entries.add(new String[]{ entry.get("address").asText(), tag.asText() });
                    }
                }
            } else {
                Map<String, String> form = new HashMap<>();
                for (String pair : req.getBodyAsString().split("&")) {
                    String[] kv = pair.split("=", 2);
                    form.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                            kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
                }
                entries.add(new String[]{ form.get("address"), form.get("tag") });
            }
            for (String[] entry : entries) {
                if (entry[0] == null || !entry[0].startsWith(name + "-")) {
                    continue;
                }
                String k = entry[0] + "/" + entry[1];
                String previous = last.put(k, req.getMethod().getName());
                if (req.getMethod().getName().equals(previous)) {
                    repeats++; // the same call again (a redelivery after a crash): no change at the processor
                } else {
                    effective.merge(k, 1, Integer::sum);
                    effectiveCalls.computeIfAbsent(k, x -> new ArrayList<>()).add(req.getMethod().getName());
                }
            }
        }
        int checked = 0;
        int stale = 0;
        int duplicates = 0;
        int intermediate = 0;
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "postgres")) {
            // the decisions issued to Mailgun per subject and purpose, in version order
            Map<String, List<String>> issued = new HashMap<>();
            try (ResultSet rs = c.createStatement().executeQuery("""
                    select r.subject_id, r.purpose, r.decision from consent_record r
                    where r.subject_id like '%s-%%' and r.purpose in ('newsletter','marketing')
                      and exists (select 1 from propagation p where p.change_id = r.change_id
                                  and p.processor = 'mailgun' and p.status <> 'NOT_APPLICABLE')
                    order by r.subject_id, r.purpose, r.version""".formatted(name))) {
                while (rs.next()) {
                    issued.computeIfAbsent(rs.getString(1) + "@example.test/" + rs.getString(2), x -> new ArrayList<>())
                            .add("WITHDRAWN".equals(rs.getString(3)) ? "POST" : "DELETE");
                }
            }
            try (ResultSet rs = c.createStatement().executeQuery("""
                    select s.subject_id, s.purpose, s.decision,
                      (select count(*) from adapter_directive d join consent_record r on r.change_id::text = d.change_id
                       where d.processor = 'mailgun' and d.outcome = 'APPLIED' and r.subject_id = s.subject_id
                         and r.purpose = s.purpose) applied
                    from consent_state s
                    where s.subject_id like '%s-%%' and s.purpose in ('newsletter','marketing')""".formatted(name))) {
                while (rs.next()) {
                    String k = rs.getString(1) + "@example.test/" + rs.getString(2);
                    String expected = "WITHDRAWN".equals(rs.getString(3)) ? "POST" : "DELETE";
                    checked++;
                    if (!expected.equals(last.get(k))) {
                        stale++;
                        log("%s: stale at Mailgun for %s: decision %s, last call %s", name, k, rs.getString(3),
                                last.get(k));
                    }
                    // each state change at Mailgun must be explained by a newer directive than the previous change
                    List<String> decisions = issued.getOrDefault(k, List.of());
                    int at = -1;
                    for (String call : effectiveCalls.getOrDefault(k, List.of())) {
                        int next = at + 1;
                        while (next < decisions.size() && !decisions.get(next).equals(call)) {
                            next++;
                        }
                        if (next >= decisions.size()) {
                            duplicates++;
                            log("%s: a state change at Mailgun for %s that no newer directive explains", name, k);
                        } else {
                            at = next;
                        }
                    }
                    intermediate += Math.max(0, effective.getOrDefault(k, 0) - rs.getInt(4));
                }
            }
        }
        if (intermediate > 0) {
            log("%s: %d in-order Mailgun calls for directives recorded SUPERSEDED or retried (a newer decision "
                    + "followed each; the call happened before a crash or timeout could record it)", name,
                    intermediate);
        }
        return new Mailgun(checked, stale, duplicates, repeats);
    }

    // ------------------------------------------------------------------ helpers

    private static long count(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "postgres");
                ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<String> strings(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "postgres");
                ResultSet rs = c.createStatement().executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Keeps a fault in place for a while (the fault's duration, not a synchronisation). */
    private static void awaitFor(Duration d) {
        Instant until = Instant.now().plus(d);
        await().atMost(d.plusSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> Instant.now().isAfter(until));
    }

    static void log(String format, Object... args) {
        System.out.printf("[faults %s] %s%n", Instant.now().toString().substring(11, 19), format.formatted(args));
    }
}
