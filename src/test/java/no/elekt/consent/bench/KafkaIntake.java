package no.elekt.consent.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import no.elekt.consent.events.ConsentChangeRequested;

/**
 * Intake over the inbound topic: {@code bench.kafka-intake} change requests produced as fast as a producer goes
 * (as an app backend's bulk job would), then the time until the ledger holds every one.
 */
final class KafkaIntake {

    static final String SOURCE = "bench-kafka";
    private static final String[] PURPOSES = { "newsletter", "analytics", "energy-insights", "marketing",
            "push-notifications" };

    double producedPerSecond = Double.NaN;
    double recordedPerSecond = Double.NaN;
    long recorded;
    double seconds;

    private final Stack stack;
    private final int count;

    KafkaIntake(Stack stack, int count) {
        this.stack = stack;
        this.count = count;
    }

    KafkaIntake run() throws Exception {
        String run = Long.toString(System.currentTimeMillis());
        long t0 = System.nanoTime();
        try (KafkaProducer<String, ConsentChangeRequested> producer = new KafkaProducer<>(stack.producerConfig(),
                new StringSerializer(), stack.changeRequestSerializer())) {
            for (int i = 0; i < count; i++) {
                String subject = SOURCE + "-" + run + "-" + i;
                producer.send(
                        new ProducerRecord<>("consent.change-requests.app.v1", subject, changeRequest(subject, i)));
            }
            producer.flush();
        }
        producedPerSecond = count / ((System.nanoTime() - t0) / 1e9);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(180));
        while (Instant.now().isBefore(deadline)) {
            recorded = stack.count("select count(*) from consent_record where source = '" + SOURCE + "'");
            if (recorded >= count) {
                break;
            }
            Thread.sleep(200);
        }
        seconds = (System.nanoTime() - t0) / 1e9;
        recordedPerSecond = recorded / seconds;
        return this;
    }

    String outcome() {
        return recorded < count ? String.format(java.util.Locale.ROOT, "only %,d of %,d recorded within 180 s",
                recorded, count) : String.format(java.util.Locale.ROOT, "%,d in %.1f s", count, seconds);
    }

    static ConsentChangeRequested changeRequest(String subject, int i) {
        return ConsentChangeRequested.newBuilder().setIdempotencyKey(null).setSubjectId(subject)
                .setPurpose(PURPOSES[i % PURPOSES.length]).setDecision("WITHDRAWN")
                .setOccurredAt(Instant.parse("2026-01-01T00:00:00Z")).setSource(SOURCE)
                .setPolicyVersion("no-2023-04-27")
                .setIdentifiers(Map.of("email", subject + "@bench.example", "firebaseAppInstanceId", "fa-" + subject,
                        "fcmToken", "tok-" + subject, "eliqUserId", "eq-" + subject))
                .build();
    }
}
