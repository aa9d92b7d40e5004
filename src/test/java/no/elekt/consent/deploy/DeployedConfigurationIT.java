package no.elekt.consent.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.smallrye.jwt.build.Jwt;
import no.elekt.consent.bench.Benchmark;
import no.elekt.consent.testinfra.ServiceProcess;
import no.elekt.consent.testinfra.TestInfrastructure;
import no.elekt.consent.testinfra.TestTokens;

/**
 * The packaged service (target/quarkus-app) started with exactly the environment the deployment files give the core,
 * and nothing else: the core Deployment of the prod overlay as {@code kubectl kustomize} renders it, with its
 * {@code env}, {@code envFrom} and mounted Secret files resolved against throw-away Secrets the test supplies (a test
 * overlay on top of the prod one, as the real Secrets come from the cluster's secret store); and the compose
 * {@code core} service as {@code docker-compose config} renders it, with a .env file of throw-away values. The
 * identity provider's key pair is the test's ({@link TestTokens}); its public key and an issuer of the test's own are
 * in the Secret, so a token signed by the private key must be accepted.
 * <p>
 * What the test changes in that environment, and only that: the addresses of PostgreSQL, Kafka and the registry (to
 * the test infrastructure); the database URL's {@code sslmode} (the embedded PostgreSQL has no TLS: verify-full is set
 * back to disable, the CA settings stay); Kafka's security protocol (the test broker is PLAINTEXT: SASL_SSL becomes
 * PLAINTEXT, the SCRAM and CA settings stay unused; KafkaAclTest proves the manifests' users and ACLs on a SASL broker);
 * the container's mount paths (to the files the test wrote from the Secrets); and where it listens (free ports on
 * 127.0.0.1, passed by {@link ServiceProcess}).
 */
class DeployedConfigurationIT {

    static final Path WORK = Path.of("target", "deployed-configuration").toAbsolutePath();
    static final List<String> SMALL_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    /** Not the built-in issuer of dev and test: the Secret's issuer must be the one in force. */
    static final String ISSUER = "https://idp.deploy-test.example";
    static final SecureRandom RANDOM = new SecureRandom();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static TestInfrastructure infra;

    @BeforeAll
    static void infrastructureAndSchemas() throws Exception {
        Files.createDirectories(WORK);
        infra = TestInfrastructure.get();
        // what the registration Job does before the service starts (the prod profile registers nothing)
        Manifests.run(List.of("sh", "deploy/register-schemas.sh"),
                Map.of("REGISTRY_URL", infra.registry.apiUrl(), "SCHEMAS_DIR", "schemas"));
    }

