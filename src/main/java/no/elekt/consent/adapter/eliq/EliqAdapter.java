package no.elekt.consent.adapter.eliq;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.adapter.DirectiveHandler;
import no.elekt.consent.adapter.IdentifierValues;
import no.elekt.consent.adapter.MissingSettings;
import no.elekt.consent.adapter.ProcessorAdapter;
import no.elekt.consent.adapter.Result;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PurposeVersion;

/**
 * Eliq: DELETE deletes the user's data at Eliq; SUPPRESS and RESUME update the user's consent record there
 * (restricted or granted again, per purpose).
 */
@ApplicationScoped
public class EliqAdapter implements ProcessorAdapter {

    private final DirectiveHandler handler;
    private final EliqClient eliq;
    private final EliqConfig config;

    EliqAdapter(DirectiveHandler handler, EliqClient eliq, EliqConfig config) {
        this.handler = handler;
        this.eliq = eliq;
        this.config = config;
    }

    @Override
    public boolean enabled() {
        return config.enabled();
    }

    @Override
    public List<String> missingSettings() {
        return new MissingSettings()
                .require(config.clientId(), "CONSENT_ADAPTERS_ELIQ_CLIENT_ID")
                .require(config.clientSecret(), "CONSENT_ADAPTERS_ELIQ_CLIENT_SECRET")
                .names();
    }

    @Override
    public String processor() {
        return "eliq";
    }

    @Incoming("directives-eliq")
    public Uni<Void> consume(ConsumerRecords<String, byte[]> records) {
        return handler.handle(this, records);
    }

    @Override
    public Uni<Result> apply(ProcessorDirective directive) {
        List<String> users = IdentifierValues.of(directive, "eliqUserId");
        if (users.isEmpty()) {
            return Uni.createFrom().item(Result.notApplicable("no Eliq user id is known for the subject"));
        }
        boolean deletion = directive.getAction() == DirectiveAction.DELETE;
        boolean granted = directive.getAction() == DirectiveAction.RESUME;
        return Multi.createFrom().iterable(users)
                .onItem().transformToUniAndConcatenate(user -> deletion ? eliq.deleteUser(user).map(List::of)
                        : Multi.createFrom().iterable(directive.getPurposes()).map(PurposeVersion::getPurpose)
                                .onItem().transformToUniAndConcatenate(
                                        purpose -> eliq.updateConsent(user, purpose, granted, directive.getIssuedAt()))
                                .collect().asList())
                .collect().asList()
                .map(perUser -> Result.of(perUser.stream().flatMap(List::stream).toList(),
                        deletion ? "user's data deleted at Eliq"
                                : granted ? "consent granted again at Eliq" : "processing restricted at Eliq",
                        "no purpose in the directive"));
    }
}
