package no.elekt.consent.adapter.firebase;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import io.smallrye.mutiny.Uni;

/** The Google endpoints the Firebase adapter uses (DESIGN §6), one REST client per host. Only {@link FirebaseClient} calls them. */
final class GoogleApis {

    private GoogleApis() {
    }

    record UserDeletionRequest(String kind, UserId id, String firebaseProjectId) {
    }

    record UserId(String type, String userId) {
    }

    record AccountDeletion(String localId) {
    }

    /** Google Analytics User Deletion API (idempotent upsert). */
    @RegisterRestClient(configKey = "google-analytics")
    @Path("/analytics/v3/userDeletion")
    interface Analytics {
        @POST
        @Path("/userDeletionRequests:upsert")
        @Consumes(MediaType.APPLICATION_JSON)
        Uni<Response> upsert(@HeaderParam("Authorization") String authorization, UserDeletionRequest request);
    }

    /** FCM topic subscriptions of one registration (HTTP v1). */
    @RegisterRestClient(configKey = "google-fcm")
    @Path("/v1/projects/{project}/registrations")
    interface Fcm {
        @DELETE
        @Path("/{registration}/topicSubscriptions/{topic}")
        Uni<Response> unsubscribe(@HeaderParam("Authorization") String authorization,
                @PathParam("project") String project, @PathParam("registration") String registration,
                @PathParam("topic") String topic, @QueryParam("allowMissing") boolean allowMissing);
    }

    /** Identity Toolkit: Firebase Authentication accounts. */
    @RegisterRestClient(configKey = "google-identity")
    @Path("/v1/projects/{project}")
    interface IdentityToolkit {
        @POST
        @Path("/accounts:delete")
        @Consumes(MediaType.APPLICATION_JSON)
        Uni<Response> deleteAccount(@HeaderParam("Authorization") String authorization,
                @PathParam("project") String project, AccountDeletion request);
    }
}
