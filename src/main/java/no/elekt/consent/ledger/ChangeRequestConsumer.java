package no.elekt.consent.ledger;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import no.elekt.consent.events.ConsentChangeRequested;
import no.elekt.consent.events.Decision;
import no.elekt.consent.problem.Failures;
import no.elekt.consent.problem.InvalidFieldException;
import no.elekt.consent.problem.Problem.FieldError;

/**
 * Intake from consent.change-requests.v1: the same validation and ledger code as the REST API.
 * Invalid records are dead-lettered with the reason (failure strategy in application.properties) and the
 * consumer goes on; a database outage is retried, never dead-lettered, so no valid change is lost (see Failures).
 */
@ApplicationScoped
public class ChangeRequestConsumer {

    private static final Logger LOG = Logger.getLogger(ChangeRequestConsumer.class);

    private final LedgerService ledger;
    private final Validator validator;

    ChangeRequestConsumer(LedgerService ledger, Validator validator) {
        this.ledger = ledger;
        this.validator = validator;
    }

    @Incoming("consent-change-requests")
    public Uni<Void> consume(ConsentChangeRequested record, IncomingKafkaRecordMetadata<String, ?> kafka) {
        // Without a requestId, the record's position makes a redelivery after a crash idempotent.
        String idempotencyKey = record != null && record.getRequestId() != null ? record.getRequestId()
                : kafka.getTopic() + "/" + kafka.getPartition() + "/" + kafka.getOffset();
        return Uni.createFrom().item(() -> toRequest(record))
                .chain(request -> ledger.record(request, idempotencyKey))
                .onFailure(Failures::isTransient).invoke(e ->
                        LOG.warnf("Change request at %s not recorded yet, retrying: %s", idempotencyKey, e))
                .onFailure(Failures::isTransient).retry()
                        .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(10)).indefinitely()
                .replaceWithVoid();
    }

    private ConsentChangeRequest toRequest(ConsentChangeRequested record) {
        if (record == null) {
            throw new InvalidFieldException("value", "the record could not be read as ConsentChangeRequested");
        }
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
