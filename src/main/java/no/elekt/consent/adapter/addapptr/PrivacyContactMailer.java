package no.elekt.consent.adapter.addapptr;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.adapter.CallFailure;
import no.elekt.consent.adapter.CallsConfig;
import no.elekt.consent.adapter.ProcessorCalls;
import no.elekt.consent.events.DirectiveAction;

/** Files deletion requests with AddApptr's privacy contact by e-mail (SMTP through Quarkus Mailer), with retries. */
@ApplicationScoped
public class PrivacyContactMailer {

    private final ReactiveMailer mailer;
    private final AddApptrConfig config;
    private final ProcessorCalls calls;

    PrivacyContactMailer(ReactiveMailer mailer, AddApptrConfig config, CallsConfig callsConfig,
            MeterRegistry metrics) {
        this.mailer = mailer;
        this.config = config;
        this.calls = new ProcessorCalls("addapptr", config.rateLimit(), withTimeout(callsConfig, config.mailTimeout()),
                metrics);
    }

    /** Asks AddApptr to stop using, or to delete, what they hold under the person's advertising IDs. */
    public Uni<Void> requestDeletion(List<String> advertisingIds, String directiveId, DirectiveAction action,
            Instant deadline) {
        String to = config.privacyContact()
                .orElseThrow(() -> CallFailure.permanent("addapptr: no privacy contact configured"));
        boolean delete = action == DirectiveAction.DELETE;
        String subject = (delete ? "Data deletion request" : "Request to restrict processing")
                + " (GDPR), reference " + directiveId;
        String body = """
                Dear AddApptr privacy team,

                A user of Elekt's apps has %s. On behalf of Elekt, as controller, we ask you to %s
                linked to these advertising IDs (GAID/IDFA), the person's devices, and to confirm to us when it is done:

                    Advertising IDs: %s
                    Our reference:   %s
                    Requested by:    %s

                Please quote our reference in your answer.

                Elekt privacy team
                """.formatted(
                delete ? "withdrawn consent to personalised advertising or asked for erasure"
                        : "asked for processing to be restricted",
                delete ? "stop processing and delete all personal data" : "stop processing personal data",
                String.join(", ", advertisingIds), directiveId,
                DateTimeFormatter.ISO_LOCAL_DATE.format(deadline.atZone(ZoneOffset.UTC)));
        Mail mail = Mail.withText(to, subject, body);
        return calls.call("deletion-request-mail", () -> mailer.send(mail)
                .onFailure()
                .transform(e -> CallFailure.retryable("deletion-request-mail: " + e.getClass().getSimpleName())));
    }

    private static CallsConfig withTimeout(CallsConfig calls, java.time.Duration timeout) {
        return new CallsConfig() {
            public java.time.Duration timeout() {
                return timeout;
            }

            public int maxAttempts() {
                return calls.maxAttempts();
            }

            public java.time.Duration initialBackoff() {
                return calls.initialBackoff();
            }

            public java.time.Duration maxBackoff() {
                return calls.maxBackoff();
            }

            public java.time.Duration budget() {
                return calls.budget().compareTo(timeout) > 0 ? calls.budget() : timeout.multipliedBy(2);
            }

            public CallsConfig.Breaker circuitBreaker() {
                return calls.circuitBreaker();
            }
        };
    }
}
