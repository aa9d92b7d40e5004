package no.elekt.consent.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.ConsentChangeRequested;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PurposeVersion;

/**
 * Backfill: the directive in force for {@code bench.backfill} subjects pushed to one processor, Mailgun (its adapter
 * batches and uses the bulk unsubscribe, 1,000 per call), timed until every propagation is CONFIRMED. Two drivers:
 * <ul>
 * <li>{@code insert} (today's): the harness writes the PENDING propagations as the ledger would (not timed), then
 * produces the directives as the relay would; the clock starts with the first directive.</li>
 * <li>{@code api} (for the service's backfill feature): the subjects are first recorded through the Kafka
 * intake (not timed), then {@code POST /v1/ops/backfills} asks the service to re-issue Mailgun's directive for each;
 * the clock starts with the request and stops when as many Mailgun propagations created since then are CONFIRMED.
 * Until the service has the endpoint, the run reports its answer and no figure.</li>
 * </ul>
 */
final class Backfill {

    static final String PREFIX = "bf-";
    static final String PURPOSE = "marketing";

    final int count;
    final String mode;
    long confirmed;
    double seconds = Double.NaN;
    String outcome = "";
    /** The machine's CPU at the start and the end of the timed part, to say where it went. */
    ProcStats.Snapshot machineAtStart;
    ProcStats.Snapshot machineAtEnd;

    private final Stack stack;

    Backfill(Stack stack, int count, String mode) {
        this.stack = stack;
        this.count = count;
        this.mode = mode;
    }

    double rate() {
        return confirmed / seconds;
    }

    /** Seconds for 1,000,000 subjects: measured if that many ran, else scaled linearly from the rate. */
    double secondsForAMillion() {
        return count >= 1_000_000 && confirmed >= count ? seconds : 1_000_000 / rate();
    }

    Duration bound() {
        return Duration.ofSeconds(Math.max(240, count / 2000));
    }

    Backfill run() throws Exception {
        switch (mode) {
            case "insert" -> byInsert();
            case "api" -> byApi();
            default -> throw new IllegalArgumentException("bench.backfill-mode: insert or api, not " + mode);
        }
        return this;
    }

    private void byInsert() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<UUID> ids = new ArrayList<>(count);
        try (Connection c = stack.connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("insert into propagation (directive_id, change_id, "
                    + "subject_id, processor, action, status, deadline, created_at, updated_at, purpose, version, "
                    + "kind, issued_at) values (?, ?, ?, 'mailgun', 'SUPPRESS', 'PENDING', ?, ?, ?, '" + PURPOSE
                    + "', 1, 'DECISION', ?)")) {
                Timestamp ts = Timestamp.from(now);
                for (int i = 0; i < count; i++) {
                    UUID id = UUID.randomUUID();
                    ids.add(id);
                    ps.setObject(1, id);
                    ps.setObject(2, UUID.randomUUID());
                    ps.setString(3, PREFIX + i);
                    ps.setTimestamp(4, Timestamp.from(now.plus(Duration.ofDays(30))));
                    ps.setTimestamp(5, ts);
                    ps.setTimestamp(6, ts);
                    ps.setTimestamp(7, ts);
                    ps.addBatch();
                    if (i % 5000 == 4999) {
                        ps.executeBatch();
                    }
                }
                ps.executeBatch();
            }
            c.commit();
        }
        machineAtStart = ProcStats.snapshot();
        long t0 = System.nanoTime();
        try (KafkaProducer<String, ProcessorDirective> producer = new KafkaProducer<>(stack.producerConfig(),
                new StringSerializer(), stack.directiveSerializer())) {
            for (int i = 0; i < count; i++) {
                String subject = PREFIX + i;
                producer.send(new ProducerRecord<>("consent.directives.mailgun.v1", subject,
                        ProcessorDirective.newBuilder().setDirectiveId(ids.get(i).toString())
                                .setChangeId(UUID.randomUUID().toString()).setSubjectId(subject)
                                .setProcessor("mailgun").setAction(DirectiveAction.SUPPRESS)
                                .setKind(ChangeKind.DECISION)
                                .setPurposes(List.of(new PurposeVersion(PURPOSE, 1L)))
                                .setIdentifiers(Map.of("email", subject + "@backfill.example"))
                                .setIssuedAt(now).setDeadline(now.plus(Duration.ofDays(30))).build()));
            }
            producer.flush();
        }
        await(t0, "select count(*) from propagation where processor = 'mailgun' and status = 'CONFIRMED' "
                + "and subject_id like '" + PREFIX + "%'");
    }

    private void byApi() throws Exception {
        String run = Long.toString(System.currentTimeMillis());
        try (KafkaProducer<String, ConsentChangeRequested> producer = new KafkaProducer<>(stack.producerConfig(),
                new StringSerializer(), stack.changeRequestSerializer())) {
            for (int i = 0; i < count; i++) {
                String subject = PREFIX + run + "-" + i;
                producer.send(new ProducerRecord<>("consent.change-requests.app.v1", subject, ConsentChangeRequested
                        .newBuilder().setIdempotencyKey(null).setSubjectId(subject).setPurpose(PURPOSE)
                        .setDecision("WITHDRAWN").setOccurredAt(Instant.parse("2026-01-01T00:00:00Z"))
                        .setSource("bench-backfill").setPolicyVersion("no-2023-04-27")
                        .setIdentifiers(Map.of("email", subject + "@backfill.example")).build()));
            }
            producer.flush();
        }
        Instant deadline = Instant.now().plus(bound());
        while (Instant.now().isBefore(deadline)
                && stack.count("select count(*) from consent_record where source = 'bench-backfill'") < count) {
            Thread.sleep(1000);
        }
        stack.awaitDrained(bound());
        Timestamp since = Timestamp.from(Instant.now().truncatedTo(ChronoUnit.MILLIS));
        machineAtStart = ProcStats.snapshot();
        long t0 = System.nanoTime();
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(stack.baseUrl() + "/v1/ops/backfills")).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + Stack.opsToken())
                .POST(HttpRequest.BodyPublishers.ofString("{\"processor\":\"mailgun\",\"purposes\":[\"" + PURPOSE
                        + "\"]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() / 100 != 2) {
            outcome = "POST /v1/ops/backfills answered " + answer.statusCode() + ": no backfill API in this build";
            Benchmark.log("backfill: %s", outcome);
            return;
        }
        await(t0, "select count(*) from propagation where processor = 'mailgun' and status = 'CONFIRMED' "
                + "and created_at >= '" + since.toInstant() + "'");
    }

    private void await(long t0, String countConfirmed) throws Exception {
        Instant deadline = Instant.now().plus(bound());
        while (Instant.now().isBefore(deadline)) {
            confirmed = stack.count(countConfirmed);
            if (confirmed >= count) {
                break;
            }
            Thread.sleep(500);
        }
        seconds = (System.nanoTime() - t0) / 1e9;
        machineAtEnd = ProcStats.snapshot();
        outcome = (confirmed >= count ? String.format(Locale.ROOT, "%,d subjects in %.1f s", count, seconds)
                : String.format(Locale.ROOT, "only %,d of %,d CONFIRMED within %.0f s", confirmed, count, seconds))
                + String.format(Locale.ROOT, ", %,.0f subjects/s (%s driver)", rate(), mode);
    }
}
