package no.elekt.consent.outbox;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.problem.ProblemException;
import no.elekt.consent.security.Roles;

/** Ops see the outbox rows the relay parked, and send one again once its cause is fixed (e.g. the topic created). */
@Path("/v1/ops/parked-outbox")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.OPS)
public class ParkedOutboxResource {

    public record Retried(long id) {
    }

    private final Outbox outbox;
    private final Pool pool;

    ParkedOutboxResource(Outbox outbox, Pool pool) {
        this.outbox = outbox;
        this.pool = pool;
    }

    @GET
    @Operation(
            summary = "Parked outbox rows, oldest first, a page after the id 'after' (the last id of the page before)")
    public Uni<List<Outbox.Parked>> list(@QueryParam("after") @DefaultValue("0") @Min(0) long after,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(1000) int limit) {
        return outbox.parked(pool, after, limit);
    }

    @POST
    @Path("/{id}/retry")
    @Operation(
            summary = "Put a parked row back in the outbox, first of its subject; it is parked again if it still fails")
    public Uni<Retried> retry(@PathParam("id") long id) {
        return outbox.unpark(pool, id).map(done -> {
            if (!done) {
                throw ProblemException.notFound("parked outbox row " + id);
            }
            return new Retried(id);
        });
    }
}
