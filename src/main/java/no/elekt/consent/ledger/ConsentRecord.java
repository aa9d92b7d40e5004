package no.elekt.consent.ledger;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.vertx.mutiny.sqlclient.Row;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.Decision;

/** One entry of the append-only consent ledger: a change of one subject and purpose, with its version. */
@Entity
@Table(name = "consent_record")
public class ConsentRecord extends PanacheEntityBase {

    @Id
    @Column(name = "change_id")
    public UUID changeId;

    @Column(name = "subject_id", nullable = false)
    public String subjectId;

    @Column(nullable = false)
    public String purpose;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public ChangeKind kind;

    @Enumerated(EnumType.STRING)
    public Decision decision;

    @Column(nullable = false)
    public long version;

    @Column(name = "occurred_at", nullable = false)
    public Instant occurredAt;

    @Column(name = "recorded_at", nullable = false)
    public Instant recordedAt;

    @Column(nullable = false)
    public String source;

    @Column(name = "policy_version")
    public String policyVersion;

    @Column(name = "request_id")
    public UUID requestId;

    /** False for a change that occurred before the decision in force: kept as proof, propagated nowhere. */
    @Column(name = "in_force", nullable = false)
    public boolean inForce;

    /** A ledger row read with the raw client. */
    static ConsentRecord of(Row row) {
        ConsentRecord r = new ConsentRecord();
        r.changeId = row.getUUID("change_id");
        r.subjectId = row.getString("subject_id");
        r.purpose = row.getString("purpose");
        r.kind = ChangeKind.valueOf(row.getString("kind"));
        r.decision = row.getString("decision") == null ? null : Decision.valueOf(row.getString("decision"));
        r.version = row.getLong("version");
        r.occurredAt = row.getOffsetDateTime("occurred_at").toInstant();
        r.recordedAt = row.getOffsetDateTime("recorded_at").toInstant();
        r.source = row.getString("source");
        r.policyVersion = row.getString("policy_version");
        r.requestId = row.getUUID("request_id");
        r.inForce = row.getBoolean("in_force");
        return r;
    }
}
