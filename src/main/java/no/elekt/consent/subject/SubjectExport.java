package no.elekt.consent.subject;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import no.elekt.consent.identifiers.IdentifierStore;
import no.elekt.consent.rights.RequestView;

/** Everything the service holds about a subject, as one document (GDPR art. 15 and 20). */
public record SubjectExport(String subjectId, Instant exportedAt, List<CurrentConsent> consents,
        List<HistoryEntry> history, List<RequestView> requests, Map<String, List<IdentifierStore.Value>> identifiers,
        Instant identifiersPurgedAt) {
}
