package no.elekt.consent.adapter.mailgun;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RestClient;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.adapter.CallFailure;
import no.elekt.consent.adapter.CallPolicy;
import no.elekt.consent.adapter.CallsConfig;
import no.elekt.consent.adapter.Effect;
import no.elekt.consent.adapter.HttpAnswers;

/**
 * Mailgun, as the adapter needs it: Basic auth, retries and rate limit of {@link CallPolicy}, and Mailgun's
 * answers as values (404 on a list member or an unsubscribe entry means it is already gone).
 */
@ApplicationScoped
public class MailgunClient {

    /** Mailgun takes at most this many entries per bulk unsubscribe. */
    public static final int BULK_LIMIT = 1000;

    public record Unsubscribe(String address, List<String> tags, Instant at) {
    }

    private final MailgunApi api;
    private final MailgunConfig config;
    private final CallPolicy calls;

    MailgunClient(@RestClient MailgunApi api, MailgunConfig config, CallsConfig callsConfig, MeterRegistry metrics) {
        this.api = api;
        this.config = config;
        this.calls = new CallPolicy("mailgun", config.rateLimit(), callsConfig, metrics);
    }

    public Uni<Effect> unsubscribe(String address, String tag) {
        return call("unsubscribe", () -> api.unsubscribe(auth(), domain(), address, tag), false);
    }

    /** Bulk JSON unsubscribe of up to {@link #BULK_LIMIT} entries. */
    public Uni<Effect> unsubscribeAll(List<Unsubscribe> entries) {
        if (entries.size() > BULK_LIMIT) {
            throw new IllegalArgumentException("at most " + BULK_LIMIT + " unsubscribes per call");
        }
        List<MailgunApi.Unsubscribe> body = entries.stream()
                .map(e -> new MailgunApi.Unsubscribe(e.address(), e.tags(),
                        DateTimeFormatter.RFC_1123_DATE_TIME.format(e.at().atZone(ZoneOffset.UTC))))
                .toList();
        return call("unsubscribe-bulk", () -> api.unsubscribeAll(auth(), domain(), body), false);
    }

    /** Removes the unsubscribe entry of one tag; 404: there was none. */
    public Uni<Effect> removeUnsubscribe(String address, String tag) {
        return call("remove-unsubscribe", () -> api.removeUnsubscribe(auth(), domain(), address, tag), true);
    }

    /** Removes a member from a mailing list; 404: not (or no longer) a member. */
    public Uni<Effect> removeListMember(String list, String address) {
        return call("remove-list-member", () -> api.removeListMember(auth(), list, address), true);
    }

    private Uni<Effect> call(String operation, Supplier<Uni<Response>> request, boolean notFoundMeansDone) {
        return calls.call(operation, () -> HttpAnswers.answer(Uni.createFrom().deferred(() -> request.get())).map(response -> {
            try (response) {
                if (HttpAnswers.ok(response)) {
                    return Effect.APPLIED;
                }
                if (notFoundMeansDone && response.getStatus() == 404) {
                    return Effect.ALREADY_APPLIED;
                }
                throw HttpAnswers.failure(operation, response);
            }
        }));
    }

    private String auth() {
        String key = config.apiKey().orElseThrow(() -> CallFailure.permanent("mailgun: no API key configured"));
        return "Basic " + Base64.getEncoder().encodeToString(("api:" + key).getBytes(StandardCharsets.UTF_8));
    }

    private String domain() {
        return config.domain().orElseThrow(() -> CallFailure.permanent("mailgun: no domain configured"));
    }
}
