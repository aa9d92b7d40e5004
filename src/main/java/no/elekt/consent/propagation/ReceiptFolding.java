package no.elekt.consent.propagation;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.PropagationReceipt;
import no.elekt.consent.events.ReceiptOutcome;

/**
 * What a poll of receipts does to the propagations, decided without the database: per directive, the receipt that
 * decides (as if the receipts were applied one by one: the first that closes the propagation, else the last), and
 * the status it leads to.
 */
final class ReceiptFolding {

    static final String DELETION_SKIPPED = "the adapter skipped a deletion as superseded: a deletion never is; "
            + "retry it";

    private static final Map<ReceiptOutcome, PropagationStatus> STATUS_OF = Map.of(
            ReceiptOutcome.APPLIED, PropagationStatus.CONFIRMED,
            ReceiptOutcome.ALREADY_APPLIED, PropagationStatus.CONFIRMED,
            ReceiptOutcome.NOT_APPLICABLE, PropagationStatus.NOT_APPLICABLE,
            ReceiptOutcome.SUPERSEDED, PropagationStatus.SUPERSEDED,
            ReceiptOutcome.AWAITING_MANUAL, PropagationStatus.AWAITING_MANUAL,
            ReceiptOutcome.FAILED_PERMANENT, PropagationStatus.FAILED,
            ReceiptOutcome.FAILED_RETRYABLE, PropagationStatus.PENDING);

    /** The deciding receipt of one directive, with the most attempts any receipt taken for it reported. */
    record Decisive(PropagationReceipt receipt, int attempts) {
    }

    /** The poll folded: the deciding receipt per directive, in order, and the directive ids that are no UUID. */
    record Folded(Map<UUID, Decisive> decisive, Set<String> unreadableIds) {
    }

    private ReceiptFolding() {
    }

    static Folded fold(List<PropagationReceipt> receipts) {
        Map<UUID, Decisive> decisive = new LinkedHashMap<>();
        Set<String> unreadable = new LinkedHashSet<>();
        for (PropagationReceipt receipt : receipts) {
            UUID id = parse(receipt.getDirectiveId());
            if (id == null) {
                unreadable.add(receipt.getDirectiveId());
                continue;
            }
            Decisive before = decisive.get(id);
            if (before == null || STATUS_OF.get(before.receipt().getOutcome()).isOpen()) {
                decisive.put(id, new Decisive(receipt,
                        before == null ? receipt.getAttempts() : Math.max(before.attempts(), receipt.getAttempts())));
            }
        }
        return new Folded(decisive, unreadable);
    }

    /**
     * The status a receipt leads to. A deletion answered SUPERSEDED (an adapter of an older version) is FAILED: a
     * deletion once asked for is carried out, so it is left for ops to retry, never counted as done.
     */
    static PropagationStatus status(ReceiptOutcome outcome, DirectiveAction action) {
        if (action == DirectiveAction.DELETE && outcome == ReceiptOutcome.SUPERSEDED) {
            return PropagationStatus.FAILED;
        }
        return STATUS_OF.get(outcome);
    }

    static String detail(PropagationReceipt receipt, DirectiveAction action) {
        return action == DirectiveAction.DELETE && receipt.getOutcome() == ReceiptOutcome.SUPERSEDED
                ? DELETION_SKIPPED : receipt.getDetail();
    }

    /** The receipt's read-backs as JSON (check, checkedAt, answer), or null when none were made. */
    static String evidenceJson(PropagationReceipt receipt) {
        if (receipt.getEvidence() == null || receipt.getEvidence().isEmpty()) {
            return null;
        }
        JsonArray evidence = new JsonArray();
        receipt.getEvidence().forEach(readBack -> evidence.add(new JsonObject().put("check", readBack.getCheck())
                .put("checkedAt", readBack.getCheckedAt().toString()).put("answer", readBack.getAnswer())));
        return evidence.encode();
    }

    private static UUID parse(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
