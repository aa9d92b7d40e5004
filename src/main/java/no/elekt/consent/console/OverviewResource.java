package no.elekt.consent.console;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.security.Roles;

/**
 * The console's overview. It holds no identifier value, so a subject-reader may look; acting stays with ops, through
 * the ops endpoints. (Its own root path: JAX-RS picks the resource class by the longest path before the method.)
 */
@Path("/v1/ops/overview")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({ Roles.OPS, Roles.READER })
public class OverviewResource {

    private final OverviewService overview;
    private final SecurityIdentity identity;

    OverviewResource(OverviewService overview, SecurityIdentity identity) {
        this.overview = overview;
        this.identity = identity;
    }

    @GET
    @Operation(summary = "Open work per processor, rights requests by days to deadline, outbox backlog, dead letters "
            + "per topic, accepted changes and propagation latency over the last hours, and the work lists")
    public Uni<Overview> overview(@QueryParam("hours") @DefaultValue("6") @Min(1) @Max(48) int hours) {
        Overview.Viewer viewer = new Overview.Viewer(identity.getPrincipal().getName(), identity.hasRole(Roles.OPS));
        return overview.overview(viewer, hours);
    }
}
