package no.elekt.consent.adapter;

import java.io.IOException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import jakarta.enterprise.util.TypeLiteral;
import jakarta.ws.rs.ProcessingException;

import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.faulttolerance.api.CustomBackoffStrategy;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.mutiny.Uni;

/**
 * How one processor is called, with SmallRye Fault Tolerance (the one resilience mechanism of the adapters):
 * <ul>
 * <li>before each attempt, the processor's rate limit: the attempt takes the next free permit and waits for it, so
 * calls beyond the limit queue in the order they asked, however long the backlog, and are never failures; the first
 * attempt's wait is not part of the retry budget (a backlog is not a failing processor);</li>
 * <li>per attempt: the processor's circuit breaker (opened by transient failures only: 5xx, 429, timeouts, broken
 * connections) and a timeout;</li>
 * <li>around the attempts: retries of transient failures only, bounded by {@code max-attempts} and the retry
 * {@code budget}, waiting as long as a 429's Retry-After (seconds or a date) says, or while the breaker is open,
 * otherwise exponentially with jitter; each retry is counted in {@code consent_adapter_call_retries_total}.</li>
 * </ul>
 * A final answer (a refusal, a gone resource) is a value or a permanent {@link CallFailure}: it is neither retried nor
 * counted against the breaker. Each processor's client owns one; the breaker is per processor, shared by its calls.
 */
public final class ProcessorCalls {

    private static final Logger LOG = Logger.getLogger(ProcessorCalls.class);

    private final String processor;
    private final CallsConfig config;
    private final MeterRegistry metrics;
    /** The processor's rate limit, shared by its calls; null without one. */
    private final Permits permits;
    /** How long calls waited for a permit. */
    private final Timer permitWait;
    /** Per attempt: circuit breaker, timeout (shared state: the processor's breaker). */
    private final Guard attempt;
    /** Around the attempts: retries of transient failures. */
    private final Guard retries;

    public ProcessorCalls(String processor, double permitsPerSecond, CallsConfig config, MeterRegistry metrics) {
        this.processor = processor;
        this.config = config;
        this.metrics = metrics;
        CallsConfig.Breaker breaker = config.circuitBreaker();
        // SmallRye's rate limit refuses a call beyond it; a refused call retried within its budget could lose the race
        // for permits to newer calls until its budget was spent, and end FAILED by our own limiter
        this.permits = permitsPerSecond > 0 ? new Permits(permitsPerSecond) : null;
        this.permitWait = metrics.timer("consent_adapter_permit_wait", "processor", processor);
        this.attempt = Guard.create().withDescription("consent-adapter-" + processor + "-attempt")
                .withCircuitBreaker().name("consent-adapter-" + processor)
                .when(ProcessorCalls::countsAgainstTheBreaker)
                .requestVolumeThreshold(breaker.requestVolumeThreshold())
                .failureRatio(breaker.failureRatio())
                .delay(breaker.delay().toMillis(), ChronoUnit.MILLIS)
                .successThreshold(1)
                .onStateChange(state -> LOG.warnf("Circuit breaker of processor %s is now %s", processor, state))
                .done()
                .withTimeout().duration(config.timeout().toMillis(), ChronoUnit.MILLIS).done()
                .build();
        this.retries = Guard.create().withDescription("consent-adapter-" + processor + "-retries")
                .withRetry()
                .maxRetries(Integer.MAX_VALUE) // the attempts are bounded below, per call, where they are counted
                .maxDuration(config.budget().toMillis(), ChronoUnit.MILLIS)
                .delay(0, ChronoUnit.MILLIS).jitter(0, ChronoUnit.MILLIS)
                .whenException(e -> e instanceof CallFailure failure && failure.retryable())
                .withCustomBackoff().strategy(() -> new Backoff(config)).done()
                .beforeRetry(e -> metrics.counter("consent_adapter_call_retries", "processor", processor,
                        "reason", ((CallFailure) e).reason().name()).increment())
                .done()
                .build();
    }

