package no.elekt.consent.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import no.elekt.consent.testinfra.ServiceProcess;
import no.elekt.consent.testinfra.TestInfrastructure;
import no.elekt.consent.testinfra.TestTokens;

/**
 * What the packaged core costs to start and to hold: the time from process start to ready, Quarkus' own "started
 * in", the resident memory when ready and after a small fixed workload (changes posted and read back), and the
 * classes loaded. The core role only, prod profile, {@code -Xmx256m}, against the test infrastructure; each figure
 * over several starts. Not a load test: the workload is 200 sequential requests.
 * <p>
 * {@code ./mvnw -q -DskipTests package && ./mvnw -q exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=no.elekt.consent.bench.StartupFootprint -Dexec.args=5}; {@code -Dservice.jar=...} measures another
 * build (e.g. a copy of target/quarkus-app made before a change), so two builds can be measured in turn.
 */
public final class StartupFootprint {

    private static final Pattern STARTED_IN = Pattern.compile("started in ([0-9.]+)s");

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path work = Path.of("target/footprint").toAbsolutePath();
        Files.createDirectories(work);
        TestInfrastructure infra = TestInfrastructure.get();
        String jdbcUrl = infra.jdbcUrl();
        int postgresPort = Integer.parseInt(jdbcUrl.replaceAll(".*:(\\d+)/.*", "$1"));
        Map<String, String> config = ServiceProcess.forRole(ServiceProcess.prodConfig(postgresPort, jdbcUrl,
                infra.kafkaBootstrap(), infra.registry.apiUrl()), "core");
        config.put("mp.messaging.outgoing.outbox.apicurio.registry.auto-register", "true");
        String token = TestTokens.token(Set.of("consent-writer", "subject-reader", "ops"), List.of("*"), "footprint");
        HttpClient http = HttpClient.newHttpClient();

        List<String> lines = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            Path log = work.resolve("core-" + run + ".log");
            Files.deleteIfExists(log);
            Instant launched = Instant.now();
            try (ServiceProcess core = new ServiceProcess("core", Benchmark.freePort(), List.of("-Xmx256m"), config,
                    log).start()) {
                long toReady = Duration.between(launched, Instant.now()).toMillis();
                long rssReady = rssKiB(core.pid());
                for (int i = 0; i < 100; i++) {
                    String subject = "footprint-" + UUID.randomUUID();
                    HttpResponse<String> posted = http.send(HttpRequest.newBuilder(
                            URI.create(core.baseUrl() + "/v1/consent-changes"))
                            .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("""
                                    {"subjectId": "%s", "purpose": "newsletter", "decision": "WITHDRAWN",
                                     "occurredAt": "%s", "source": "app-android", "policyVersion": "no-2023-04-27",
                                     "identifiers": {"email": "%s@example.no"}}""".formatted(subject, Instant.now(),
                                    subject)))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    if (posted.statusCode() != 202) {
                        throw new IllegalStateException("POST answered " + posted.statusCode() + ": " + posted.body());
                    }
                    HttpResponse<String> history = http.send(HttpRequest.newBuilder(
                            URI.create(core.baseUrl() + "/v1/subjects/" + subject + "/history"))
                            .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
                    if (history.statusCode() != 200) {
                        throw new IllegalStateException("GET history answered " + history.statusCode());
                    }
                }
                long rssWorked = rssKiB(core.pid());
                long classes = loadedClasses(core.pid());
                Matcher started = STARTED_IN.matcher(Files.readString(log));
                String quarkusStarted = started.find() ? started.group(1) : "?";
                String line = String.format("run %d: ready after %d ms (Quarkus: started in %s s), RSS %d MiB ready, "
                        + "%d MiB after 100 changes + 100 history reads, %d classes loaded", run, toReady,
                        quarkusStarted, rssReady / 1024, rssWorked / 1024, classes);
                System.out.println(line);
                lines.add(line);
            }
        }
        Files.write(work.resolve("summary.txt"), lines);
        System.exit(0);
    }

    private static long rssKiB(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    /** Classes loaded by the JVM, from jcmd (the JDK's own tool). */
    private static long loadedClasses(long pid) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "VM.classloader_stats")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        Matcher total = Pattern.compile("Total = \\d+\\s+(\\d+)").matcher(out);
        return total.find() ? Long.parseLong(total.group(1)) : -1;
    }
}
