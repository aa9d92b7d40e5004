package no.elekt.consent.subject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.identifiers.IdentifierStore;
import no.elekt.consent.ledger.ConsentRecord;
import no.elekt.consent.ledger.LedgerReads;
import no.elekt.consent.rights.RequestView;
import no.elekt.consent.rights.RightsService;

/** A subject's data across the ledger, its rights requests and its identifiers: history and export. */
@ApplicationScoped
public class SubjectReads {

    private final LedgerReads ledger;
    private final RightsService rights;
    private final IdentifierStore identifiers;
    private final Pool pool;

    SubjectReads(LedgerReads ledger, RightsService rights, IdentifierStore identifiers, Pool pool) {
        this.ledger = ledger;
        this.rights = rights;
        this.identifiers = identifiers;
        this.pool = pool;
    }

    public Uni<List<CurrentConsent>> consents(String subjectId) {
        return ledger.consents(subjectId).map(states -> states.stream().map(CurrentConsent::of).toList());
    }

    /** The subject's ledger, oldest first, with the purge of its identifiers after each erasure. */
    public Uni<List<HistoryEntry>> history(String subjectId) {
        return ledger.records(subjectId)
                .chain(records -> rights.ofSubject(subjectId).map(requests -> history(records, requests)));
    }

    /**
     * Art. 15 and 20: the current consents, the ledger, every rights request with its propagations, and the
     * identifiers held (decrypted: they are the subject's own data), or none once an erasure purged them.
     */
    public Uni<SubjectExport> export(String subjectId) {
        return consents(subjectId).chain(consents -> ledger.records(subjectId)
                .chain(records -> rights.ofSubject(subjectId)
                        .chain(requests -> identifiers.describe(pool, subjectId)
                                .map(held -> new SubjectExport(subjectId, Instant.now(), consents,
                                        history(records, requests), requests, held, lastPurge(requests))))));
    }

    static List<HistoryEntry> history(List<ConsentRecord> records, List<RequestView> requests) {
        List<HistoryEntry> entries = new ArrayList<>(records.stream().map(HistoryEntry::of).toList());
        requests.stream().filter(r -> r.identifiersPurgedAt() != null)
                .forEach(r -> entries.add(HistoryEntry.purge(r.requestId(), r.identifiersPurgedAt())));
        entries.sort(Comparator.comparing(HistoryEntry::recordedAt));
        return entries;
    }

    private static Instant lastPurge(List<RequestView> requests) {
        return requests.stream().map(RequestView::identifiersPurgedAt).filter(Objects::nonNull)
                .max(Instant::compareTo).orElse(null);
    }
}