    /**
     * Runs the call until it succeeds, fails for good, or the attempts or the budget are spent. The call signals a
     * processor's answer it cannot accept as a {@link CallFailure}; timeouts and transport errors are transient.
     */
    public <T> Uni<T> call(String operation, Supplier<Uni<T>> call) {
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger tries = new AtomicInteger();
        AtomicLong startedAt = new AtomicLong();
        Timer timer = metrics.timer("consent_adapter_call", "processor", processor, "operation", operation);
        Uni<T> guarded = Uni.createFrom().deferred(this::permit)
                .chain(() -> retries.get(() -> Uni.createFrom().deferred(() -> {
                    int number = attempts.get() + 1;
                    // the first attempt's permit was taken before the budget began; a retry takes a new one
                    Uni<Void> permitted = tries.getAndIncrement() == 0 ? Uni.createFrom().voidItem() : permit();
                    Uni<T> once = permitted.chain(() -> attempt.get(() -> {
                        attempts.incrementAndGet(); // counted only when the call is let through to the processor
                        Timer.Sample sample = Timer.start(metrics);
                        return Uni.createFrom().<T>deferred(() -> call.get()).onTermination()
                                .invoke(() -> sample.stop(timer));
                    }, new TypeLiteral<Uni<T>>() {
                    }));
                    return once.onFailure()
                            .transform(e -> decide(operation, classify(operation, e), number, startedAt.get()));
                }), new TypeLiteral<Uni<T>>() {
                }).onSubscription().invoke(() -> startedAt.set(System.nanoTime())));
        return guarded.onFailure().transform(e -> finalFailure(operation, e, attempts.get()));
    }

    /**
     * Independent calls of one directive, all at once (each still waits for its permit, so the rate limit holds);
     * the results in the calls' order, or the first failure.
     */
    public static <T> Uni<List<T>> allAtOnce(List<Uni<T>> calls) {
        return calls.isEmpty() ? Uni.createFrom().item(List.of()) : Uni.join().all(calls).andFailFast();
    }

    /** Waits for the next free permit of the processor's rate limit (at once without one), counted per processor. */
    private Uni<Void> permit() {
        if (permits == null) {
            return Uni.createFrom().voidItem();
        }
        long waitNanos = permits.reserve();
        permitWait.record(Duration.ofNanos(waitNanos));
        // in whole milliseconds, at least one: a Vert.x timer refuses less
        return waitNanos <= 0 ? Uni.createFrom().voidItem()
                : Uni.createFrom().voidItem().onItem().delayIt()
                        .by(Duration.ofMillis((waitNanos + 999_999) / 1_000_000));
    }

    /**
     * A rate limit that queues: each caller reserves the next free permit, one every {@code 1/perSecond}, and is told
     * how long to wait for it, so permits go in the order they were asked for and none is lost to a race.
     */
    static final class Permits {
        private final long spacingNanos;
        /** System.nanoTime() of the next free permit; far in the past while the limit is unused. */
        private final AtomicLong nextFree = new AtomicLong(System.nanoTime() - 1_000_000_000L);

        Permits(double perSecond) {
            this.spacingNanos = Math.max(1, (long) (1e9 / perSecond));
        }

        /** Reserves the next free permit; answers the nanoseconds until it is due (zero or less: now). */
        long reserve() {
            long now = System.nanoTime();
            long previous = nextFree.getAndUpdate(free -> Math.max(free, now) + spacingNanos);
            return Math.max(previous, now) - now;
        }
    }

