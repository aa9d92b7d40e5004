package no.elekt.consent.subject;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponseSchema;
import org.jboss.resteasy.reactive.RestMulti;
import org.jboss.resteasy.reactive.RestResponse;

import com.fasterxml.jackson.databind.util.RawValue;

import io.smallrye.mutiny.Uni;
import no.elekt.consent.audit.OpsAction;
import no.elekt.consent.audit.OpsAudit;
import no.elekt.consent.ledger.ConsentChangeRequest;
import no.elekt.consent.ledger.LedgerCursor;
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
    @Operation(summary = "The subject's ledger, oldest first, a page at a time (the next page's address in the Link "
            + "header, rel=next), with the purge of identifiers after an erasure")
    public Uni<RestResponse<List<HistoryEntry>>> history(
            @PathParam("subjectId") @Pattern(regexp = ConsentChangeRequest.SUBJECT_ID,
                    message = ConsentChangeRequest.SUBJECT_ID_MESSAGE) String subjectId,
            @QueryParam("after") String after,
            @QueryParam("limit") @DefaultValue("1000") @Min(1) @Max(1000) int limit,
            @Context UriInfo uri) {
        return reads.history(subjectId, LedgerCursor.decode(after, "after"), limit).map(page -> {
            RestResponse.ResponseBuilder<List<HistoryEntry>> answer = RestResponse.ResponseBuilder.ok(page.entries());
            if (page.next() != null) {
                answer.header("Link", "<" + uri.getRequestUriBuilder().replaceQueryParam("after", page.next()).build()
                        + ">; rel=\"next\"");
            }
            return answer.build();
        });
    }

    @GET
    @Path("/export")
    @Operation(summary = "Everything held about the subject, as one JSON document (GDPR art. 15 and 20), streamed")
    @APIResponseSchema(SubjectExport.class)
    public RestMulti<RawValue> export(@PathParam("subjectId") @Pattern(regexp = ConsentChangeRequest.SUBJECT_ID,
            message = ConsentChangeRequest.SUBJECT_ID_MESSAGE) String subjectId) {
        OpsAudit.Actor actor = audit.actor();
        // an export carries the subject's identifiers in clear: who took one is recorded before the first byte; the
        // pieces of one document, each already JSON, are written as they are, one after the other
        return RestMulti.fromMultiData(reads.export(subjectId)
                .onSubscription().call(() -> actor.record(OpsAction.EXPORT, "subject " + subjectId, null))
                .map(RawValue::new)).encodeAsJsonArray(false).build();
    }
}
