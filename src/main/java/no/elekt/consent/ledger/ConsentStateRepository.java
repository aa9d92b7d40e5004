package no.elekt.consent.ledger;

import static no.elekt.consent.ledger.ConsentRecordRepository.utc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import no.elekt.consent.events.ChangeKind;
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
                    last_version, updated_at, kind)
                values ($1, $2, $3, 1, $4, $5, 1, $6, $7)
                on conflict (subject_id, purpose) do update
                set last_version = s.last_version + 1,
                    kind = case when excluded.occurred_at >= s.occurred_at then excluded.kind else s.kind end,
                    decision = case when excluded.occurred_at >= s.occurred_at
                                    then coalesce(excluded.decision, s.decision) else s.decision end,
                    version = case when excluded.occurred_at >= s.occurred_at
                                   then s.last_version + 1 else s.version end,
                    change_id = case when excluded.occurred_at >= s.occurred_at
                                     then excluded.change_id else s.change_id end,
                    occurred_at = greatest(s.occurred_at, excluded.occurred_at),
                    updated_at = excluded.updated_at
                returning last_version, change_id = $4 as in_force""")
                .execute(Tuple.from(Arrays.asList(change.subjectId(), change.purpose(),
                        change.decision() == null ? null : change.decision().name(), changeId,
                        utc(change.occurredAt()), utc(now), change.kind().name())))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Versioned(row.getLong("last_version"), row.getBoolean("in_force"));
                });
    }

    /** A decision in force as a backfill issues it again: with what made it (a decision, or a rights request). */
    public record InForce(String subjectId, String purpose, Decision decision, ChangeKind kind, long version,
            UUID changeId) {
    }

    /** How many decisions in force a backfill of these purposes covers (all decisions when {@code decision} is null). */
    public Uni<Long> countInForce(SqlClient client, List<String> purposes, Decision decision) {
        return client.preparedQuery("""
                select count(*) from consent_state
                where purpose = any($1) and ($2::varchar is null or decision = $2)""")
                .execute(Tuple.of(purposes.toArray(String[]::new), decision == null ? null : decision.name()))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /**
     * The next decisions in force of these purposes after a cursor (subject id, purpose), in that order: a backfill
     * reads the table a page at a time along its primary key, so it can stop and resume anywhere.
     */
    public Uni<List<InForce>> inForceAfter(SqlClient client, List<String> purposes, Decision decision,
            String afterSubject, String afterPurpose, int limit) {
        return client.preparedQuery("""
                select subject_id, purpose, decision, kind, version, change_id from consent_state
                where (subject_id, purpose) > ($1, $2) and purpose = any($3)
                  and ($4::varchar is null or decision = $4)
                order by subject_id, purpose limit $5""")
                .execute(Tuple.from(Arrays.asList(afterSubject, afterPurpose,
                        purposes.toArray(String[]::new), decision == null ? null : decision.name(), limit)))
                .map(ConsentStateRepository::inForce);
    }

    /** The decisions in force for these subjects and purposes (pairs by index), by subject id and purpose. */
    public Uni<List<InForce>> inForceOf(SqlClient client, List<String> subjects, List<String> purposes) {
        return client.preparedQuery("""
                select s.subject_id, s.purpose, s.decision, s.kind, s.version, s.change_id from consent_state s
                join unnest($1::varchar[], $2::varchar[]) as k(subject_id, purpose)
                  on s.subject_id = k.subject_id and s.purpose = k.purpose
                order by s.subject_id, s.purpose""")
                .execute(Tuple.of(subjects.toArray(String[]::new), purposes.toArray(String[]::new)))
                .map(ConsentStateRepository::inForce);
    }

    private static List<InForce> inForce(RowSet<Row> rows) {
        List<InForce> page = new ArrayList<>();
        rows.forEach(row -> page.add(new InForce(row.getString("subject_id"), row.getString("purpose"),
                row.getString("decision") == null ? null : Decision.valueOf(row.getString("decision")),
                ChangeKind.valueOf(row.getString("kind")), row.getLong("version"), row.getUUID("change_id"))));
        return page;
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
