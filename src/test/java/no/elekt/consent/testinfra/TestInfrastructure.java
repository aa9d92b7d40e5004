package no.elekt.consent.testinfra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The real infrastructure of the service, started once per JVM and shared by every test class and by the local run:
 * PostgreSQL 17 (embedded binaries), a Kafka 4.1 KRaft broker behind a {@link TcpProxy}, and Apicurio Registry.
 * Started in parallel; stopped by a shutdown hook.
 */
public final class TestInfrastructure {

    private static TestInfrastructure instance;

    private final int postgresPort;
    private final Path postgresData;
    private volatile EmbeddedPostgres postgres;
    public final EmbeddedKafkaBroker kafka;
    public final TcpProxy kafkaProxy;
    public final ApicurioRegistryServer registry;

    private TestInfrastructure(EmbeddedPostgres postgres, Path postgresData, EmbeddedKafkaBroker kafka,
            TcpProxy kafkaProxy, ApicurioRegistryServer registry) {
        this.postgres = postgres;
        this.postgresPort = postgres.getPort();
        this.postgresData = postgresData;
        this.kafka = kafka;
        this.kafkaProxy = kafkaProxy;
        this.registry = registry;
    }

    public static synchronized TestInfrastructure get() {
        if (instance == null) {
            instance = start(Path.of("target", "infra").toAbsolutePath());
        }
        return instance;
    }

    private static TestInfrastructure start(Path workDir) {
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path postgresData = workDir.resolve("postgres-" + java.util.UUID.randomUUID());
        int postgresPort = freePort();
        var postgres = CompletableFuture.supplyAsync(() -> startPostgres(postgresPort, postgresData));
        var registry = CompletableFuture.supplyAsync(() -> {
            try {
                return new ApicurioRegistryServer(freePort()).start(workDir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
        // Clients reach the broker only through the proxy: it is the advertised listener.
        TcpProxy proxy = new TcpProxy(freePort(), freePort());
        EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker()
                .withKafkaHost("127.0.0.1")
                .withKafkaPort(proxy.targetPort())
                .withAdvertisedListeners("PLAINTEXT://127.0.0.1:" + proxy.port())
                .withAdditionalProperties(p -> {
                    p.put("num.partitions", "3");
                    p.put("group.initial.rebalance.delay.ms", "0");
                })
                .withDeleteLogDirsOnClose(true)
                .start();
        proxy.restore();
        createTopics(proxy.port());
        ProcessorStandIns.start();
        ProcessorStandIns.installHappyStubs();
        TestInfrastructure infra = new TestInfrastructure(postgres.join(), postgresData, kafka, proxy, registry.join());
        Runtime.getRuntime().addShutdownHook(new Thread(infra::stop, "test-infrastructure-stop"));
        return infra;
    }

    /**
     * The topics the relay checks at start (every directive topic of the shipped policy), created as the deployment
     * does, rather than on first use by whichever client comes first.
     */
    private static void createTopics(int port) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port))) {
            admin.createTopics(java.util.stream.Stream.of("consent.changes.v1", "consent.directives.mailgun.v1",
                    "consent.directives.firebase.v1", "consent.directives.eliq.v1", "consent.directives.addapptr.v1")
                    .map(topic -> new NewTopic(topic, 3, (short) 1)).toList()).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot create the service's topics", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A real PostgreSQL 17 whose data survives a stop, so tests can take the database away and bring it back. */
    private static EmbeddedPostgres startPostgres(int port, Path data) {
        try {
            return EmbeddedPostgres.builder().setPort(port).setDataDirectory(data).setCleanDataDirectory(false)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized void stopPostgres() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized void restartPostgres() {
        postgres = startPostgres(postgresPort, postgresData);
    }

    public String kafkaBootstrap() {
        return "127.0.0.1:" + kafkaProxy.port();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgresPort + "/postgres";
    }

    /** The configuration that points the service at this infrastructure. */
    public Map<String, String> serviceConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("kafka.bootstrap.servers", kafkaBootstrap());
        config.put("mp.messaging.connector.smallrye-kafka.apicurio.registry.url", registry.apiUrl());
        config.put("quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + postgresPort + "/postgres");
        config.put("quarkus.datasource.jdbc.url", jdbcUrl());
        config.put("quarkus.datasource.username", "postgres");
        config.put("quarkus.datasource.password", "postgres");
        config.put("mp.jwt.verify.publickey.location", TestTokens.publicKeyLocation());
        // the adapters call local stand-ins of the processors
        config.putAll(ProcessorStandIns.serviceConfig());
        return config;
    }

    private void stop() {
        kafkaProxy.close();
        kafka.close();
        registry.close();
        try {
            postgres.close();
        } catch (IOException e) {
            // the JVM is exiting
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
