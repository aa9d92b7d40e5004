package no.elekt.consent.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.testinfra.TestIdentity;

/**
 * A processor's rate limit queues calls instead of refusing them: a backlog larger than one call's retry budget still
 * goes through, every call, in the order the calls asked, no faster than the limit. With SmallRye's rate limit, which
 * refuses, the refused calls raced for permits until their budget was spent and ended FAILED by our own limiter.
 */
@QuarkusTest
@TestIdentity
class QueuedPermitsTest {

    @Inject
    CallsConfig config;
    @Inject
    MeterRegistry metrics;

    @Test
    void aBacklogBeyondTheBudgetWaitsInLineAndEveryCallGoesThrough() {
        ProcessorCalls calls = new ProcessorCalls("queued-permits-test", 20, withBudget(Duration.ofSeconds(1)),
                metrics);
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        List<Long> startedAt = Collections.synchronizedList(new ArrayList<>());

        // 40 calls at 20 a second: two seconds of backlog, twice the budget of one call
        List<Uni<Integer>> backlog = IntStream.range(0, 40).mapToObj(i -> calls.call("queued", () -> {
            order.add(i);
            startedAt.add(System.nanoTime());
            return Uni.createFrom().item(i);
        })).toList();
        List<Integer> answered = Uni.join().all(backlog).andCollectFailures().await().atMost(Duration.ofSeconds(30));

        assertThat(answered).hasSize(40);
        assertThat(order).containsExactlyElementsOf(IntStream.range(0, 40).boxed().toList());
        List<Long> sorted = startedAt.stream().sorted().toList();
        // 39 intervals of 50 ms after the first call; a little slack for the timer's resolution
        assertThat(Duration.ofNanos(sorted.get(39) - sorted.get(0))).isGreaterThan(Duration.ofMillis(1850));
    }

    /** The service's call settings with another retry budget. */
    private CallsConfig withBudget(Duration budget) {
        return new CallsConfig() {
            @Override
            public Duration timeout() {
                return config.timeout();
            }

            @Override
            public int maxAttempts() {
                return config.maxAttempts();
            }

            @Override
            public Duration initialBackoff() {
                return config.initialBackoff();
            }

            @Override
            public Duration maxBackoff() {
                return config.maxBackoff();
            }

            @Override
            public Duration budget() {
                return budget;
            }

            @Override
            public Breaker circuitBreaker() {
                return config.circuitBreaker();
            }
        };
    }
}
