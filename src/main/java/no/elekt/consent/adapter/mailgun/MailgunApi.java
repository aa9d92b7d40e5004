package no.elekt.consent.adapter.mailgun;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.smallrye.mutiny.Uni;

/** The Mailgun endpoints the adapter uses (deploy/ADAPTERS.md). Only {@link MailgunClient} calls it. */
@RegisterRestClient(configKey = "mailgun")
interface MailgunApi {

    /** One entry of the bulk JSON unsubscribe. */
    record Unsubscribe(String address, List<String> tags, @JsonProperty("created_at") String createdAt) {
    }

    @POST
    @Path("/v3/{domain}/unsubscribes")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    Uni<Response> unsubscribe(@HeaderParam("Authorization") String authorization, @PathParam("domain") String domain,
            @FormParam("address") String address, @FormParam("tag") String tag);

    @POST
    @Path("/v3/{domain}/unsubscribes")
    @Consumes(MediaType.APPLICATION_JSON)
    Uni<Response> unsubscribeAll(@HeaderParam("Authorization") String authorization,
            @PathParam("domain") String domain, List<Unsubscribe> entries);

    @GET
    @Path("/v3/{domain}/unsubscribes/{address}")
    Uni<Response> unsubscribed(@HeaderParam("Authorization") String authorization,
            @PathParam("domain") String domain, @PathParam("address") String address);

    @DELETE
    @Path("/v3/{domain}/unsubscribes/{address}")
    Uni<Response> removeUnsubscribe(@HeaderParam("Authorization") String authorization,
            @PathParam("domain") String domain, @PathParam("address") String address, @QueryParam("tag") String tag);

    /** The unsubscribes, alphabetical, a page after the pivot address ({@code page=next}). */
    @GET
    @Path("/v3/{domain}/unsubscribes")
    Uni<Response> unsubscribes(@HeaderParam("Authorization") String authorization,
            @PathParam("domain") String domain, @QueryParam("limit") int limit, @QueryParam("page") String page,
            @QueryParam("address") String pivot);

    @GET
    @Path("/v3/lists/{list}/members/{address}")
    Uni<Response> member(@HeaderParam("Authorization") String authorization, @PathParam("list") String list,
            @PathParam("address") String address);

    @DELETE
    @Path("/v3/lists/{list}/members/{address}")
    Uni<Response> removeListMember(@HeaderParam("Authorization") String authorization, @PathParam("list") String list,
            @PathParam("address") String address);

    /** A list's members, a page after the pivot address ({@code page=next}). */
    @GET
    @Path("/v3/lists/{list}/members/pages")
    Uni<Response> members(@HeaderParam("Authorization") String authorization, @PathParam("list") String list,
            @QueryParam("limit") int limit, @QueryParam("page") String page, @QueryParam("address") String pivot);

    @GET
    @Path("/v3/lists/{list}")
    Uni<Response> list(@HeaderParam("Authorization") String authorization, @PathParam("list") String list);

    @GET
    @Path("/v4/domains/{domain}")
    Uni<Response> domain(@HeaderParam("Authorization") String authorization, @PathParam("domain") String domain);
}
