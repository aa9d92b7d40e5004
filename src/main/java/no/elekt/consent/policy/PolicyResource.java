package no.elekt.consent.policy;

import java.time.Duration;
import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.quarkus.security.Authenticated;
import no.elekt.consent.events.DirectiveAction;

/** The policy in force, as app backends and ops read it. */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
public class PolicyResource {

    public record PurposeView(String id, String section, List<Policy.LegalBasis> legalBases, boolean objectionAllowed,
            List<String> processors, DirectiveAction onWithdrawn, String policyVersion) {
    }

    public record ProcessorView(String id, String name, List<String> identifiers, boolean holdsAppData,
            boolean supportsResume, Duration deadline, String topic) {
    }

    private final Policy policy;

    PolicyResource(Policy policy) {
        this.policy = policy;
    }

    @GET
    @Path("/purposes")
    public List<PurposeView> purposes() {
        return policy.purposes().entrySet().stream()
                .map(e -> new PurposeView(e.getKey(), e.getValue().section(), e.getValue().legalBases(),
                        e.getValue().objectionAllowed(), e.getValue().processors(), e.getValue().onWithdrawn(),
                        policy.version()))
                .toList();
    }

    @GET
    @Path("/processors")
    public List<ProcessorView> processors() {
        return policy.processors().entrySet().stream()
                .map(e -> new ProcessorView(e.getKey(), e.getValue().name(), e.getValue().identifiers(),
                        e.getValue().holdsAppData(), e.getValue().supportsResume(), policy.deadlineFor(e.getKey()),
                        Policy.directiveTopic(e.getKey())))
                .toList();
    }
}
