package no.elekt.consent.rights;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A data-subject rights request as kept: the ledger rows it caused carry its id. */
@Entity
@Table(name = "rights_request")
public class RightsRequest extends PanacheEntityBase {

    @Id
    @Column(name = "request_id")
    public UUID requestId;

    @Column(name = "subject_id", nullable = false)
    public String subjectId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public RequestType type;

    /** Comma-separated purpose ids (ids are [a-z0-9-]). */
    @Column(nullable = false)
    public String purposes;

    @Column(name = "received_at", nullable = false)
    public Instant receivedAt;

    @Column(nullable = false)
    public Instant deadline;

    @Column(name = "purged_at")
    public Instant purgedAt;

    public List<String> purposeList() {
        return purposes.isEmpty() ? List.of() : Arrays.asList(purposes.split(","));
    }
}
