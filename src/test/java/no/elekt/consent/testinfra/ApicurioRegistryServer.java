package no.elekt.consent.testinfra;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The real Apicurio Registry server, from the pre-built distribution on Maven Central, run as a child process.
 * 3.0.9 is the newest that runs on Java 17. Its archive is fetched into the local Maven repository on first use.
 */
public final class ApicurioRegistryServer implements AutoCloseable {

    public static final String VERSION = "3.0.9";
    private static final String ARTIFACT = "io.apicurio:apicurio-registry-app:" + VERSION + ":tar.gz:all";

    private final int port;
    private Process process;

    public ApicurioRegistryServer(int port) {
        this.port = port;
    }

    public String apiUrl() {
        return "http://127.0.0.1:" + port + "/apis/registry/v3";
    }

    public String ccompatUrl() {
        return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }

    public ApicurioRegistryServer start(Path workDir) throws IOException, InterruptedException {
        Path home = unpack(workDir);
        Path log = workDir.resolve("apicurio-registry.log");
        process = new ProcessBuilder(javaBinary(), "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
                "-Dquarkus.log.level=WARN", "-Dquarkus.banner.enabled=false",
                "-jar", "apicurio-registry-app-" + VERSION + "-runner.jar")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        awaitHealthy(log);
        return this;
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private void awaitHealthy(Path log) throws InterruptedException, IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Apicurio Registry exited; see " + log + ":\n" + Files.readString(log));
            }
            try {
                HttpResponse<Void> response = http.send(
                        HttpRequest.newBuilder(URI.create(apiUrl() + "/system/info")).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200); // polling a child process for readiness, not test synchronisation
        }
        throw new IllegalStateException("Apicurio Registry did not become healthy in 90 s; see " + log);
    }

    /** Unpacks the distribution under workDir, fetching it with Maven first if the local repository lacks it. */
    private static Path unpack(Path workDir) throws IOException, InterruptedException {
        Path home = workDir.resolve("apicurio-registry-" + VERSION);
        if (Files.exists(home.resolve("apicurio-registry-app-" + VERSION + "-runner.jar"))) {
            return home;
        }
        Path archive = localRepository().resolve("io/apicurio/apicurio-registry-app/" + VERSION
                + "/apicurio-registry-app-" + VERSION + "-all.tar.gz");
        if (!Files.exists(archive)) {
            // A dependency declared in the POM cannot resolve this artifact (its parent POM is not on Maven
            // Central), but copying it by coordinates works.
            run(List.of(maven(), "-q", "-B", "dependency:copy", "-Dartifact=" + ARTIFACT,
                    "-DoutputDirectory=" + workDir), workDir);
            archive = workDir.resolve(archive.getFileName());
        }
        Files.createDirectories(home);
        run(List.of("tar", "xzf", archive.toString(), "-C", home.toString()), workDir);
        return home;
    }

    private static void run(List<String> command, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Process p = new ProcessBuilder(command).directory(dir.toFile()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("Failed: " + String.join(" ", command));
        }
    }

    static Path localRepository() {
        String configured = System.getProperty("maven.repo.local");
        return configured != null ? Path.of(configured) : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    private static String maven() {
        File wrapper = new File("mvnw");
        return wrapper.canExecute() ? wrapper.getAbsolutePath() : "mvn";
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
