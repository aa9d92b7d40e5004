package no.elekt.consent.adapter;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import jakarta.ws.rs.ProcessingException;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;

/**
 * How one processor is called: rate limited, each attempt timed out and measured, retryable failures retried with
 * exponential backoff and jitter (honouring Retry-After), all within a retry budget. Processor wrappers own one each.
 */
public final class CallPolicy {

    private static final Logger LOG = Logger.getLogger(CallPolicy.class);

    private final String processor;
    private final CallsConfig config;
    private final RateLimiter rateLimiter;
    private final MeterRegistry metrics;

    public CallPolicy(String processor, double permitsPerSecond, CallsConfig config, MeterRegistry metrics) {
        this.processor = processor;
        this.config = config;
        this.rateLimiter = new RateLimiter(permitsPerSecond);
        this.metrics = metrics;
    }

    /**
     * Runs {@code attempt} until it succeeds, fails for good, or the budget is spent. The attempt signals
     * failures as {@link CallFailure}; timeouts and transport errors count as retryable.
     */
    public <T> Uni<T> call(String operation, Supplier<Uni<T>> attempt) {
        return attempt(operation, attempt, 1, System.nanoTime());
    }

    private <T> Uni<T> attempt(String operation, Supplier<Uni<T>> attempt, int number, long startedAt) {
        Timer timer = metrics.timer("consent_adapter_call", "processor", processor, "operation", operation);
        return Uni.createFrom().item(rateLimiter::reserve)
                // Quarkus schedules Mutiny delays on Vert.x timers, which refuse anything under 1 ms
                .onItem().transformToUni(wait -> wait.toMillis() < 1 ? Uni.createFrom().voidItem()
                        : Uni.createFrom().voidItem().onItem().delayIt().by(wait))
                .onItem().transformToUni(ready -> {
                    Timer.Sample sample = Timer.start(metrics);
                    return Uni.createFrom().<T>deferred(() -> attempt.get())
                            .ifNoItem().after(config.timeout())
                            .failWith(() -> CallFailure.retryable(operation + ": timed out"))
                            .onTermination().invoke(() -> sample.stop(timer));
                })
                .onFailure().transform(e -> classify(operation, e))
                .onFailure().recoverWithUni(e -> retryOrGiveUp(operation, attempt, number, startedAt, (CallFailure) e));
    }

    private <T> Uni<T> retryOrGiveUp(String operation, Supplier<Uni<T>> attempt, int number, long startedAt,
            CallFailure failure) {
        if (!failure.retryable()) {
            if (failure.kind() == CallFailure.Kind.AUTHENTICATION) {
                LOG.errorf("%s %s: credentials rejected; check the adapter's configured credentials", processor,
                        operation);
            }
            return Uni.createFrom().failure(failure.givenUp(null, number));
        }
        if (number >= config.maxAttempts()) {
            return Uni.createFrom().failure(failure.givenUp("gave up after " + number + " attempts", number));
        }
        // a Retry-After of 0 or a date already past means "now"; Mutiny refuses to delay by a non-positive time
        Duration delay = failure.retryAfter().filter(d -> d.toMillis() >= 1).orElseGet(() -> backoff(number));
        Duration spent = Duration.ofNanos(System.nanoTime() - startedAt);
        if (spent.plus(delay).compareTo(config.budget()) > 0) {
            return Uni.createFrom().failure(failure.givenUp(
                    "retry budget of " + config.budget().toSeconds() + " s spent after " + number + " attempts", number));
        }
        LOG.debugf("%s %s failed (%s), attempt %d; retrying in %d ms", processor, operation, failure.getMessage(),
                number, delay.toMillis());
        return Uni.createFrom().voidItem().onItem().delayIt().by(delay)
                .onItem().transformToUni(x -> attempt(operation, attempt, number + 1, startedAt));
    }

    /** Exponential backoff with "equal jitter": half fixed, half random, capped. */
    private Duration backoff(int attemptsSoFar) {
        long base = config.initialBackoff().toMillis() << Math.min(attemptsSoFar - 1, 20);
        long capped = Math.min(base, config.maxBackoff().toMillis());
        long half = Math.max(1, capped / 2);
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
    }

    private static CallFailure classify(String operation, Throwable e) {
        if (e instanceof CallFailure failure) {
            return failure;
        }
        if (e instanceof TimeoutException || e instanceof ProcessingException || e instanceof IOException
                || e instanceof io.vertx.core.VertxException || e.getCause() instanceof IOException) {
            // never the exception's message: it may contain the request URL, and with it an identifier
            return CallFailure.retryable(operation + ": " + e.getClass().getSimpleName());
        }
        // where it came from, for the fix; never the message, which may hold an identifier
        StackTraceElement at = e.getStackTrace().length > 0 ? e.getStackTrace()[0] : null;
        LOG.warnf("%s: unexpected %s at %s", operation, e.getClass().getName(), at);
        return CallFailure.permanent(operation + ": unexpected " + e.getClass().getSimpleName());
    }
}
