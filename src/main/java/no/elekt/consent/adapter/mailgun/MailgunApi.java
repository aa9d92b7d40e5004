package no.elekt.consent.adapter.mailgun;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.FormParam;
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

/** The Mailgun endpoints the adapter uses (DESIGN §6). Only {@link MailgunClient} calls it. */
@RegisterRestClient(configKey = "mailgun")
@Path("/v3")
interface MailgunApi {

    /** One entry of the bulk JSON unsubscribe. */
    record Unsubscribe(String address, List<String> tags, @JsonProperty("created_at") String createdAt) {
    }

    @POST
    @Path("/{domain}/unsubscribes")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    Uni<Response> unsubscribe(@HeaderParam("Authorization") String authorization, @PathParam("domain") String domain,
            @FormParam("address") String address, @FormParam("tag") String tag);

    @POST
    @Path("/{domain}/unsubscribes")
    @Consumes(MediaType.APPLICATION_JSON)
    Uni<Response> unsubscribeAll(@HeaderParam("Authorization") String authorization,
            @PathParam("domain") String domain, List<Unsubscribe> entries);

    @DELETE
    @Path("/{domain}/unsubscribes/{address}")
    Uni<Response> removeUnsubscribe(@HeaderParam("Authorization") String authorization,
            @PathParam("domain") String domain, @PathParam("address") String address, @QueryParam("tag") String tag);

    @DELETE
    @Path("/lists/{list}/members/{address}")
    Uni<Response> removeListMember(@HeaderParam("Authorization") String authorization, @PathParam("list") String list,
            @PathParam("address") String address);
}
