package no.elekt.consent.policy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import no.elekt.consent.events.DirectiveAction;

/**
 * The consent policy in force, loaded from one versioned file (see policy.yaml).
 * Purposes and processors are keyed by id; ids are used in topic names and in the API.
 */
public record Policy(
        String version,
        List<String> policyVersions,
        Duration defaultDeadline,
        Map<String, Processor> processors,
        Map<String, Purpose> purposes) {

    public enum LegalBasis {
        CONSENT, LEGITIMATE_INTEREST
    }

    public record Processor(
            String name,
            List<String> identifiers,
            boolean holdsAppData,
            boolean supportsResume,
            Duration deadline) {
    }

    public record Purpose(
            String section,
            List<LegalBasis> legalBases,
            List<String> processors,
            DirectiveAction onWithdrawn) {

        public LegalBasis primaryLegalBasis() {
            return legalBases.get(0);
        }

        /** Art. 21 objections apply to purposes processed (also) on legitimate interest. */
        public boolean objectionAllowed() {
            return legalBases.contains(LegalBasis.LEGITIMATE_INTEREST);
        }
    }

    public Optional<Purpose> purpose(String id) {
        return Optional.ofNullable(purposes.get(id));
    }

    public Processor processor(String id) {
        return processors.get(id);
    }

    public Duration deadlineFor(String processorId) {
        Duration own = processors.get(processorId).deadline();
        return own != null ? own : defaultDeadline;
    }

    /** Every identifier type some processor needs: the only keys accepted in a change's identifiers. */
    public List<String> identifierTypes() {
        return processors.values().stream().flatMap(p -> p.identifiers().stream()).distinct().sorted().toList();
    }

    public static String directiveTopic(String processorId) {
        return "consent.directives." + processorId + ".v1";
    }

    /**
     * Each adapter publishes its receipts on a topic of its own, which only its Kafka user may write: the topic says
     * whose receipt it is.
     */
    public static String receiptTopic(String processorId) {
        return RECEIPT_TOPIC_PREFIX + processorId + ".v1";
    }

    /** The processor whose receipt topic this is, or null. */
    public static String processorOfReceiptTopic(String topic) {
        return topic != null && topic.startsWith(RECEIPT_TOPIC_PREFIX) && topic.endsWith(".v1")
                && topic.length() > RECEIPT_TOPIC_PREFIX.length() + 3
                        ? topic.substring(RECEIPT_TOPIC_PREFIX.length(), topic.length() - ".v1".length()) : null;
    }

    private static final String RECEIPT_TOPIC_PREFIX = "consent.receipts.";
}
