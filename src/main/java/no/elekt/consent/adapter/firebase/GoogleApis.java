package no.elekt.consent.adapter.firebase;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import io.smallrye.mutiny.Uni;

/**
 * The Google endpoints the Firebase adapter uses (deploy/ADAPTERS.md), one REST client per host. Only
 * {@link FirebaseClient} calls them.
 */
final class GoogleApis {

    private GoogleApis() {
    }

    /** submitUserDeletion takes exactly one user identifier (a union): ours is the Firebase app instance id. */
    record UserDeletion(String appInstanceId) {
    }

    record AccountDeletion(String localId) {
    }

    record AccountsDeletion(List<String> localIds, boolean force) {
    }

    record AccountsLookup(List<String> localId) {
    }

    /** Google Analytics Admin API v1alpha (GA4): the property's user deletion; the property itself (start-up). */
    @RegisterRestClient(configKey = "google-analytics")
    @Path("/v1alpha/properties")
    interface AnalyticsAdmin {
        @POST
        @Path("/{property}:submitUserDeletion")
        @Consumes(MediaType.APPLICATION_JSON)
        Uni<Response> submitUserDeletion(@HeaderParam("Authorization") String authorization,
                @PathParam("property") String property, UserDeletion request);

        @GET
        @Path("/{property}")
        Uni<Response> property(@HeaderParam("Authorization") String authorization,
                @PathParam("property") String property);
    }

    /** FCM topic subscriptions of one registration (FCM v1 topic subscription API). */
    @RegisterRestClient(configKey = "google-fcm")
    @Path("/v1/projects/{project}/registrations/{registration}/topicSubscriptions/{topic}")
    interface Fcm {
        @DELETE
        Uni<Response> unsubscribe(@HeaderParam("Authorization") String authorization,
                @PathParam("project") String project, @PathParam("registration") String registration,
                @PathParam("topic") String topic, @QueryParam("allowMissing") boolean allowMissing);

        @GET
        Uni<Response> subscription(@HeaderParam("Authorization") String authorization,
                @PathParam("project") String project, @PathParam("registration") String registration,
                @PathParam("topic") String topic);
    }

    /** Identity Toolkit v1 (Firebase Authentication accounts). */
    @RegisterRestClient(configKey = "google-identity")
    @Path("/v1/projects/{project}")
    interface IdentityToolkit {
        @POST
        @Path("/accounts:delete")
        @Consumes(MediaType.APPLICATION_JSON)
        Uni<Response> deleteAccount(@HeaderParam("Authorization") String authorization,
                @PathParam("project") String project, AccountDeletion request);

        @POST
        @Path("/accounts:batchDelete")
        @Consumes(MediaType.APPLICATION_JSON)
        Uni<Response> deleteAccounts(@HeaderParam("Authorization") String authorization,
                @PathParam("project") String project, AccountsDeletion request);

        @POST
        @Path("/accounts:lookup")
        @Consumes(MediaType.APPLICATION_JSON)
        Uni<Response> lookup(@HeaderParam("Authorization") String authorization,
                @PathParam("project") String project, AccountsLookup request);
    }
}