    @Test
    void theCoreOfTheProdOverlayStartsWithItsSecretsAndAcceptsAChangeSignedByTheSecretsIdentityProvider()
            throws Exception {
        Map<String, String> environment = k8sCoreEnvironment("k8s");
        try (ServiceProcess core = new ServiceProcess("k8s-core", Benchmark.freePort(), SMALL_JVM, Map.of(),
                WORK.resolve("k8s-core.log")).withEnvironment(environment).start()) {
            assertThat(post(core, token(ISSUER)).statusCode()).isEqualTo(202);
            assertThat(post(core, token(TestTokens.ISSUER)).statusCode()).as("a token of another issuer")
                    .isEqualTo(401);
            assertThat(get(core.baseUrl() + "/q/health/ready").statusCode()).as("/q on the API port").isEqualTo(404);
            assertThat(get(core.baseUrl() + "/q/openapi").statusCode()).as("/q on the API port").isEqualTo(404);
            assertThat(get(core.managementUrl() + "/q/metrics").statusCode()).isEqualTo(200);
            assertThat(get(core.managementUrl() + "/q/openapi").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void withoutTheCryptoKeyAndTheIssuerTheCoreOfTheProdOverlayRefusesToStartNamingBoth() throws Exception {
        Map<String, String> environment = k8sCoreEnvironment("k8s-without");
        assertThat(environment.remove("CONSENT_CRYPTO_KEYS_PRIMARY")).isNotBlank();
        assertThat(environment.remove("MP_JWT_VERIFY_ISSUER")).isNotBlank();
        assertThat(refusal("k8s-without", environment))
                .contains("CONSENT_CRYPTO_KEYS_PRIMARY is missing")
                .contains("MP_JWT_VERIFY_ISSUER is missing")
                .doesNotContain("MP_JWT_VERIFY_PUBLICKEY_LOCATION");
    }

    @Test
    void theComposeCoreStartsWithTheEnvFileAndAcceptsAChangeSignedByItsIdentityProvider() throws Exception {
        Map<String, String> environment = composeCoreEnvironment(Map.of(
                "CONSENT_CRYPTO_KEYS_PRIMARY", randomKey(), "MP_JWT_VERIFY_ISSUER", ISSUER,
                "JWT_PUBLIC_KEY_FILE", TestTokens.publicKeyLocation()));
        try (ServiceProcess core = new ServiceProcess("compose-core", Benchmark.freePort(), SMALL_JVM, Map.of(),
                WORK.resolve("compose-core.log")).withEnvironment(environment).start()) {
            assertThat(post(core, token(ISSUER)).statusCode()).isEqualTo(202);
        }
    }

    @Test
    void withoutTheCryptoKeyDockerComposeRefusesTheStackAndTheServiceRefusesToStartNamingIt() throws Exception {
        assertThatThrownBy(() -> composeCoreEnvironment(Map.of("MP_JWT_VERIFY_ISSUER", ISSUER)))
                .hasMessageContaining("set CONSENT_CRYPTO_KEYS_PRIMARY in deploy/compose/.env");
        Map<String, String> environment = composeCoreEnvironment(Map.of(
                "CONSENT_CRYPTO_KEYS_PRIMARY", randomKey(), "MP_JWT_VERIFY_ISSUER", ISSUER,
                "JWT_PUBLIC_KEY_FILE", TestTokens.publicKeyLocation()));
        assertThat(environment.remove("CONSENT_CRYPTO_KEYS_PRIMARY")).isNotBlank();
        assertThat(refusal("compose-without", environment)).contains("CONSENT_CRYPTO_KEYS_PRIMARY is missing");
    }

    // --- Kubernetes: the prod overlay and the test's throw-away Secrets ---

    private static Map<String, String> k8sCoreEnvironment(String name) throws Exception {
        String dbPassword = UUID.randomUUID().toString();
        freshDatabase("consent_core", dbPassword);
        Path overlay = Files.createDirectories(WORK.resolve(name + "-overlay"));
        String ca = throwAwayCertificate(overlay);
        Files.writeString(overlay.resolve("secrets.yaml"), secrets(Map.of(
                "consent-core-credentials", Map.of("db-username", "consent_core", "db-password", dbPassword),
                "consent-core", Map.of("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule"
                        + " required username=\"consent-core\" password=\"" + UUID.randomUUID() + "\";"),
                "consent-kafka-cluster-ca-cert", Map.of("ca.crt", ca),
                "consent-db-ca", Map.of("ca.crt", ca),
                "consent-crypto-keys", Map.of("CONSENT_CRYPTO_KEYS_PRIMARY", randomKey()),
                "consent-core-jwt", Map.of("issuer", ISSUER,
                        "public-key.pem", Files.readString(Path.of(TestTokens.publicKeyLocation()))))));
        Files.writeString(overlay.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - %s
                  - secrets.yaml
                """.formatted(overlay.relativize(Path.of("deploy/k8s/overlays/prod").toAbsolutePath())));
        List<JsonNode> rendered = Manifests.kustomize(overlay);
        Map<String, String> environment = K8sEnvironment.of(rendered,
                Manifests.find(rendered, "Deployment", "consent-core"), overlay.resolve("mounted"));
        return toTestInfrastructure(environment);
    }

    private static String secrets(Map<String, Map<String, String>> secrets) throws IOException {
        StringBuilder yaml = new StringBuilder();
        for (var secret : secrets.entrySet()) {
            Map<String, Object> document = new LinkedHashMap<>();
            document.put("apiVersion", "v1");
            document.put("kind", "Secret");
            document.put("metadata", Map.of("name", secret.getKey(), "namespace", "consent"));
            document.put("type", "Opaque");
            document.put("stringData", secret.getValue());
            yaml.append(Manifests.YAML.writeValueAsString(document));
        }
        return yaml.toString();
    }

    // --- Compose: the core service with a .env file ---

    private static Map<String, String> composeCoreEnvironment(Map<String, String> envFile) throws Exception {
        freshDatabase("consent", "consent");
        Path file = WORK.resolve("compose-" + UUID.randomUUID() + ".env");
        StringBuilder lines = new StringBuilder();
        envFile.forEach((k, v) -> lines.append(k).append('=').append(v).append('\n'));
        Files.writeString(file, lines);
        // --env-file: a developer's own deploy/compose/.env must not leak into the test
        JsonNode core = Manifests.documents(Manifests.run(List.of("docker-compose", "--env-file", file.toString(),
                "-f", "deploy/compose/docker-compose.yml", "config"), Map.of())).get(0).path("services").path("core");
        Map<String, String> environment = new HashMap<>();
        core.path("environment").fields().forEachRemaining(e -> environment.put(e.getKey(), e.getValue().asText()));
        for (JsonNode volume : core.path("volumes")) {
            String[] bind = volume.asText().split(":"); // host path:container path[:ro]
            environment.replaceAll((k, v) -> v.replace(bind[1], bind[0]));
        }
        return toTestInfrastructure(environment);
    }

    // --- what the test changes: addresses, sslmode, Kafka's protocol ---

    private static Map<String, String> toTestInfrastructure(Map<String, String> environment) {
        String postgres = infra.jdbcUrl().replaceFirst("jdbc:postgresql://([^/]+)/.*", "$1");
        for (String url : List.of("QUARKUS_DATASOURCE_REACTIVE_URL", "QUARKUS_DATASOURCE_JDBC_URL")) {
            environment.computeIfPresent(url, (k, v) -> v.replaceFirst("//[^/]+/", "//" + postgres + "/")
                    .replace("sslmode=verify-full", "sslmode=disable")); // no TLS in the embedded PostgreSQL
        }
        assertThat(environment).containsKeys("QUARKUS_DATASOURCE_REACTIVE_URL", "QUARKUS_DATASOURCE_JDBC_URL",
                "KAFKA_BOOTSTRAP_SERVERS", "MP_MESSAGING_CONNECTOR_SMALLRYE_KAFKA_APICURIO_REGISTRY_URL");
        environment.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrap());
        environment.computeIfPresent("KAFKA_SECURITY_PROTOCOL", (k, v) -> "PLAINTEXT"); // the test broker's only one
        environment.put("MP_MESSAGING_CONNECTOR_SMALLRYE_KAFKA_APICURIO_REGISTRY_URL", infra.registry.apiUrl());
        return environment;
    }

    /** A database "consent" owned by the role the deployment logs in as, as the rendered URLs name it. */
    private static void freshDatabase(String role, String password) throws SQLException {
        try (Connection c = DriverManager.getConnection(infra.jdbcUrl(), "postgres", "postgres");
                Statement s = c.createStatement()) {
            s.execute("drop database if exists consent with (force)");
            s.execute("drop role if exists " + role);
            s.execute("create role " + role + " login password '" + password + "'");
            s.execute("create database consent owner " + role);
            // the administrator's step before the first start (deploy/README.md, "Database roles"): the group roles
            // the migrations grant to, which the deployment's user (no CREATEROLE, as in production) cannot make
            for (String group : List.of("consent_core", "consent_adapter_addapptr", "consent_adapter_firebase",
                    "consent_adapter_mailgun", "consent_adapter_eliq")) {
                s.execute("do $$ begin if not exists (select 1 from pg_roles where rolname = '" + group + "') then "
                        + "create role " + group + " nologin; end if; end $$");
            }
            if (!role.equals("consent_core")) {
                s.execute("grant consent_core to " + role);
            }
        }
    }

    // --- the service ---

    /** Starts the service, expecting it to exit; what it logged. */
    private static String refusal(String name, Map<String, String> environment) throws IOException {
        Path log = WORK.resolve(name + ".log");
        Files.deleteIfExists(log);
        ServiceProcess service = new ServiceProcess(name, Benchmark.freePort(), SMALL_JVM, Map.of(), log)
                .withEnvironment(environment);
        try {
            assertThatThrownBy(service::start).hasMessageContaining("exited");
        } finally {
            service.close();
        }
        String output = Files.readString(log);
        assertThat(output.split("Not configured securely", -1)).as("one message").hasSize(2);
        return output;
    }

    private static String token(String issuer) {
        return Jwt.issuer(issuer).audience(TestTokens.AUDIENCE).subject("deploy-test").upn("deploy-test")
                .groups(Set.of("consent-writer")).claim("consent_sources", List.of("app-android"))
                .expiresAt(Instant.now().plus(Duration.ofMinutes(5))).jws().keyId("test").sign(TestTokens.privateKey());
    }

    private static HttpResponse<String> post(ServiceProcess core, String token) throws Exception {
        String subject = "deploy-" + UUID.randomUUID();
        String body = """
                {"subjectId":"%s","purpose":"newsletter","decision":"GRANTED","occurredAt":"%s","source":"app-android",
                 "policyVersion":"no-2023-04-27","identifiers":{"email":"%s@example.test"}}""".formatted(subject,
                Instant.now(), subject);
        return HTTP.send(HttpRequest.newBuilder(URI.create(core.baseUrl() + "/v1/consent-changes"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** A self-signed certificate (PEM) made with the JDK's keytool: it stands in for the CAs the Secrets hold. */
    private static String throwAwayCertificate(Path dir) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Path store = dir.resolve("ca.p12");
        Files.deleteIfExists(store);
        Manifests.run(List.of(keytool.toString(), "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-dname",
                "CN=throw-away test CA", "-validity", "2", "-keystore", store.toString(), "-storepass", "changeit"),
                Map.of());
        return Manifests.run(List.of(keytool.toString(), "-exportcert", "-rfc", "-alias", "ca", "-keystore",
                store.toString(), "-storepass", "changeit"), Map.of());
    }
}
