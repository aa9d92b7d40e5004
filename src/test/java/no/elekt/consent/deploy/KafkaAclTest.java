package no.elekt.consent.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;

/**
 * The shipped Strimzi manifests (deploy/k8s/base/kafka/users.yaml, topics.yaml) give each role least privilege, proved
 * on a real Kafka 4.1 KRaft broker with SASL/SCRAM-SHA-512 and the StandardAuthorizer (deny when no ACL matches).
 * <p>
 * The topics and every KafkaUser's {@code spec.authorization.acls} are read from the manifests and applied as they
 * are; the role clients then connect with their own SCRAM credentials. The test's admin client uses a PLAINTEXT
 * listener bound to 127.0.0.1 whose (ANONYMOUS) principal is the super user: in KRaft combined mode that principal is
 * also the controller's own, which must be a super user anyway. All role clients use the SASL listener only.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KafkaAclTest {

    private static final Path USERS = Path.of("deploy/k8s/base/kafka/users.yaml");
    private static final Path TOPICS = Path.of("deploy/k8s/base/kafka/topics.yaml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static final String CORE = "consent-core";
    private static final String MAILGUN = "consent-adapter-mailgun";
    private static final String FIREBASE = "consent-adapter-firebase";
    private static final String APP = "consent-app-backend-app";
    private static final String WEB = "consent-app-backend-web";
    private static final String OPS = "consent-ops-viewer";

    private static final String CHANGE_REQUESTS = "consent.change-requests.app.v1";
    private static final String WEB_CHANGE_REQUESTS = "consent.change-requests.web.v1";
    private static final String CHANGES = "consent.changes.v1";
    private static final String RECEIPTS = "consent.receipts.mailgun.v1";
    private static final String FIREBASE_RECEIPTS = "consent.receipts.firebase.v1";
    private static final String MAILGUN_DIRECTIVES = "consent.directives.mailgun.v1";
    private static final String MAILGUN_DLQ = "consent.directives.mailgun.v1.dlq";
    private static final String FIREBASE_DIRECTIVES = "consent.directives.firebase.v1";
    private static final List<String> DIRECTIVE_TOPICS = List.of(MAILGUN_DIRECTIVES, FIREBASE_DIRECTIVES,
            "consent.directives.eliq.v1", "consent.directives.addapptr.v1");

    private static EmbeddedKafkaBroker broker;
    private static String saslBootstrap;
    private static Admin admin;
    private static final Map<String, String> passwords = new HashMap<>();
    private static List<JsonNode> users;
    private static Set<String> topicNames;

    @BeforeAll
    static void startBrokerAndApplyManifests() throws Exception {
        users = documents(USERS, "KafkaUser");
        List<JsonNode> topics = documents(TOPICS, "KafkaTopic");
        topicNames = new HashSet<>();
        topics.forEach(
                t -> topicNames.add(t.path("spec").path("topicName").asText(t.path("metadata").path("name").asText())));

        int plainPort = freePort();
        int saslPort = freePort();
        saslBootstrap = "127.0.0.1:" + saslPort;
        broker = new EmbeddedKafkaBroker()
                .withKafkaHost("127.0.0.1")
                .withKafkaPort(plainPort)
                .withAdvertisedListeners(
                        "PLAINTEXT://127.0.0.1:" + plainPort + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort)
                .withAdditionalProperties(p -> {
                    // The companion binds listeners that are only advertised to every interface: loopback only.
                    p.put("listeners", p.getProperty("listeners").replace("://:", "://127.0.0.1:"));
                    p.put("auto.create.topics.enable", "false");
                    p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
                    p.put("allow.everyone.if.no.acl.found", "false");
                    // The loopback PLAINTEXT listener (test admin) and the controller listener: ANONYMOUS.
                    p.put("super.users", "User:ANONYMOUS");
                    p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
                    p.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", "SCRAM-SHA-512");
                    p.put("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config",
                            "org.apache.kafka.common.security.scram.ScramLoginModule required;");
                })
                .withDeleteLogDirsOnClose(true)
                .start();
        assertThat(broker.getAdvertisedListeners()).contains("SASL_PLAINTEXT://127.0.0.1:" + saslPort);
        String listeners = String.valueOf(broker.getKafkaConfig().originals().get("listeners"));
        assertThat(listeners.split(",")).as("loopback only: " + listeners).allMatch(l -> l.contains("://127.0.0.1:"));

        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + plainPort,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 40_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                20_000));

        List<NewTopic> newTopics = new ArrayList<>();
        for (JsonNode t : topics) {
            Map<String, String> config = new HashMap<>();
            t.path("spec").path("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
            config.put("min.insync.replicas", "1"); // one broker here; 3 replicas, min ISR 2 in the cluster
            newTopics.add(
                    new NewTopic(t.path("spec").path("topicName").asText(), t.path("spec").path("partitions").asInt(1),
                            (short) 1).configs(config));
        }
        // A retried request (slow machine) may find the topic its first attempt created.
        for (var created : admin.createTopics(newTopics).values().values()) {
            try {
                created.get(45, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }

        List<UserScramCredentialAlteration> credentials = new ArrayList<>();
        List<AclBinding> acls = new ArrayList<>();
        for (JsonNode user : users) {
            String name = user.path("metadata").path("name").asText();
            assertThat(user.path("spec").path("authentication").path("type").asText()).as(name)
                    .isEqualTo("scram-sha-512");
            String password = UUID.randomUUID().toString();
            passwords.put(name, password);
            credentials.add(new UserScramCredentialUpsertion(name,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password));
            acls.addAll(aclBindings(user));
        }
        admin.alterUserScramCredentials(credentials).all().get(45, TimeUnit.SECONDS);
        admin.createAcls(acls).all().get(45, TimeUnit.SECONDS);

        // Credentials and ACLs reach the broker through the metadata log: wait until it serves them.
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                admin.describeAcls(AclBindingFilter.ANY).values().get()).hasSize(acls.size()));
        for (String user : passwords.keySet()) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                try (Admin a = Admin.create(sasl(user, passwords.get(user)))) {
                    return !a.describeCluster().nodes().get(20, TimeUnit.SECONDS).isEmpty();
                }
            });
        }
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (broker != null) {
            broker.close();
        }
    }

    // --- the manifests themselves ---

    @Test
    void everyTopicInTheAclsExistsAndNoRoleButOpsHasAWildcardOrAClusterRight() {
        for (JsonNode user : users) {
            String name = user.path("metadata").path("name").asText();
            for (AclBinding acl : aclBindings(user)) {
                ResourcePattern pattern = acl.pattern();
                assertThat(acl.entry().permissionType()).isEqualTo(AclPermissionType.ALLOW);
                assertThat(acl.entry().operation()).as(name + " " + pattern)
                        .isNotIn(AclOperation.ALL, AclOperation.ALTER, AclOperation.ALTER_CONFIGS, AclOperation.CREATE,
                                AclOperation.DELETE, AclOperation.CLUSTER_ACTION);
                if (name.equals(OPS)) {
                    continue;
                }
                assertThat(pattern.patternType()).as(name + " " + pattern).isEqualTo(PatternType.LITERAL);
                assertThat(pattern.name()).as(name + " " + pattern).isNotEqualTo("*");
                assertThat(pattern.resourceType()).as(name + " " + pattern).isIn(ResourceType.TOPIC,
                        ResourceType.GROUP);
                if (pattern.resourceType() == ResourceType.TOPIC) {
                    assertThat(topicNames).as(name + " names a topic that topics.yaml does not create")
                            .contains(pattern.name());
                }
            }
        }
    }

    // --- an adapter ---

    @Test
    void theMailgunAdapterReadsItsDirectivesInItsGroupAndWritesReceiptsAndItsDeadLetters() throws Exception {
        String key = "subject-" + UUID.randomUUID();
        send(CORE, MAILGUN_DIRECTIVES, key);

        try (KafkaConsumer<String, String> consumer = consumer(MAILGUN, "consent-adapter-mailgun")) {
            consumer.subscribe(List.of(MAILGUN_DIRECTIVES));
            ConsumerRecord<String, String> record = pollFor(consumer, key);
            consumer.commitSync(Map.of(new TopicPartition(record.topic(), record.partition()),
                    new OffsetAndMetadata(record.offset() + 1)));
        }
        send(MAILGUN, RECEIPTS, key);
        send(MAILGUN, MAILGUN_DLQ, key);

        // The core reads the receipt in its group, and replays the dead letter as DeadLetterReplay does.
        try (KafkaConsumer<String, String> consumer = consumer(CORE, "consent-core")) {
            consumer.subscribe(List.of(RECEIPTS));
            pollFor(consumer, key);
        }
        try (KafkaConsumer<String, String> consumer = consumer(CORE, "consent-core-replay")) {
            List<TopicPartition> partitions = consumer.partitionsFor(MAILGUN_DLQ, Duration.ofSeconds(20)).stream()
                    .map(p -> new TopicPartition(MAILGUN_DLQ, p.partition())).toList();
            consumer.assign(partitions);
            consumer.committed(new HashSet<>(partitions));
            consumer.seekToBeginning(partitions);
            ConsumerRecord<String, String> record = pollFor(consumer, key);
            consumer.commitSync(Map.of(new TopicPartition(record.topic(), record.partition()),
                    new OffsetAndMetadata(record.offset() + 1)));
        }
        send(CORE, MAILGUN_DIRECTIVES, key);
    }

    @Test
    void theMailgunAdapterCannotReadAnotherProcessorsDirectivesNorTheChanges() {
        for (String topic : List.of(FIREBASE_DIRECTIVES, CHANGES, CHANGE_REQUESTS, MAILGUN_DLQ)) {
            try (KafkaConsumer<String, String> consumer = consumer(MAILGUN, "consent-adapter-mailgun")) {
                consumer.subscribe(List.of(topic));
                assertThat(pollFailure(consumer)).as(topic).isInstanceOf(TopicAuthorizationException.class);
            }
        }
        // Not by assignment either (no group, as Kafka UI reads).
        try (KafkaConsumer<String, String> consumer = consumer(MAILGUN, null)) {
            consumer.assign(List.of(new TopicPartition(FIREBASE_DIRECTIVES, 0)));
            consumer.seekToBeginning(List.of(new TopicPartition(FIREBASE_DIRECTIVES, 0)));
            assertThat(pollFailure(consumer)).isInstanceOf(TopicAuthorizationException.class);
        }
        // Its own topic, but in another adapter's group.
        try (KafkaConsumer<String, String> consumer = consumer(MAILGUN, "consent-adapter-firebase")) {
            consumer.subscribe(List.of(MAILGUN_DIRECTIVES));
            assertThat(pollFailure(consumer)).isInstanceOf(GroupAuthorizationException.class);
        }
    }

    @Test
    void theMailgunAdapterCannotWriteDirectivesChangesOrAnotherDeadLetterTopic() {
        for (String topic : List.of(MAILGUN_DIRECTIVES, FIREBASE_DIRECTIVES, CHANGES, CHANGE_REQUESTS,
                "consent.directives.firebase.v1.dlq")) {
            assertThat(sendFailure(MAILGUN, topic)).as(topic).isInstanceOf(TopicAuthorizationException.class);
        }
    }

    /** A receipt topic says whose receipt it is: an adapter cannot write another's, so cannot close its work. */
    @Test
    void anAdapterWritesOnlyItsOwnReceiptTopic() throws Exception {
        send(FIREBASE, FIREBASE_RECEIPTS, "subject-" + UUID.randomUUID());
        for (String topic : List.of(RECEIPTS, "consent.receipts.eliq.v1", "consent.receipts.addapptr.v1")) {
            assertThat(sendFailure(FIREBASE, topic)).as(topic).isInstanceOf(TopicAuthorizationException.class);
        }
        assertThat(sendFailure(MAILGUN, FIREBASE_RECEIPTS)).isInstanceOf(TopicAuthorizationException.class);
    }

    @Test
    void anotherAdapterCannotReadTheMailgunDirectives() {
        try (KafkaConsumer<String, String> consumer = consumer(FIREBASE, "consent-adapter-firebase")) {
            consumer.subscribe(List.of(MAILGUN_DIRECTIVES));
            assertThat(pollFailure(consumer)).isInstanceOf(TopicAuthorizationException.class);
        }
    }

    // --- app backend, core, ops ---

    @Test
    void anAppBackendWritesOnlyChangeRequests() throws Exception {
        send(APP, CHANGE_REQUESTS, "subject-" + UUID.randomUUID());
        for (String topic : List.of(CHANGES, MAILGUN_DIRECTIVES, RECEIPTS, CHANGE_REQUESTS + ".dlq")) {
            assertThat(sendFailure(APP, topic)).as(topic).isInstanceOf(TopicAuthorizationException.class);
        }
        try (KafkaConsumer<String, String> consumer = consumer(APP, null)) {
            consumer.assign(List.of(new TopicPartition(CHANGE_REQUESTS, 0)));
            consumer.seekToBeginning(List.of(new TopicPartition(CHANGE_REQUESTS, 0)));
            assertThat(pollFailure(consumer)).isInstanceOf(TopicAuthorizationException.class);
        }
    }

    /**
     * Each app backend writes only its own intake topic, which the core maps to that backend's sources: backend A
     * cannot write backend B's topic, so cannot report a change for B's sources.
     */
    @Test
    void anAppBackendCannotWriteAnotherBackendsIntakeTopic() throws Exception {
        send(WEB, WEB_CHANGE_REQUESTS, "subject-" + UUID.randomUUID());
        assertThat(sendFailure(APP, WEB_CHANGE_REQUESTS)).isInstanceOf(TopicAuthorizationException.class);
        assertThat(sendFailure(WEB, CHANGE_REQUESTS)).isInstanceOf(TopicAuthorizationException.class);
        // and the core reads both
        String key = "subject-" + UUID.randomUUID();
        send(WEB, WEB_CHANGE_REQUESTS, key);
        try (KafkaConsumer<String, String> consumer = consumer(CORE, "consent-core")) {
            consumer.subscribe(List.of(CHANGE_REQUESTS, WEB_CHANGE_REQUESTS));
            pollFor(consumer, key);
        }
    }

    @Test
    void theCoreReadsChangeRequestsAndWritesChangesAndEveryDirectiveTopic() throws Exception {
        String key = "subject-" + UUID.randomUUID();
        send(APP, CHANGE_REQUESTS, key);
        try (KafkaConsumer<String, String> consumer = consumer(CORE, "consent-core")) {
            consumer.subscribe(List.of(CHANGE_REQUESTS));
            pollFor(consumer, key);
        }
        send(CORE, CHANGES, key);
        for (String topic : DIRECTIVE_TOPICS) {
            send(CORE, topic, key);
        }
        send(CORE, CHANGE_REQUESTS + ".dlq", key);
        send(CORE, "consent.receipts.dlq", key);
        send(CORE, RECEIPTS + ".dlq", key);
        // The core consumes nothing it produces, and writes no adapter's dead letters.
        assertThat(sendFailure(CORE, MAILGUN_DLQ)).isInstanceOf(TopicAuthorizationException.class);
        try (KafkaConsumer<String, String> consumer = consumer(CORE, "consent-core")) {
            consumer.subscribe(List.of(MAILGUN_DIRECTIVES));
            assertThat(pollFailure(consumer)).isInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void theOpsViewerReadsWithoutAGroupAndWritesNothing() throws Exception {
        String key = "subject-" + UUID.randomUUID();
        send(CORE, CHANGES, key);
        try (KafkaConsumer<String, String> consumer = consumer(OPS, null)) {
            List<TopicPartition> partitions = consumer.partitionsFor(CHANGES, Duration.ofSeconds(20)).stream()
                    .map(p -> new TopicPartition(CHANGES, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            pollFor(consumer, key);
        }
        // The app backends' change requests (and their dead letters) carry identifiers in clear: not for the viewer
        for (String topic : List.of(CHANGE_REQUESTS, CHANGE_REQUESTS + ".dlq")) {
            try (KafkaConsumer<String, String> consumer = consumer(OPS, null)) {
                consumer.assign(List.of(new TopicPartition(topic, 0)));
                consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
                assertThat(pollFailure(consumer)).as(topic).isInstanceOf(TopicAuthorizationException.class);
            }
        }
        // No Write anywhere: the idempotent producer is refused at once (InitProducerId needs Write on some topic).
        assertThat(sendFailure(OPS, CHANGES)).isInstanceOf(AuthorizationException.class);
        try (Admin ops = Admin.create(sasl(OPS, passwords.get(OPS)))) {
            assertThat(ops.listConsumerGroupOffsets("consent-adapter-mailgun").partitionsToOffsetAndMetadata()
                    .get(20, TimeUnit.SECONDS)).isNotNull();
        }
    }

    // --- authentication ---

    @Test
    void aWrongPasswordOrAnUnknownUserIsNotAuthenticated() {
        for (var credentials : List.of(Map.entry(MAILGUN, "not-the-password"), Map.entry("consent-nobody", "x"))) {
            try (Admin a = Admin.create(sasl(credentials.getKey(), credentials.getValue()))) {
                assertThatThrownBy(() -> a.describeCluster().nodes().get(20, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SaslAuthenticationException.class);
            }
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(withGroup(sasl(MAILGUN, "wrong"),
                "consent-adapter-mailgun"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(MAILGUN_DIRECTIVES));
            assertThat(pollFailure(consumer)).isInstanceOf(SaslAuthenticationException.class);
        }
    }

    // --- manifest to ACLs ---

    /** Strimzi's simple authorization, as the User Operator applies it: principal User:&lt;KafkaUser name&gt;. */
    static List<AclBinding> aclBindings(JsonNode user) {
        String principal = "User:" + user.path("metadata").path("name").asText();
        JsonNode authorization = user.path("spec").path("authorization");
        assertThat(authorization.path("type").asText()).isEqualTo("simple");
        List<AclBinding> bindings = new ArrayList<>();
        for (JsonNode acl : authorization.path("acls")) {
            JsonNode resource = acl.path("resource");
            ResourceType type = switch (resource.path("type").asText()) {
                case "topic" -> ResourceType.TOPIC;
                case "group" -> ResourceType.GROUP;
                case "cluster" -> ResourceType.CLUSTER;
                case "transactionalId" -> ResourceType.TRANSACTIONAL_ID;
                default -> throw new IllegalArgumentException("resource type " + resource.path("type"));
            };
            String name = type == ResourceType.CLUSTER ? "kafka-cluster" : resource.path("name").asText();
            PatternType patternType = switch (resource.path("patternType").asText("literal")) {
                case "literal" -> PatternType.LITERAL;
                case "prefix" -> PatternType.PREFIXED;
                default -> throw new IllegalArgumentException("patternType " + resource.path("patternType"));
            };
            AclPermissionType permission = "deny".equals(acl.path("type").asText("allow")) ? AclPermissionType.DENY
                    : AclPermissionType.ALLOW;
            List<String> operations = new ArrayList<>();
            acl.path("operations").forEach(o -> operations.add(o.asText()));
            if (acl.has("operation")) {
                operations.add(acl.path("operation").asText());
            }
            assertThat(operations).as(principal + " " + resource).isNotEmpty();
            for (String operation : operations) {
                AclOperation op = AclOperation.fromString(operation.replaceAll("([a-z])([A-Z])", "$1_$2"));
                assertThat(op).as(principal + " " + operation).isNotEqualTo(AclOperation.UNKNOWN);
                bindings.add(new AclBinding(new ResourcePattern(type, name, patternType),
                        new AccessControlEntry(principal, acl.path("host").asText("*"), op, permission)));
            }
        }
        return bindings;
    }

    private static List<JsonNode> documents(Path file, String kind) throws IOException {
        List<JsonNode> docs = YAML.readerFor(JsonNode.class)
                .<JsonNode>readValues(YAML.getFactory().createParser(file.toFile())).readAll();
        List<JsonNode> ofKind = docs.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
        assertThat(ofKind).as(file + " " + kind).isNotEmpty();
        return ofKind;
    }

    // --- clients ---

    private static Map<String, Object> sasl(String user, String password) {
        Map<String, Object> config = new HashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, saslBootstrap);
        config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        config.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
        config.put(SaslConfigs.SASL_JAAS_CONFIG,
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";");
        config.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        config.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 20_000);
        config.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        return config;
    }

    private static Map<String, Object> withGroup(Map<String, Object> config, String group) {
        if (group != null) {
            config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return config;
    }

    private static KafkaConsumer<String, String> consumer(String user, String group) {
        return new KafkaConsumer<>(withGroup(sasl(user, passwords.get(user)), group), new StringDeserializer(),
                new StringDeserializer());
    }

    /** As the service's producers: idempotent, acks=all; the send is confirmed by the broker. */
    private static KafkaProducer<String, String> producer(String user) {
        Map<String, Object> config = sasl(user, passwords.get(user));
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private static void send(String user, String topic, String key) throws Exception {
        try (KafkaProducer<String, String> producer = producer(user)) {
            producer.send(new ProducerRecord<>(topic, key, "from " + user)).get(40, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError(user + " could not write " + topic, e.getCause());
        }
    }

    private static Throwable sendFailure(String user, String topic) {
        try (KafkaProducer<String, String> producer = producer(user)) {
            producer.send(new ProducerRecord<>(topic, "k", "from " + user)).get(40, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (KafkaException e) {
            // refused before the send (the idempotent producer's InitProducerId): the producer's error state
            // carries the refusal as its cause, depending on timing
            return e.getCause() != null ? e.getCause() : e;
        } catch (Exception e) {
            return fail(user + " writing " + topic + ": unexpected " + e, e);
        }
        return fail(user + " could write " + topic);
    }

    private static ConsumerRecord<String, String> pollFor(KafkaConsumer<String, String> consumer, String key) {
        List<ConsumerRecord<String, String>> found = new ArrayList<>();
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        if (key.equals(r.key())) {
                            found.add(r);
                        }
                    }
                    return !found.isEmpty();
                });
        return found.get(0);
    }

    /** Polls (bounded) until the client reports the failure the broker answered with. */
    private static Throwable pollFailure(KafkaConsumer<String, String> consumer) {
        Throwable[] failure = new Throwable[1];
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    try {
                        consumer.poll(Duration.ofMillis(200));
                        return false;
                    } catch (KafkaException e) {
                        failure[0] = e;
                        return true;
                    }
                });
        return failure[0];
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
