package no.elekt.consent.ledger;

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
import no.elekt.consent.security.Roles;
import no.elekt.consent.security.SourceScope;

@Path("/v1/consent-changes")
@Produces(MediaType.APPLICATION_JSON)
public class ConsentChangeResource {

    /** Idempotency keys are scoped by caller and endpoint; this endpoint's name in that scope. */
    static final String ENDPOINT = "POST /v1/consent-changes";

    private final ChangeIntake intake;
    private final LedgerReads reads;
    private final SourceScope sourceScope;
    private final SecurityIdentity caller;

    ConsentChangeResource(ChangeIntake intake, LedgerReads reads, SourceScope sourceScope, SecurityIdentity caller) {
        this.intake = intake;
        this.reads = reads;
        this.sourceScope = sourceScope;
        this.caller = caller;
    }

    @POST
    @RolesAllowed(Roles.WRITER)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Record a consent decision and propagate it to the processors of its purpose")
    @APIResponse(responseCode = "202", description = "Recorded durably; propagation planned")
    @APIResponse(responseCode = "400", description = "Invalid request, the field at fault named")
    @APIResponse(responseCode = "403", description = "The caller may not write for this source")
    @APIResponse(responseCode = "422", description = "Idempotency-Key reused with another body")
    public Uni<Response> record(@NotNull(message = "a JSON body is required") @Valid ConsentChangeRequest request,
            @Parameter(
                    description = "Repeating a key with the same body answers the same change, and emits nothing new")
            @HeaderParam("Idempotency-Key") @Pattern(regexp = "[\\x21-\\x7e]{1,128}",
                    message = "must be 1-128 visible ASCII characters") String idempotencyKey) {
        sourceScope.checkMayWrite(request.source());
        IdempotencyKey key = IdempotencyKey.of(caller.getPrincipal().getName(), ENDPOINT, idempotencyKey);
        return intake.record(intake.prepare(request, key))
                .map(submitted -> Response.accepted(submitted.value())
                        .location(URI.create("/v1/consent-changes/" + submitted.value().changeId()))
                        .header("Idempotent-Replayed", submitted.replayed() ? "true" : null)
                        .build());
    }

    @GET
    @RolesAllowed({ Roles.READER, Roles.OPS })
    @Path("/{changeId}")
    @Operation(summary = "A change and the status of each of its propagations")
    public Uni<ChangeView> get(@PathParam("changeId") UUID changeId) {
        return reads.change(changeId);
    }
}
