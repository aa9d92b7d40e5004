package no.elekt.consent.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/** The traceparent stored on an outbox row and read back from a record's headers. */
@Tag("unit")
class TracesTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN = "00f067aa0ba902b7";
    private static final String TRACEPARENT = "00-" + TRACE + "-" + SPAN + "-01";

    @Test
    void withoutACurrentSpanNothingIsStored() {
        // tracing off: no span is ever current, so outbox rows get no traceparent and nothing is started
        assertThat(Traces.traceparent()).isNull();
        assertThat(Traces.traced(Traces.parent((String) null))).isFalse();
    }

    @Test
    void theCurrentSpanIsStoredAndReadBackFromTheHeaders() {
        Span span = Span.wrap(SpanContext.create(TRACE, SPAN, TraceFlags.getSampled(), TraceState.getDefault()));
        String stored;
        try (Scope scope = Context.root().with(span).makeCurrent()) {
            stored = Traces.traceparent();
        }
        assertThat(stored).isEqualTo(TRACEPARENT);

        RecordHeaders headers = new RecordHeaders();
        headers.add(Traces.HEADER, stored.getBytes(StandardCharsets.UTF_8));
        SpanContext read = Span.fromContext(Traces.parent(headers)).getSpanContext();
        assertThat(read.getTraceId()).isEqualTo(TRACE);
        assertThat(read.getSpanId()).isEqualTo(SPAN);
        assertThat(read.isRemote()).isTrue();
    }

    @Test
    void aMalformedOrMissingHeaderStartsNoTrace() {
        RecordHeaders malformed = new RecordHeaders();
        malformed.add(Traces.HEADER, "not-a-traceparent".getBytes(StandardCharsets.UTF_8));
        assertThat(Traces.traced(Traces.parent(malformed))).isFalse();
        assertThat(Traces.traced(Traces.parent(new RecordHeaders()))).isFalse();
    }
}