    /** Stops retrying when the attempts are spent, or when waiting as asked would overrun the budget. */
    private CallFailure decide(String operation, CallFailure failure, int number, long startedAt) {
        if (!failure.retryable()) {
            if (failure.kind() == CallFailure.Kind.AUTHENTICATION) {
                LOG.errorf("%s %s: credentials rejected; check the adapter's configured credentials", processor,
                        operation);
            }
            return failure.givenUp(null, number);
        }
        if (failure.reason() == CallFailure.Reason.BREAKER_OPEN) {
            return failure; // not an attempt at the processor: waits within the budget
        }
        if (number >= config.maxAttempts()) {
            return failure.givenUp("gave up after " + number + " attempts", number);
        }
        Duration spent = Duration.ofNanos(System.nanoTime() - startedAt);
        if (failure.retryAfter().isPresent() && spent.plus(failure.retryAfter().get()).compareTo(config.budget()) > 0) {
            return failure.givenUp("Retry-After beyond the retry budget of " + config.budget().toSeconds() + " s",
                    number);
        }
        LOG.debugf("%s %s failed (%s), attempt %d; retrying", processor, operation, failure.getMessage(), number);
        return failure;
    }

    /** What a call ended with once retries stopped: a still-retryable failure means the budget was spent. */
    private static Throwable finalFailure(String operation, Throwable e, int attempts) {
        if (e instanceof CallFailure failure) {
            return failure.retryable() ? failure.givenUp("retry budget spent after " + attempts + " attempts",
                    Math.max(1, attempts)) : failure;
        }
        return classify(operation, e).givenUp(null, Math.max(1, attempts));
    }

    /** Failures from the transport, the guard or the answer, as a {@link CallFailure}; never with a message. */
    static CallFailure classify(String operation, Throwable e) {
        if (e instanceof CallFailure failure) {
            return failure;
        }
        if (e instanceof CircuitBreakerOpenException) {
            return CallFailure.transientFailure(CallFailure.Reason.BREAKER_OPEN, operation + ": circuit breaker open",
                    null);
        }
        if (e instanceof TimeoutException || e instanceof java.util.concurrent.TimeoutException) {
            return CallFailure.transientFailure(CallFailure.Reason.TIMEOUT, operation + ": timed out", null);
        }
        if (e instanceof ProcessingException || e instanceof IOException || e instanceof io.vertx.core.VertxException
                || e.getCause() instanceof IOException) {
            // never the exception's message: it may contain the request URL, and with it an identifier
            return CallFailure.transientFailure(CallFailure.Reason.CONNECTION,
                    operation + ": " + e.getClass().getSimpleName(), null);
        }
        StackTraceElement at = e.getStackTrace().length > 0 ? e.getStackTrace()[0] : null;
        LOG.warnf("%s: unexpected %s at %s", operation, e.getClass().getName(), at);
        return CallFailure.permanent(operation + ": unexpected " + e.getClass().getSimpleName());
    }

    /** Only transient failures of the processor open its breaker; its refusals do not. */
    static boolean countsAgainstTheBreaker(Throwable e) {
        if (e instanceof CallFailure failure) {
            return failure.retryable();
        }
        return true;
    }

    /** As long as a Retry-After or the breaker says; otherwise exponential with "equal jitter", capped. */
    static final class Backoff implements CustomBackoffStrategy {
        private final CallsConfig config;
        private int retries;

        Backoff(CallsConfig config) {
            this.config = config;
        }

        @Override
        public long nextDelayInMillis(Throwable cause) {
            if (cause instanceof CallFailure failure) {
                if (failure.retryAfter().isPresent()) {
                    return Math.max(1, failure.retryAfter().get().toMillis());
                }
                if (failure.reason() == CallFailure.Reason.BREAKER_OPEN) {
                    return Math.max(1, config.circuitBreaker().delay().toMillis() / 2);
                }
            }
            long base = config.initialBackoff().toMillis() << Math.min(retries++, 20);
            long capped = Math.min(base, config.maxBackoff().toMillis());
            long half = Math.max(1, capped / 2);
            return half + ThreadLocalRandom.current().nextLong(half + 1);
        }
    }
}
