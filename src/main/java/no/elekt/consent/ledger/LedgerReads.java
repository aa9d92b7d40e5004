package no.elekt.consent.ledger;

import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.problem.ProblemException;
import no.elekt.consent.propagation.PropagationRepository;

/** What the ledger answers: a change with its propagations, a subject's decisions in force, a subject's ledger. */
@ApplicationScoped
public class LedgerReads {

    private final ConsentRecordRepository records;
    private final ConsentStateRepository states;
    private final PropagationRepository propagations;
    private final Pool pool;

    LedgerReads(ConsentRecordRepository records, ConsentStateRepository states, PropagationRepository propagations,
            Pool pool) {
        this.records = records;
        this.states = states;
        this.propagations = propagations;
        this.pool = pool;
    }

    public Uni<ChangeView> change(UUID changeId) {
        return records.find(pool, changeId)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("Change " + changeId))
                .chain(record -> propagations.ofChange(pool, changeId)
                        .map(of -> ChangeView.of(new RecordedChange(record, of))));
    }

    public Uni<List<ConsentState>> consents(String subjectId) {
        return states.ofSubject(pool, subjectId);
    }

    /** A page of the subject's ledger, oldest first, after the cursor (null: from the start). */
    public Uni<List<ConsentRecord>> records(String subjectId, LedgerCursor after, int limit) {
        return records.page(pool, subjectId, after, limit);
    }
}
