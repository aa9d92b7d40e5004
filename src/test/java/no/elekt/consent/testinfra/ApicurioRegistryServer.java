package no.elekt.consent.testinfra;

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
import java.util.Map;

/**
 * The real Apicurio Registry server, from the pre-built distribution on Maven Central, run as a child process.
 * 3.0.9 is the newest that runs on Java 17. Its archive is downloaded into the local Maven repository on first use.
 */
public final class ApicurioRegistryServer implements AutoCloseable {

    public static final String VERSION = "3.0.9";
    private static final String ARCHIVE_PATH = "io/apicurio/apicurio-registry-app/" + VERSION
            + "/apicurio-registry-app-" + VERSION + "-all.tar.gz";

    private final int port;
    private Map<String, String> environment = Map.of();
    private Process process;

    public ApicurioRegistryServer(int port) {
        this.port = port;
    }

    public String apiUrl() {
        return "http://127.0.0.1:" + port + "/apis/registry/v3";
    }

    /** Extra environment variables of the server, e.g. its authentication settings. */
    public ApicurioRegistryServer withEnvironment(Map<String, String> environment) {
        this.environment = environment;
        return this;
    }

    public String ccompatUrl() {
        return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }

    public ApicurioRegistryServer start(Path workDir) throws IOException, InterruptedException {
        Path home = unpack(workDir);
        Path log = workDir.resolve("apicurio-registry.log");
        ProcessBuilder builder = new ProcessBuilder(javaBinary(), "-Xmx384m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
                "-Dquarkus.log.level=WARN", "-Dquarkus.banner.enabled=false",
                "-jar", "apicurio-registry-app-" + VERSION + "-runner.jar")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        process = builder.start();
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

    /** Unpacks the distribution under workDir, downloading it into the local Maven repository first if absent. */
    private static Path unpack(Path workDir) throws IOException, InterruptedException {
        Path home = workDir.resolve("apicurio-registry-" + VERSION);
        if (Files.exists(home.resolve("apicurio-registry-app-" + VERSION + "-runner.jar"))) {
            return home;
        }
        Path archive = localRepository().resolve(ARCHIVE_PATH);
        if (!Files.exists(archive)) {
            download(archive);
        }
        Files.createDirectories(home);
        run(List.of("tar", "xzf", archive.toString(), "-C", home.toString()), workDir);
        return home;
    }

    /**
     * Fetches the archive from Maven Central by URL and checks it against the published SHA-1. Not through Maven:
     * the artifact's parent POM is not on Maven Central, so Maven 3.9 refuses to resolve it by coordinates (3.8
     * tolerated it), and a cached refusal then failed every later run.
     */
    private static void download(Path archive) throws IOException, InterruptedException {
        String url = System.getProperty("consent.maven-central", "https://repo.maven.apache.org/maven2") + "/"
                + ARCHIVE_PATH;
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(20)).build();
        Files.createDirectories(archive.getParent());
        Path partial = archive.resolveSibling(archive.getFileName() + ".part");
        HttpResponse<Path> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofFile(partial));
        String expected = http.send(HttpRequest.newBuilder(URI.create(url + ".sha1")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body().trim().split("\\s+")[0];
        if (response.statusCode() != 200 || !expected.equalsIgnoreCase(sha1(partial))) {
            Files.deleteIfExists(partial);
            throw new IllegalStateException("Could not download " + url + " (HTTP " + response.statusCode()
                    + " or checksum mismatch)");
        }
        Files.move(partial, archive, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static String sha1(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-1");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0;) {
                digest.update(buffer, 0, n);
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
