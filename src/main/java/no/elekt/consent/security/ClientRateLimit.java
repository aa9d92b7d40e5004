package no.elekt.consent.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.vertx.core.http.HttpServerRequest;
import no.elekt.consent.problem.Problem;

/**
 * A token bucket per client (the token's subject, or the remote address when there is none), so one flooding
 * backend is answered 429 with Retry-After instead of slowing everyone's intake.
 */
@ApplicationScoped
public class ClientRateLimit {

    @ConfigMapping(prefix = "consent.intake.rate-limit")
    public interface Limits {
        /** Sustained requests per second per client. */
        @WithDefault("500")
        double perSecond();

        /** Requests a client may send at once (the bucket's size); then it is held to its sustained rate. */
        @WithDefault("1000")
        int burst();

        /** Per-client overrides of perSecond, by client name (token subject). */
        Map<String, Double> clients();

        /** Per-client overrides of burst, by client name. */
        Map<String, Integer> clientBursts();
    }

    private final Limits limits;
    private final MeterRegistry metrics;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    ClientRateLimit(Limits limits, MeterRegistry metrics) {
        this.limits = limits;
        this.metrics = metrics;
    }

    @ServerRequestFilter
    public Response limit(ContainerRequestContext context, HttpServerRequest request) {
        SecurityContext security = context.getSecurityContext();
        if (!request.path().startsWith("/v1/")) {
            return null;
        }
        String client = security.getUserPrincipal() == null ? "address:" + request.remoteAddress().host()
                : security.getUserPrincipal().getName();
        double rate = limits.clients().getOrDefault(client, limits.perSecond());
        Bucket bucket = buckets.computeIfAbsent(client, c -> bucket(limits, c));
        if (bucket.tryTake()) {
            return null;
        }
        metrics.counter("consent_intake_rate_limited_total").increment();
        return Response.status(429).type(Problem.MEDIA_TYPE)
                .header("Retry-After", "1")
                .entity(Problem.of(429, "Too many requests", "Rate limit of " + rate + " requests/s for this client"))
                .build();
    }

    /** A new client's bucket: its rate, and as many requests at once as its burst allows. */
    static Bucket bucket(Limits limits, String client) {
        double rate = limits.clients().getOrDefault(client, limits.perSecond());
        return new Bucket(rate, Math.max(1, limits.clientBursts().getOrDefault(client, limits.burst())));
    }

    /** Refills continuously at {@code rate} per second up to {@code capacity}. */
    static final class Bucket {
        private final double rate;
        private final int capacity;
        private double tokens;
        private long refilledAt = System.nanoTime();

        Bucket(double rate, int capacity) {
            this.rate = rate;
            this.capacity = capacity;
            this.tokens = capacity;
        }

        synchronized boolean tryTake() {
            long now = System.nanoTime();
            tokens = Math.min(capacity, tokens + (now - refilledAt) / 1e9 * rate);
            refilledAt = now;
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }
    }
}
