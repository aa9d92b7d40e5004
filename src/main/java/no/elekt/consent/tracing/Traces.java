package no.elekt.consent.tracing;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * The W3C trace context of a change, carried where OpenTelemetry's own instrumentation does not reach: stored on the
 * outbox row (the relay sends it later, from another thread), read from a directive's Kafka record by an adapter that
 * consumes whole polls. With tracing off (the default, {@code quarkus.otel.sdk.disabled=true}) no span is valid, so
 * nothing is stored, sent or started.
 */
@ApplicationScoped
public class Traces {

    public static final String HEADER = "traceparent";

    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

    private static final TextMapGetter<String> TRACEPARENT = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
            return List.of(HEADER);
        }

        @Override
        public String get(String carrier, String key) {
            return HEADER.equals(key) ? carrier : null;
        }
    };

    private final Tracer tracer;
    private final Vertx vertx;

    Traces(Tracer tracer, Vertx vertx) {
        this.tracer = tracer;
        this.vertx = vertx;
    }

    /** The traceparent of the current span, or null when there is none (tracing off). */
    public static String traceparent() {
        if (!Span.current().getSpanContext().isValid()) {
            return null;
        }
        Map<String, String> carrier = new HashMap<>(2);
        W3C.inject(Context.current(), carrier, Map::put);
        return carrier.get(HEADER);
    }

    /** The context a stored traceparent names, as a remote parent; the root context if null or malformed. */
    public static Context parent(String traceparent) {
        return traceparent == null ? Context.root() : W3C.extract(Context.root(), traceparent, TRACEPARENT);
    }

    /** The context a Kafka record's {@code traceparent} header names; the root context if it has none. */
    public static Context parent(Headers headers) {
        Header header = headers.lastHeader(HEADER);
        return parent(header == null ? null : new String(header.value(), StandardCharsets.UTF_8));
    }

    /** True if the context carries a span to continue. */
    public static boolean traced(Context context) {
        return Span.fromContext(context).getSpanContext().isValid();
    }

    /**
     * Runs the work in a new span, the child of the first traced parent and linked to the other traced ones (a poll's
     * directives come from several changes, a bulk call serves them all). Quarkus keeps the current OpenTelemetry
     * context in the Vert.x duplicated context, not in a thread local: the work runs on a duplicated context of its
     * own, so its HTTP calls see the span after every asynchronous step. Without a traced parent, the work runs as is.
     */
    public <T> Uni<T> inSpan(String name, List<Context> parents, Supplier<Uni<T>> work) {
        List<Context> traced = parents.stream().filter(Traces::traced).toList();
        if (traced.isEmpty()) {
            return work.get();
        }
        SpanBuilder builder = tracer.spanBuilder(name).setParent(traced.get(0));
        traced.stream().skip(1).forEach(c -> builder.addLink(Span.fromContext(c).getSpanContext()));
        Span span = builder.startSpan();
        io.vertx.core.Context duplicated = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        return Uni.createFrom().<T>emitter(emitter -> duplicated.runOnContext(x -> {
            Scope scope = span.storeInContext(traced.get(0)).makeCurrent();
            work.get().onTermination().invoke((item, failure, cancelled) -> {
                if (failure != null) {
                    span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
                }
                span.end();
                scope.close();
            }).subscribe().with(emitter::complete, emitter::fail);
        }));
    }
}
