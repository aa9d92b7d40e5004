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

import io.smallrye.mutiny.Uni;
import no.elekt.consent.security.Roles;
import no.elekt.consent.security.SourceScope;

@Path("/v1/consent-changes")
@Produces(MediaType.APPLICATION_JSON)
public class ConsentChangeResource {

    private final LedgerService ledger;
    private final SourceScope sourceScope;

    ConsentChangeResource(LedgerService ledger, SourceScope sourceScope) {
        this.ledger = ledger;
        this.sourceScope = sourceScope;
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
            @Parameter(description = "Repeating a key with the same body answers the same change, and emits nothing new")
            @HeaderParam("Idempotency-Key") @Pattern(regexp = "[\\x21-\\x7e]{1,128}",
                    message = "must be 1-128 visible ASCII characters") String idempotencyKey) {
        sourceScope.checkMayWrite(request.source());
        return ledger.record(request, idempotencyKey)
                .map(outcome -> Response.accepted(outcome.change())
                        .location(URI.create("/v1/consent-changes/" + outcome.change().changeId()))
                        .header("Idempotent-Replayed", outcome.replayed() ? "true" : null)
                        .build());
    }

    @GET
    @RolesAllowed({ Roles.READER, Roles.OPS })
    @Path("/{changeId}")
    @Operation(summary = "A change and the status of each of its propagations")
    public Uni<ChangeView> get(@PathParam("changeId") UUID changeId) {
        return ledger.find(changeId);
    }
}
