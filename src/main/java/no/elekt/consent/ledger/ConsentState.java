package no.elekt.consent.ledger;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import no.elekt.consent.events.Decision;

/** The decision in force for one subject and purpose (the change that occurred last); written only by the ledger's version upsert. */
@Entity
@Table(name = "consent_state")
@IdClass(ConsentState.Key.class)
public class ConsentState extends PanacheEntityBase {

    @Id
    @Column(name = "subject_id")
    public String subjectId;

    @Id
    public String purpose;

    @Enumerated(EnumType.STRING)
    public Decision decision;

    public long version;

    @Column(name = "change_id")
    public UUID changeId;

    /** When the change in force occurred: a change that occurred before it is not in force. */
    @Column(name = "occurred_at")
    public Instant occurredAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    public static class Key implements Serializable {
        public String subjectId;
        public String purpose;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(subjectId, k.subjectId) && Objects.equals(purpose, k.purpose);
        }

        @Override
        public int hashCode() {
            return Objects.hash(subjectId, purpose);
        }
    }
}
