package no.elekt.consent.adapter.eliq;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import io.smallrye.mutiny.Uni;

/** The Eliq endpoints the adapter uses (DESIGN §6). Only {@link EliqClient} and {@link EliqTokens} call them. */
final class EliqApis {

    private EliqApis() {
    }

    /**
     * Body of the consent update. Eliq's consent contract is not public: this shape (one entry per purpose,
     * granted or not, with when it changed) is to be verified against Eliq before production.
     */
    record Consents(List<Consent> consents) {
    }

    record Consent(String purpose, boolean granted, String changedAt) {
    }

    /** Data management API, at the tenant's base URL (…/integration/api/v1). */
    @RegisterRestClient(configKey = "eliq")
    @Path("/")
    interface DataManagement {
        @DELETE
        @Path("users/{userId}")
        Uni<Response> deleteUser(@HeaderParam("Authorization") String authorization,
                @PathParam("userId") String userId);

        @PUT
        @Path("v3/users/{userId}/consents")
        @Consumes(MediaType.APPLICATION_JSON)
        Uni<Response> putConsents(@HeaderParam("Authorization") String authorization,
                @PathParam("userId") String userId, Consents consents);
    }

    /** The OAuth2 token endpoint; its configured URL is the whole endpoint. */
    @RegisterRestClient(configKey = "eliq-token")
    interface Token {
        @POST
        @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
        Uni<Response> clientCredentials(@FormParam("grant_type") String grantType,
                @FormParam("client_id") String clientId, @FormParam("client_secret") String clientSecret);
    }
}
