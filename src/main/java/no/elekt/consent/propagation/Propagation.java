package no.elekt.consent.propagation;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import no.elekt.consent.events.DirectiveAction;

/** The tracked life of one directive to one processor, from PENDING to a confirmed end, with a deadline. */
@Entity
@Table(name = "propagation")
public class Propagation extends PanacheEntityBase {

    @Id
    @Column(name = "directive_id")
    public UUID directiveId;

    @Column(name = "change_id", nullable = false)
    public UUID changeId;

    @Column(name = "subject_id", nullable = false)
    public String subjectId;

    @Column(nullable = false)
    public String processor;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public DirectiveAction action;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public PropagationStatus status;

    @Column(nullable = false)
    public Instant deadline;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    public int attempts;

    public String detail;

    public boolean overdue(Instant now) {
        return status.isOpen() && now.isAfter(deadline);
    }
}
