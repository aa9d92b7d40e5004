package no.elekt.consent.subject;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import io.smallrye.mutiny.Uni;
import no.elekt.consent.audit.OpsAction;
import no.elekt.consent.audit.OpsAudit;
import no.elekt.consent.ledger.ConsentChangeRequest;
import no.elekt.consent.security.Roles;

/** A subject's consents, history and export. */
@Path("/v1/subjects/{subjectId}")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({ Roles.READER, Roles.OPS })
public class SubjectResource {

    private final SubjectReads reads;
    private final OpsAudit audit;

    SubjectResource(SubjectReads reads, OpsAudit audit) {
        this.reads = reads;
        this.audit = audit;
    }

    @GET
    @Path("/consents")
    @Operation(summary = "The decision in force for each purpose the subject has decided on")
    public Uni<List<CurrentConsent>> consents(@PathParam("subjectId") @Pattern(regexp = ConsentChangeRequest.SUBJECT_ID,
            message = ConsentChangeRequest.SUBJECT_ID_MESSAGE) String subjectId) {
        return reads.consents(subjectId);
    }

    @GET
    @Path("/history")
    @Operation(summary = "The subject's whole ledger, oldest first, with the purge of identifiers after an erasure")
    public Uni<List<HistoryEntry>> history(@PathParam("subjectId") @Pattern(regexp = ConsentChangeRequest.SUBJECT_ID,
            message = ConsentChangeRequest.SUBJECT_ID_MESSAGE) String subjectId) {
        return reads.history(subjectId);
    }

    @GET
    @Path("/export")
    @Operation(summary = "Everything held about the subject, as one JSON document (GDPR art. 15 and 20)")
    public Uni<SubjectExport> export(@PathParam("subjectId") @Pattern(regexp = ConsentChangeRequest.SUBJECT_ID,
            message = ConsentChangeRequest.SUBJECT_ID_MESSAGE) String subjectId) {
        OpsAudit.Actor actor = audit.actor();
        // an export carries the subject's identifiers in clear: who took one is recorded
        return reads.export(subjectId).call(() -> actor.record(OpsAction.EXPORT, "subject " + subjectId, null));
    }
}
