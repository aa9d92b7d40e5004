package no.elekt.consent.ledger;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import no.elekt.consent.events.ConsentChangeRequested;
import no.elekt.consent.events.Decision;
import no.elekt.consent.idempotency.IdempotencyKey;
import no.elekt.consent.kafka.DeadLetters;
import no.elekt.consent.kafka.RegistryDecoder;
import no.elekt.consent.ledger.ChangeIntake.Prepared;
import no.elekt.consent.problem.Failures;
import no.elekt.consent.problem.InvalidFieldException;
import no.elekt.consent.problem.Problem.FieldError;
import no.elekt.consent.problem.TransientRetry;

/**
 * Intake from each app backend's own consent.change-requests.&lt;b&gt;.v1 (see IntakeChannels), a poll at a time: a
 * change only for a source listed for that backend (else dead-lettered, nothing stored); the same validation and ledger code as the REST API, and
 * the poll's valid changes recorded in one transaction. Invalid records are dead-lettered as they came, with the
 * reason, and the consumer goes on; a database outage is retried, never dead-lettered, so no valid change is lost
 * (see Failures). A poll that fails as a whole for another reason is recorded change by change, so only the change
 * at fault is dead-lettered.
 */
@ApplicationScoped
public class ChangeRequestConsumer {

    private static final Logger LOG = Logger.getLogger(ChangeRequestConsumer.class);
    private static final String CAUSE = "core intake";

    private final ChangeIntake intake;
    private final Validator validator;
    private final DeadLetters deadLetters;
    private final RegistryDecoder<ConsentChangeRequested> decoder;
    private final Config config;
    private final TransientRetry retry;
    private final Map<String, List<String>> sourcesByTopic = new ConcurrentHashMap<>();

    ChangeRequestConsumer(ChangeIntake intake, Validator validator, DeadLetters deadLetters, Config config,
            TransientRetry retry) {
        this.retry = retry;
        this.intake = intake;
        this.validator = validator;
        this.deadLetters = deadLetters;
        this.config = config;
        this.decoder = new RegistryDecoder<>(config, ConsentChangeRequested.class);
    }

    @Incoming("consent-change-requests")
    public Uni<Void> consume(ConsumerRecords<String, byte[]> records) {
        // decoding may ask the registry for a schema (blocking, once per schema): not on the event loop
        return Uni.createFrom().item(() -> check(records))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(checked -> record(checked.accepted())
                        .chain(failed -> {
                            checked.rejected().putAll(failed);
                            return deadLetters.sendAll(checked.rejected(), CAUSE);
                        }));
    }

    /** The poll's records: the valid changes, prepared, and the rest with the reason, each in order. */
    private record Checked(Map<ConsumerRecord<String, byte[]>, Prepared> accepted,
            Map<ConsumerRecord<String, byte[]>, String> rejected) {
    }

    private Checked check(ConsumerRecords<String, byte[]> records) {
        Checked checked = new Checked(new LinkedHashMap<>(), new LinkedHashMap<>());
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                ConsentChangeRequested request = decoder.decode(record);
                checkSource(record.topic(), request.getSource());
                // without a key of its own, the record's position makes a redelivery after a crash idempotent
                IdempotencyKey key = IdempotencyKey.ofRecord(record.topic(), record.partition(), record.offset(),
                        request.getIdempotencyKey());
                checked.accepted().put(record, intake.prepare(toRequest(request), key));
            } catch (IllegalArgumentException | InvalidFieldException e) {
                checked.rejected().put(record, e.getMessage());
            }
        }
        return checked;
    }

    /** Records the poll in one transaction; answers the records that could not be recorded, with the reason. */
    private Uni<Map<ConsumerRecord<String, byte[]>, String>> record(
            Map<ConsumerRecord<String, byte[]>, Prepared> poll) {
        if (poll.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return retriedWhileTransient(intake.recordAll(List.copyOf(poll.values())), poll.size() + " change requests")
                .replaceWith(Map.<ConsumerRecord<String, byte[]>, String>of())
                .onFailure().recoverWithUni(e -> {
                    LOG.warnf("A poll of %d change requests failed as a whole (%s); recording them one by one",
                            poll.size(), e.toString());
                    Map<ConsumerRecord<String, byte[]>, String> failed = new LinkedHashMap<>();
                    return Multi.createFrom().iterable(poll.entrySet())
                            .onItem().transformToUniAndConcatenate(entry -> retriedWhileTransient(
                                    intake.recordAll(List.of(entry.getValue())),
                                    "change request " + position(entry.getKey()))
                                    .onFailure().recoverWithItem(one -> {
                                        failed.put(entry.getKey(), one.getMessage() == null ? one.toString()
                                                : one.getMessage());
                                        return null;
                                    }))
                            .collect().last()
                            .replaceWith(failed);
                });
    }

    private Uni<Void> retriedWhileTransient(Uni<Void> recording, String what) {
        return retry.retried(what, Failures::isTransient, () -> recording);
    }

    /** A backend reports changes only for its own sources, as a token's consent_sources scope them on REST. */
    private void checkSource(String topic, String source) {
        List<String> allowed = sourcesByTopic.computeIfAbsent(topic, t -> {
            String backend = IntakeChannels.backendOf(t);
            return backend == null ? List.of() : config.getOptionalValues(IntakeChannels.SOURCES + backend,
                    String.class).orElse(List.of());
        });
        if (!allowed.contains(source)) {
            throw new InvalidFieldException("source", "not a source of the backend writing " + topic + ": one of "
                    + allowed);
        }
    }

    private static String position(ConsumerRecord<String, byte[]> record) {
        return record.topic() + "/" + record.partition() + "/" + record.offset();
    }

    @PreDestroy
    void close() {
        decoder.close();
    }

    private ConsentChangeRequest toRequest(ConsentChangeRequested record) {
        Decision decision;
        try {
            decision = Decision.valueOf(record.getDecision());
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("decision", "one of " + List.of(Decision.values()));
        }
        ConsentChangeRequest request = new ConsentChangeRequest(record.getSubjectId(), record.getPurpose(), decision,
                record.getOccurredAt(), record.getSource(), record.getPolicyVersion(), record.getIdentifiers());
        Set<ConstraintViolation<ConsentChangeRequest>> violations = validator.validate(request);
        if (!violations.isEmpty()) {
            throw new InvalidFieldException(violations.stream()
                    .map(v -> new FieldError(v.getPropertyPath().toString(), v.getMessage()))
                    .sorted((a, b) -> a.field().compareTo(b.field()))
                    .toList());
        }
        return request;
    }
}
