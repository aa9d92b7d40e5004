package no.elekt.consent.subject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.identifiers.IdentifierStore;
import no.elekt.consent.ledger.ConsentRecord;
import no.elekt.consent.ledger.LedgerCursor;
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
    private final ObjectMapper mapper;

    SubjectReads(LedgerReads ledger, RightsService rights, IdentifierStore identifiers, Pool pool,
            ObjectMapper mapper) {
        this.ledger = ledger;
        this.rights = rights;
        this.identifiers = identifiers;
        this.pool = pool;
        this.mapper = mapper;
    }

    public Uni<List<CurrentConsent>> consents(String subjectId) {
        return ledger.consents(subjectId).map(states -> states.stream().map(CurrentConsent::of).toList());
    }

    /** A page of history, and the cursor of the next (null on the last page). */
    public record HistoryPage(List<HistoryEntry> entries, String next) {
    }

    /**
     * A page of the subject's ledger, oldest first, after the cursor, with the purge of its identifiers after each
     * erasure placed among the rows by time.
     */
    public Uni<HistoryPage> history(String subjectId, LedgerCursor after, int limit) {
        return ledger.records(subjectId, after, limit)
                .chain(records -> rights.ofSubject(subjectId).map(requests -> page(records, requests, after, limit)));
    }

    /**
     * Art. 15 and 20: the current consents, the ledger, every rights request with its propagations, and the
     * identifiers held (decrypted: they are the subject's own data), or none once an erasure purged them. Written as
     * it is read: the ledger goes out a page at a time, so a subject with a long ledger costs one page of memory.
     */
    public Multi<String> export(String subjectId) {
        return consents(subjectId).chain(consents -> rights.ofSubject(subjectId)
                .chain(requests -> identifiers.describe(pool, subjectId)
                        .map(held -> new SubjectExport(subjectId, Instant.now(), consents, List.of(), requests, held,
                                lastPurge(requests)))))
                .onItem().transformToMulti(head -> {
                    String document = json(head);
                    int history = document.indexOf(EMPTY_HISTORY);
                    String open = document.substring(0, history) + "\"history\":[";
                    String close = "]" + document.substring(history + EMPTY_HISTORY.length());
                    return Multi.createBy().concatenating().streams(Multi.createFrom().item(open),
                            historyPages(subjectId, head.requests()), Multi.createFrom().item(close));
                });
    }

    private static final String EMPTY_HISTORY = "\"history\":[]";

    private Multi<String> historyPages(String subjectId, List<RequestView> requests) {
        PageState state = new PageState();
        return Multi.createBy().repeating()
                .uni(() -> state, at -> ledger.records(subjectId, at.after, EXPORT_PAGE)
                        .map(records -> {
                            HistoryPage page = page(records, requests, at.after, EXPORT_PAGE);
                            at.after = page.next() == null ? null : LedgerCursor.decode(page.next(), "after");
                            StringBuilder chunk = new StringBuilder();
                            for (HistoryEntry entry : page.entries()) {
                                chunk.append(at.first ? "" : ",").append(json(entry));
                                at.first = false;
                            }
                            return new Chunk(chunk.toString(), page.next() != null);
                        }))
                .whilst(Chunk::more)
                .map(Chunk::json);
    }

    private static final int EXPORT_PAGE = 1000;

    private static final class PageState {
        LedgerCursor after;
        boolean first = true;
    }

    private record Chunk(String json, boolean more) {
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static HistoryPage page(List<ConsentRecord> records, List<RequestView> requests, LedgerCursor after, int limit) {
        boolean last = records.size() < limit;
        Instant from = after == null ? null : after.recordedAt();
        Instant to = last ? null : records.get(records.size() - 1).recordedAt();
        List<RequestView> purgedHere = requests.stream()
                .filter(r -> r.identifiersPurgedAt() != null
                        && (from == null || r.identifiersPurgedAt().isAfter(from))
                        && (to == null || !r.identifiersPurgedAt().isAfter(to)))
                .toList();
        return new HistoryPage(history(records, purgedHere),
                last ? null : LedgerCursor.after(records.get(records.size() - 1)).encode());
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
