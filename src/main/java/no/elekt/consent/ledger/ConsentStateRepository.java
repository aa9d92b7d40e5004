package no.elekt.consent.ledger;

import static no.elekt.consent.ledger.ConsentRecordRepository.utc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import no.elekt.consent.events.Decision;

/** The only code that reads or writes the {@code consent_state} table: one row per subject and purpose. */
@ApplicationScoped
public class ConsentStateRepository {

    /** A change's version, and whether it is the decision in force. */
    record Versioned(long version, boolean inForce) {
    }

    /**
     * Numbers the change and decides whether it is in force, in one statement: the change that occurred last is (at
     * the same instant, the later arrival); one that occurred before the change in force is recorded, not in force,
     * and leaves the state as it was. The row lock of the upsert orders concurrent changes of a subject and purpose.
     */
    Uni<Versioned> nextVersion(SqlClient client, Change change, UUID changeId, Instant now) {
        return client.preparedQuery("""
                insert into consent_state as s (subject_id, purpose, decision, version, change_id, occurred_at,
                    last_version, updated_at)
                values ($1, $2, $3, 1, $4, $5, 1, $6)
                on conflict (subject_id, purpose) do update
                set last_version = s.last_version + 1,
                    decision = case when excluded.occurred_at >= s.occurred_at
                                    then coalesce(excluded.decision, s.decision) else s.decision end,
                    version = case when excluded.occurred_at >= s.occurred_at
                                   then s.last_version + 1 else s.version end,
                    change_id = case when excluded.occurred_at >= s.occurred_at
                                     then excluded.change_id else s.change_id end,
                    occurred_at = greatest(s.occurred_at, excluded.occurred_at),
                    updated_at = excluded.updated_at
                returning last_version, change_id = $4 as in_force""")
                .execute(Tuple.of(change.subjectId(), change.purpose(),
                        change.decision() == null ? null : change.decision().name(), changeId,
                        utc(change.occurredAt()), utc(now)))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Versioned(row.getLong("last_version"), row.getBoolean("in_force"));
                });
    }

    /** The decision in force per purpose the subject has decided on, by purpose. */
    Uni<List<ConsentState>> ofSubject(SqlClient client, String subjectId) {
        return client.preparedQuery("select * from consent_state where subject_id = $1 order by purpose")
                .execute(Tuple.of(subjectId))
                .map(rows -> {
                    List<ConsentState> states = new ArrayList<>();
                    rows.forEach(row -> states.add(new ConsentState(row.getString("subject_id"),
                            row.getString("purpose"),
                            row.getString("decision") == null ? null : Decision.valueOf(row.getString("decision")),
                            row.getLong("version"), row.getUUID("change_id"),
                            row.getOffsetDateTime("occurred_at").toInstant(),
                            row.getOffsetDateTime("updated_at").toInstant())));
                    return states;
                });
    }
}
