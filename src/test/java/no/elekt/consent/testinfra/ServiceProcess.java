package no.elekt.consent.testinfra;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The packaged service (target/quarkus-app/quarkus-run.jar, or the one -Dservice.jar names) as a child process, as it
 * ships (prod profile), with the given JVM options and -D settings, or with exactly a given environment; killed with
 * SIGKILL and started again on the same ports. Its health and metrics are on the management port, 127.0.0.1 only.
 * Used by the fault suite, the benchmark, StartupFootprint and the deployment tests.
 */
public final class ServiceProcess implements AutoCloseable {

    public static final List<String> PROCESSORS = List.of("mailgun", "firebase", "eliq", "addapptr");

    public final String name;
    public final int port;
    public final int managementPort = TestInfrastructure.freePort();
    private final List<String> jvmOptions;
    private final Map<String, String> config;
    private final Path log;
    private Map<String, String> environment;
    private String java = ApicurioRegistryServer.javaBinary();
    private Process process;

    public ServiceProcess(String name, int port, List<String> jvmOptions, Map<String, String> config, Path log) {
        this.name = name;
        this.port = port;
        this.jvmOptions = jvmOptions;
        this.config = config;
        this.log = log;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Where /q/health, /q/metrics and /q/openapi are (quarkus.management.enabled in the prod build). */
    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    /** Runs it on another JDK's bin/java than this JVM's (the benchmark's JDK 25 with its AOT cache). */
    public ServiceProcess withJava(String javaBinary) {
        this.java = javaBinary;
        return this;
    }

    /** Starts the process with exactly this environment (nothing inherited), as a container would. */
    public ServiceProcess withEnvironment(Map<String, String> environment) {
        this.environment = environment;
        return this;
    }

    public ServiceProcess start() throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("service.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalStateException("package the service first: " + jar + " is missing");
        }
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(jvmOptions);
        config.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-Dquarkus.http.port=" + port);
        cmd.add("-Dquarkus.management.port=" + managementPort);
        cmd.add("-Dquarkus.management.host=127.0.0.1");
        cmd.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        if (environment != null) {
            builder.environment().clear();
            builder.environment().putAll(environment);
        }
        process = builder.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited; see " + log);
            }
            try {
                HttpResponse<String> r = http
                        .send(HttpRequest.newBuilder(URI.create(managementUrl() + "/q/health/ready"))
                                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return this;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            LockSupport.parkNanos(Duration.ofMillis(250).toNanos()); // polling a child process for readiness
        }
        throw new IllegalStateException(name + " not ready within 120 s; see " + log);
    }

    /** SIGKILL: no shutdown hook, no flush, no commit of anything in flight. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        stop(process);
    }

    /** SIGTERM (shutdown hooks run: a JFR recording is written), then SIGKILL if it is not gone within 20 s. */
    public static void stop(Process process) {
        stop(process, Duration.ofSeconds(20));
    }

    /** SIGTERM, then SIGKILL if it is not gone within the given time (a JVM writing its AOT cache takes longer). */
    public void stop(Duration max) {
        stop(process, max);
    }

    private static void stop(Process process, Duration max) {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * What every run of the packaged service against the test infrastructure needs: the prod profile, PostgreSQL,
     * Kafka and the registry, a fresh AES key, the processor stand-ins, the test tokens' public key, and no
     * per-client rate limit (the load comes from one client). Every role is on; see {@link #forRole}.
     */
    public static Map<String, String> prodConfig(int postgresPort, String jdbcUrl, String kafkaBootstrap,
            String registryUrl) {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Map<String, String> config = new LinkedHashMap<>();
        config.put("quarkus.profile", "prod");
        config.put("quarkus.http.host", "127.0.0.1");
        config.put("quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + postgresPort + "/postgres");
        config.put("quarkus.datasource.jdbc.url", jdbcUrl);
        config.put("quarkus.datasource.username", "postgres");
        config.put("quarkus.datasource.password", "postgres");
        config.put("kafka.bootstrap.servers", kafkaBootstrap);
        config.put("mp.messaging.connector.smallrye-kafka.apicurio.registry.url", registryUrl);
        config.put("consent.crypto.active-key", "run");
        config.put("consent.crypto.keys.run", Base64.getEncoder().encodeToString(key));
        PROCESSORS.forEach(p -> config.put("consent.adapters." + p + ".enabled", "true"));
        config.putAll(ProcessorStandIns.serviceConfig());
        config.put("mp.jwt.verify.publickey.location", TestTokens.publicKeyLocation());
        config.put("mp.jwt.verify.issuer", TestTokens.ISSUER);
        config.put("consent.intake.rate-limit.per-second", "1000000");
        config.put("consent.intake.rate-limit.burst", "1000000");
        // one app backend on Kafka, writing consent.change-requests.app.v1 for these sources
        config.put("consent.intake.kafka.backends.app", "app-android,app-ios,backend-eu,bench-backfill,bench-kafka");
        return config;
    }

    /** The configuration of one role, as deployed: "core" (API, ledger, relay, receipts) or "adapters" (all four). */
    public static Map<String, String> forRole(Map<String, String> config, String role) {
        Map<String, String> own = new LinkedHashMap<>(config);
        own.put("consent.core.enabled", Boolean.toString(role.equals("core")));
        PROCESSORS
                .forEach(p -> own.put("consent.adapters." + p + ".enabled", Boolean.toString(role.equals("adapters"))));
        return own;
    }
}
