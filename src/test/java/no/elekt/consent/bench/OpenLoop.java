package no.elekt.consent.bench;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * An open-loop load generator: POST /v1/consent-changes on a fixed arrival schedule, request i due at
 * start + i / rate, sent whether or not earlier ones were answered. A scheduler thread waits for each due time and
 * hands the request to a Vert.x HTTP client (one event loop, keep-alive connections, a new one whenever every open one
 * is busy, up to the in-flight bound). Latency is measured from the <em>intended</em> send time, so a stall of the
 * service, of the client or of the scheduler shows as queueing instead of being hidden (no coordinated omission).
 * Each change's {@code occurredAt} is its intended send time, so end-to-end latency can be read from the ledger too.
 *
 * <p>A rate the service cannot take makes the requests in flight grow without bound; the trial stops early when more
 * than {@link #MAX_QUEUE_SECONDS} worth of requests are unanswered, and counts as not held.
 */
final class OpenLoop implements AutoCloseable {

    /** Stop a trial when this many seconds' worth of requests are in flight (at least 64 requests). */
    static final double MAX_QUEUE_SECONDS = 1.0;
    private static final String[] PURPOSES = { "newsletter", "analytics", "energy-insights", "marketing",
            "push-notifications" };

    /** A trial's answers; latencies in nanoseconds from the intended send time, of the 202s, sorted. */
    record Result(double offered, int planned, int sent, int accepted, int failed, int timedOut, double sendSeconds,
            long maxSendLagNanos, String abortReason, long[] latencies) {

        boolean aborted() {
            return abortReason != null;
        }

        double achievedRate() {
            return sent / Math.max(1e-9, sendSeconds);
        }

        double percentileMs(double q) {
            return Percentiles.of(latencies, q) / 1e6;
        }
    }

    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
            .setInternalBlockingPoolSize(1));
    private final URI uri;
    private final String token;
    private final Duration timeout;

    OpenLoop(String baseUrl, String token, Duration timeout) {
        this.uri = URI.create(baseUrl + "/v1/consent-changes");
        this.token = token;
        this.timeout = timeout;
    }

    /**
     * Warms this generator up (class loading, JIT, connections) against a server of its own that answers 202 at
     * once, so its first trial measures the service, not the generator's cold start; answers that warm run's p99 in
     * ms, the generator's own floor on this machine.
     */
    double warmUp(double rate) throws Exception {
        Vertx local = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        try {
            int port = local.createHttpServer()
                    .requestHandler(req -> req.body().onComplete(b -> req.response().setStatusCode(202).end()))
                    .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get().actualPort();
            URI target = URI.create("http://127.0.0.1:" + port + uri.getPath());
            run(target, "warm-up", rate / 2, 3);
            return run(target, "warm-up", rate, 3).percentileMs(0.99);
        } finally {
            local.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    /** Offers {@code rate} changes/s for {@code seconds}, with subjects {@code <source>-<i>}. */
    Result run(String source, double rate, int seconds) {
        return run(uri, source, rate, seconds);
    }

    private Result run(URI uri, String source, double rate, int seconds) {
        int planned = (int) Math.round(rate * seconds);
        int maxInFlight = (int) Math.max(64, rate * MAX_QUEUE_SECONDS);
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(uri.getHost())
                .setDefaultPort(uri.getPort()).setKeepAlive(true).setConnectTimeout(5000),
                new PoolOptions().setHttp1MaxSize(maxInFlight));
        long[] latency = new long[planned];
        int[] outcome = new int[planned]; // HTTP status, or -1 timed out, -2 failed; 0 = not answered
        AtomicInteger inFlight = new AtomicInteger();
        long start = System.nanoTime() + 50_000_000L;
        Instant wallStart = Instant.now().plusMillis(50);
        long maxLag = 0;
        int sent = 0;
        String abort = null;
        long lastSend = start;
        for (int i = 0; i < planned; i++) {
            long intended = start + Math.round(i * 1e9 / rate);
            long now;
            while ((now = System.nanoTime()) < intended) {
                LockSupport.parkNanos(intended - now);
            }
            maxLag = Math.max(maxLag, now - intended);
            if (inFlight.get() >= maxInFlight) {
                abort = String.format(java.util.Locale.ROOT, "stopped after %.1f s: %d requests unanswered "
                        + "(%.0f s of arrivals)", (now - start) / 1e9, inFlight.get(), MAX_QUEUE_SECONDS);
                break;
            }
            final int n = i;
            Buffer body = Buffer.buffer(body(source, n,
                    wallStart.plusNanos(intended - start).truncatedTo(ChronoUnit.MILLIS)));
            RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setURI(uri.getPath())
                    .putHeader("Content-Type", "application/json").putHeader("Authorization", "Bearer " + token)
                    .setTimeout(timeout.toMillis());
            inFlight.incrementAndGet();
            sent++;
            lastSend = now;
            client.request(request)
                    .compose(req -> req.send(body))
                    .compose(response -> response.body().map(ignored -> response.statusCode()))
                    .onComplete(answer -> {
                        latency[n] = System.nanoTime() - intended;
                        outcome[n] = answer.succeeded() ? answer.result()
                                : answer.cause().getClass().getSimpleName().contains("Timeout") ? -1 : -2;
                        inFlight.decrementAndGet();
                    });
        }
        long waitUntil = System.nanoTime() + timeout.toNanos() + 5_000_000_000L;
        while (inFlight.get() > 0 && System.nanoTime() < waitUntil) {
            LockSupport.parkNanos(20_000_000L);
        }
        client.close();
        int accepted = 0;
        int timedOut = 0;
        int failed = 0;
        long[] ok = new long[sent];
        for (int i = 0; i < sent; i++) {
            if (outcome[i] == 202) {
                ok[accepted++] = latency[i];
            } else if (outcome[i] == -1 || outcome[i] == 0) {
                timedOut++; // 0: still unanswered when we stopped waiting
            } else {
                failed++;
            }
        }
        long[] sorted = Arrays.copyOf(ok, accepted);
        Arrays.sort(sorted);
        return new Result(rate, planned, sent, accepted, failed, timedOut, (lastSend - start) / 1e9 + 1 / rate,
                maxLag, abort, sorted);
    }

    @Override
    public void close() {
        vertx.close();
    }

    /** The same change as the wrk script sends: a unique subject, purposes whose processors confirm. */
    private static String body(String source, int i, Instant occurredAt) {
        String s = source + "-" + i;
        return "{\"subjectId\":\"" + s + "\",\"purpose\":\"" + PURPOSES[i % PURPOSES.length]
                + "\",\"decision\":\"WITHDRAWN\",\"occurredAt\":\"" + occurredAt + "\",\"source\":\"" + source
                + "\",\"policyVersion\":\"no-2023-04-27\",\"identifiers\":{\"email\":\"" + s + "@bench.example\","
                + "\"firebaseAppInstanceId\":\"fa-" + s + "\",\"fcmToken\":\"tok-" + s + "\",\"eliqUserId\":\"eq-" + s
                + "\"}}";
    }

    /** Nearest-rank percentiles of sorted values (Long.MAX_VALUE / +Infinity stand for "never"). */
    static final class Percentiles {
        static double of(long[] sorted, double q) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(q * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
        }

        static double of(double[] sorted, double q) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(q * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
        }

        private Percentiles() {
        }
    }
}
