package no.elekt.consent.rights;

import java.net.URI;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.idempotency.IdempotencyKey;
import no.elekt.consent.ledger.ConsentChangeRequest;
import no.elekt.consent.security.Roles;
import no.elekt.consent.security.SourceScope;

/** Data-subject rights requests. */
@Path("/v1/subjects/{subjectId}/requests")
@Produces(MediaType.APPLICATION_JSON)
public class RightsResource {

    /** Idempotency keys are scoped by caller and endpoint; this endpoint's name in that scope. */
    static final String ENDPOINT = "POST /v1/subjects/{subjectId}/requests";

    private final RightsService rights;
    private final SourceScope sourceScope;
    private final SecurityIdentity caller;

    RightsResource(RightsService rights, SourceScope sourceScope, SecurityIdentity caller) {
        this.rights = rights;
        this.sourceScope = sourceScope;
        this.caller = caller;
    }

    @POST
    @RolesAllowed(Roles.WRITER)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Record a rights request (ERASURE, OBJECTION, RESTRICTION, APP_UNINSTALLED) and propagate it")
    @APIResponse(responseCode = "202", description = "Recorded durably; propagation planned, with the deadline")
    @APIResponse(responseCode = "400", description = "Invalid request, the field at fault named")
    @APIResponse(responseCode = "403", description = "The caller may not write for this source")
    @APIResponse(responseCode = "422", description = "Idempotency-Key reused with another body")
    public Uni<Response> submit(
            @PathParam("subjectId") @Pattern(regexp = ConsentChangeRequest.SUBJECT_ID,
                    message = ConsentChangeRequest.SUBJECT_ID_MESSAGE) String subjectId,
            @NotNull(message = "a JSON body is required") @Valid RequestSubmission submission,
            @Parameter(
                    description = "Repeating a key with the same body answers the same request, and emits nothing new")
            @HeaderParam("Idempotency-Key") @Pattern(regexp = "[\\x21-\\x7e]{1,128}",
                    message = "must be 1-128 visible ASCII characters") String idempotencyKey) {
        sourceScope.checkMayWrite(submission.source());
        IdempotencyKey key = IdempotencyKey.of(caller.getPrincipal().getName(), ENDPOINT, idempotencyKey);
        return rights.submit(subjectId, submission, key)
                .map(submitted -> Response.accepted(submitted.value())
                        .location(URI.create("/v1/subjects/" + subjectId + "/requests/"
                                + submitted.value().requestId()))
                        .header("Idempotent-Replayed", submitted.replayed() ? "true" : null)
                        .build());
    }

    @GET
    @RolesAllowed({ Roles.READER, Roles.OPS })
    @Path("/{requestId}")
    @Operation(summary = "A rights request: overall status, overdue flag, and the status at each processor")
    public Uni<RequestView> get(@PathParam("subjectId") @Pattern(regexp = ConsentChangeRequest.SUBJECT_ID,
            message = ConsentChangeRequest.SUBJECT_ID_MESSAGE) String subjectId,
            @PathParam("requestId") UUID requestId) {
        return rights.find(subjectId, requestId);
    }
}
