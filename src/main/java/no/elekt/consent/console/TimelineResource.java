package no.elekt.consent.console;

import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.identifiers.IdentifierStore;
import no.elekt.consent.ledger.ConsentChangeRequest;
import no.elekt.consent.propagation.Propagation;
import no.elekt.consent.propagation.PropagationRepository;
import no.elekt.consent.rights.RequestView;
import no.elekt.consent.rights.RightsService;
import no.elekt.consent.security.Roles;
import no.elekt.consent.subject.SubjectReads;

/** A subject's timeline for the console; without identifier values, so a subject-reader may look too. */
@Path("/v1/subjects/{subjectId}/timeline")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({ Roles.OPS, Roles.READER })
public class TimelineResource {

    private final SubjectReads subjects;
    private final RightsService rights;
    private final PropagationRepository propagations;
    private final IdentifierStore identifiers;
    private final Pool pool;

    TimelineResource(SubjectReads subjects, RightsService rights, PropagationRepository propagations,
            IdentifierStore identifiers, Pool pool) {
        this.subjects = subjects;
        this.rights = rights;
        this.propagations = propagations;
        this.identifiers = identifiers;
        this.pool = pool;
    }

    /** The first page of the ledger (a longer one is read page by page at /v1/subjects/{id}/history). */
    static final int HISTORY_SHOWN = 1000;

    @GET
    @Operation(summary = "A subject's decisions, rights requests and propagations with receipts and evidence; "
            + "which identifier types are held, without their values")
    public Uni<Timeline> timeline(@PathParam("subjectId") @Pattern(regexp = ConsentChangeRequest.SUBJECT_ID,
            message = ConsentChangeRequest.SUBJECT_ID_MESSAGE) String subjectId) {
        Instant now = Instant.now();
        return Uni.combine().all().unis(subjects.history(subjectId, null, HISTORY_SHOWN).map(page -> page.entries()),
                rights.ofSubject(subjectId),
                propagations.ofSubject(pool, subjectId), identifiers.describe(pool, subjectId))
                .with((history, requests, lines, held) -> new Timeline(subjectId, history, requests,
                        lines.stream().map(l -> entry(l, now)).toList(),
                        held.entrySet().stream().map(e -> new Timeline.HeldIdentifier(e.getKey(), e.getValue().size(),
                                e.getValue().stream().map(IdentifierStore.Value::lastSeenAt)
                                        .max(Comparator.naturalOrder()).orElse(null)))
                                .toList(),
                        requests.stream().map(RequestView::identifiersPurgedAt).filter(Objects::nonNull)
                                .max(Comparator.naturalOrder()).orElse(null)));
    }

    private static Timeline.PropagationEntry entry(Propagation p, Instant now) {
        return new Timeline.PropagationEntry(p.directiveId(), p.changeId(), p.requestId(), p.purpose(), p.processor(),
                p.action().name(), p.status(), p.createdAt(), p.updatedAt(), p.deadline(), p.overdue(now),
                p.attempts(), p.detail(), p.proof());
    }
}
