package no.elekt.consent.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.OffsetDateTime;
import java.util.UUID;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import no.elekt.consent.testinfra.ComponentDatabase;

/**
 * On real PostgreSQL with the migrations applied: an adapter's database role does its own work and nothing else. It
 * records its handled directives and reads the subjects' data keys, but cannot change the ledger, the state or the
 * identifiers, nor touch another processor's rows.
 */
@Tag("component")
class DatabaseRolesTest {

    static final Pool POOL = ComponentDatabase.pool();

    /** Runs the statement as the role, in a transaction of its own (SET LOCAL ROLE ends with it). */
    static Uni<Integer> as(String role, String sql, Tuple params) {
        return POOL.withTransaction(c -> c.query("set local role " + role).execute()
                .chain(() -> c.preparedQuery(sql).execute(params)).map(rows -> rows.rowCount()));
    }

    static int run(String role, String sql, Object... params) {
        return as(role, sql, Tuple.from(params)).await().indefinitely();
    }

    @Test
    void anAdapterRoleCannotUpdateTheLedgerOrTheIdentifiers() {
        assertThatThrownBy(() -> run("consent_adapter_mailgun", "update consent_record set source = 'x' where false"))
                .hasMessageContaining("permission denied for table consent_record");
        assertThatThrownBy(() -> run("consent_adapter_eliq", "update consent_state set version = 0 where false"))
                .hasMessageContaining("permission denied for table consent_state");
        assertThatThrownBy(() -> run("consent_adapter_firebase", "delete from subject_key"))
                .hasMessageContaining("permission denied for table subject_key");
        assertThatThrownBy(() -> run("consent_adapter_mailgun", "update subject_identifier set type = 'x' where false"))
                .hasMessageContaining("permission denied for table subject_identifier");
        assertThatThrownBy(() -> run("consent_adapter_eliq", "select count(*) from subject_identifier"))
                .hasMessageContaining("permission denied for table subject_identifier");
        assertThatThrownBy(() -> run("consent_adapter_eliq", "insert into outbox_event (topic, message_key, event_type,"
                + " event_id, payload) values ('t', 'k', 'e', $1, '\\x00')", UUID.randomUUID()))
                .hasMessageContaining("permission denied for table outbox_event");
    }

    @Test
    void anAdapterRoleDoesItsOwnWorkOnItsOwnProcessorsRowsOnly() {
        String directive = UUID.randomUUID().toString();
        String insert = """
                insert into adapter_directive (processor, directive_id, change_id, subject_id, receipt_id, outcome,
                    attempts, completed_at) values ($1, $2, 'c', 's', $3, 'APPLIED', 1, $4)""";
        assertThat(run("consent_adapter_mailgun", insert, "mailgun", directive, UUID.randomUUID(),
                OffsetDateTime.now())).isEqualTo(1);
        assertThat(run("consent_adapter_mailgun", "select * from adapter_directive where directive_id = $1",
                directive)).isEqualTo(1);
        assertThat(run("consent_adapter_mailgun", "select subject_id from subject_key where false")).isZero();
        // another processor's rows: neither seen nor written
        assertThat(run("consent_adapter_eliq", "select * from adapter_directive where directive_id = $1",
                directive)).isZero();
        assertThatThrownBy(() -> run("consent_adapter_eliq", insert, "mailgun", UUID.randomUUID().toString(),
                UUID.randomUUID(), OffsetDateTime.now())).hasMessageContaining("row-level security");
        // the core sees every row
        assertThat(run("consent_core", "select * from adapter_directive where directive_id = $1", directive))
                .isEqualTo(1);
        // retention: another adapter removes nothing of it, its own adapter removes it
        assertThat(run("consent_adapter_eliq", "delete from adapter_directive where directive_id = $1", directive))
                .isZero();
        assertThat(run("consent_adapter_mailgun", "delete from adapter_directive where directive_id = $1",
                directive)).isEqualTo(1);
        assertThat(run("consent_core", "update consent_state set version = version where false")).isZero();
    }
}
