package no.elekt.consent.adapter.eliq;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.smallrye.mutiny.Uni;

/** The Eliq endpoints the adapter uses (deploy/ADAPTERS.md). Only {@link EliqClient} and {@link EliqTokens} call them. */
final class EliqApis {

    private EliqApis() {
    }

    /** One consent of a user at the Insights API (PUT body entry and GET answer item). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Consent(@JsonProperty("version_id") String versionId, String name,
            @JsonProperty("given_consent") boolean givenConsent, @JsonProperty("language_code") String languageCode) {
    }

    /** Auth v2 client credentials: the API is named in aud; a delegated token names the user in sub. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record TokenRequest(@JsonProperty("grant_type") String grantType, @JsonProperty("client_id") String clientId,
            @JsonProperty("client_secret") String clientSecret, String aud, String sub,
            @JsonProperty("sub_type") String subType) {
    }

    /** Data Management API, at the tenant's base URL (…/integration/api/v1); ids are ours (Eliq's ext_ref). */
    @RegisterRestClient(configKey = "eliq")
    @Path("/users")
    interface DataManagement {
        @DELETE
        @Path("/{id}")
        Uni<Response> deleteUser(@HeaderParam("Authorization") String authorization, @PathParam("id") String id);

        @GET
        @Path("/{id}")
        Uni<Response> user(@HeaderParam("Authorization") String authorization, @PathParam("id") String id);

        @GET
        Uni<Response> users(@HeaderParam("Authorization") String authorization, @QueryParam("limit") int limit);
    }

    /** Insights API, at the tenant's base URL; users by Eliq's own (integer) id. */
    @RegisterRestClient(configKey = "eliq-insights")
    @Path("/v3/users/{userId}/consents")
    interface Insights {
        @GET
        Uni<Response> consents(@HeaderParam("Authorization") String authorization, @PathParam("userId") long userId);

        @PUT
        @Consumes(MediaType.APPLICATION_JSON)
        Uni<Response> updateConsents(@HeaderParam("Authorization") String authorization,
                @PathParam("userId") long userId, List<Consent> consents);
    }

    /** The OAuth2 token endpoint; its configured URL is the whole endpoint. */
    @RegisterRestClient(configKey = "eliq-token")
    interface Token {
        @POST
        @Consumes(MediaType.APPLICATION_JSON)
        Uni<Response> token(TokenRequest request);
    }
}
