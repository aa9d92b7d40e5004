package no.elekt.consent.rights;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.propagation.Proof;
import no.elekt.consent.propagation.Propagation;
import no.elekt.consent.propagation.PropagationStatus;

/**
 * A rights request as the API shows it: its deadline, its overall status, the status at each processor, and each
 * propagation (one per processor and purpose) with the ledger change that issued it.
 */
public record RequestView(
        UUID requestId,
        String subjectId,
        RequestType type,
        List<String> purposes,
        Instant receivedAt,
        Instant deadline,
        RequestStatus status,
        boolean overdue,
        Instant identifiersPurgedAt,
        Map<String, RequestStatus> processors,
        List<PropagationLine> propagations) {

    public record PropagationLine(UUID changeId, String purpose, UUID directiveId, String processor,
            DirectiveAction action, PropagationStatus status, Instant deadline, boolean overdue, int attempts,
            String detail, @Schema(description = Proof.DESCRIPTION) Proof proof) {
    }

    static RequestView of(RightsRequest request, List<Propagation> propagations) {
        Instant now = Instant.now();
        List<PropagationLine> lines = propagations.stream()
                .map(p -> new PropagationLine(p.changeId(), p.purpose(), p.directiveId(), p.processor(), p.action(),
                        p.status(), p.deadline(), p.overdue(now), p.attempts(), p.detail(), p.proof()))
                .sorted(Comparator.comparing(PropagationLine::processor).thenComparing(PropagationLine::purpose))
                .toList();
        RequestStatus status = RequestStatus.of(lines.stream().map(PropagationLine::status).toList());
        Map<String, RequestStatus> byProcessor = lines.stream().collect(Collectors.groupingBy(
                PropagationLine::processor, TreeMap::new,
                Collectors.collectingAndThen(Collectors.mapping(PropagationLine::status, Collectors.toList()),
                        RequestStatus::of)));
        boolean overdue = status != RequestStatus.COMPLETED && now.isAfter(request.deadline());
        return new RequestView(request.requestId(), request.subjectId(), request.type(), request.purposes(),
                request.receivedAt(), request.deadline(), status, overdue, request.purgedAt(), byProcessor, lines);
    }
}
