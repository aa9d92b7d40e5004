package no.elekt.consent.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Propagation latency under open-loop load: accepted (the propagation rows' created_at, in the change's transaction)
 * to every receipt CONFIRMED (their last updated_at), per change, at a fixed offered rate with both roles running.
 *
 * <p>A trial offers a rate for {@code bench.open-loop-seconds} with {@link OpenLoop}, waits until the trial's changes
 * are closed (bounded by {@code bench.drain-seconds}), and reads the latencies from the ledger; a change not
 * CONFIRMED by then counts as infinitely late. A rate <b>holds</b> when the generator was not stopped, at most 0.1 %
 * of requests failed or timed out, the generator kept to at least 95 % of the rate, and the p99 is within
 * {@code bench.propagation-p99-ms}. The search tries the target (1,000/s) first; if it does not hold, it bisects
 * between the highest rate that held and the lowest that did not (at most the REST saturation rate, above which the
 * intake cannot keep up), for at most {@code bench.rate-steps} trials, until they are within 10 %, or until the
 * phase has run {@link #PHASE_BUDGET_SECONDS}.
 */
final class PropagationPhase {

    /** Sorted latencies in ms, +Infinity for never confirmed. */
    record Trial(int index, String source, double rate, OpenLoop.Result http, double[] accepted, double[] endToEnd,
            long unconfirmed, boolean holds, String verdict, List<Step> steps) {

        double p(double q) {
            return OpenLoop.Percentiles.of(accepted, q);
        }

        double e2e(double q) {
            return OpenLoop.Percentiles.of(endToEnd, q);
        }
    }

    record Outcome(List<Trial> trials, double highestHeld, Trial best) {
    }

    /**
     * One processor's CONFIRMED propagations of a trial in three steps, p50 and p99 in ms: accepted (the propagation's
     * created_at) to relayed (the directive record's CreateTime, set by the core's producer: the outbox relay), to the
     * adapter's directive done (its adapter_directive.completed_at: the directive topic, the adapter's queue, the
     * processor's calls and read-backs), then to CONFIRMED (receipt topic, the tracker).
     */
    record Step(String processor, long confirmed, double toRelayedP50, double toRelayedP99, double toAdapterP50,
            double toAdapterP99, double toConfirmedP50, double toConfirmedP99) {
    }

    /** No new trial after this long in the phase, so the run stays within its time budget. */
    static final int PHASE_BUDGET_SECONDS = 240;

    private final Stack stack;
    private final Knobs knobs;
    /** The generator's own p99 at the target rate against a server that answers at once (ms). */
    double generatorFloorMs = Double.NaN;

    PropagationPhase(Stack stack, Knobs knobs) {
        this.stack = stack;
        this.knobs = knobs;
    }

    Outcome run(double saturationRate) throws Exception {
        double target = knobs.propagationRate();
        List<String> sources = IntStream.rangeClosed(1, knobs.rateSteps()).mapToObj(i -> "bench-ol" + i).toList();
        try (OpenLoop generator = new OpenLoop(stack.baseUrl(), Stack.writerToken(sources), Duration.ofSeconds(10))) {
            generatorFloorMs = generator.warmUp(target);
            Benchmark.log("open-loop generator warmed up: p99 %.1f ms at %.0f/s against a server that answers at once",
                    generatorFloorMs, target);
            return search(generator, target, saturationRate);
        }
    }

    private Outcome search(OpenLoop generator, double target, double saturationRate) throws Exception {
        List<Trial> trials = new ArrayList<>();
        double lo = 0;
        double hi = Double.POSITIVE_INFINITY;
        double rate = target;
        Trial best = null;
        long began = System.nanoTime();
        for (int step = 0; step < knobs.rateSteps(); step++) {
            if (step > 0 && (System.nanoTime() - began) / 1e9 > PHASE_BUDGET_SECONDS) {
                Benchmark.log("open loop: search stopped after %d trials, past its %d s budget", step,
                        PHASE_BUDGET_SECONDS);
                break;
            }
            Trial t = trial(generator, step + 1, rate);
            trials.add(t);
            Benchmark.log("open loop %.0f/s: %s", rate, t.verdict());
            t.steps()
                    .forEach(st -> Benchmark.log(
                            "  %s: accepted -> relayed p50/p99 %s/%s ms, -> adapter done %s/%s ms, -> CONFIRMED %s/%s ms",
                            st.processor(), ms(st.toRelayedP50()), ms(st.toRelayedP99()), ms(st.toAdapterP50()),
                            ms(st.toAdapterP99()), ms(st.toConfirmedP50()),
                            ms(st.toConfirmedP99())));
            if (t.holds()) {
                lo = rate;
                best = t;
                if (rate >= target) {
                    break;
                }
            } else {
                hi = rate;
                if (saturationRate > 0 && saturationRate < hi) {
                    hi = saturationRate; // an open-loop rate above the closed-loop saturation cannot be taken in
                }
            }
            if (lo > 0 && hi - lo <= 0.1 * hi) {
                break;
            }
            rate = nextRate(lo, hi, rate);
        }
        return new Outcome(trials, lo, best);
    }

    /**
     * The next rate to try, given the highest that held ({@code lo}, 0 if none) and the lowest that did not, capped
     * at the saturation rate ({@code hi}): halfway between them once one held; before that, 80 % of the cap when the
     * last rate tried was above it (the intake could not take it), else half the last rate.
     */
    static double nextRate(double lo, double hi, double last) {
        double next = lo > 0 ? (lo + hi) / 2 : Math.min(hi, last) * (hi < last ? 0.8 : 0.5);
        return Math.max(1, Math.round(next));
    }

    private Trial trial(OpenLoop generator, int index, double rate) throws Exception {
        String source = "bench-ol" + index;
        boolean drained = stack.awaitDrained(Duration.ofSeconds(knobs.drainSeconds()));
        Instant began = Instant.now();
        OpenLoop.Result http = generator.run(source, rate, knobs.openLoopSeconds());
        Instant deadline = Instant.now().plusSeconds(knobs.drainSeconds());
        while (Instant.now().isBefore(deadline) && open(source) > 0) {
            Thread.sleep(500);
        }
        List<double[]> rows = latencies(source);
        double[] accepted = rows.stream().mapToDouble(r -> r[0]).sorted().toArray();
        double[] endToEnd = rows.stream().mapToDouble(r -> r[1]).sorted().toArray();
        long unconfirmed = Arrays.stream(accepted).filter(Double::isInfinite).count();
        double p99 = OpenLoop.Percentiles.of(accepted, 0.99);
        List<String> why = new ArrayList<>();
        if (http.aborted()) {
            why.add(http.abortReason());
        }
        if (http.failed() + http.timedOut() > 0.001 * Math.max(1, http.sent())) {
            why.add(http.failed() + " failed, " + http.timedOut() + " timed out of " + http.sent());
        }
        if (http.achievedRate() < 0.95 * rate) {
            why.add(String.format(Locale.ROOT, "generator sent %.0f/s only", http.achievedRate()));
        }
        if (!(p99 <= knobs.propagationP99Ms())) {
            why.add(String.format(Locale.ROOT, "p99 %s ms > %d ms", Double.isInfinite(p99) ? "never"
                    : String.format(Locale.ROOT, "%.0f", p99), knobs.propagationP99Ms()));
        }
        boolean holds = why.isEmpty();
        if (!drained) {
            why.add("started with the backlog before it not drained in " + knobs.drainSeconds() + " s");
        }
        String verdict = (holds ? "holds" : "does not hold") + (why.isEmpty() ? "" : ": " + String.join("; ", why))
                + String.format(Locale.ROOT, " (propagation p50/p99 %.0f/%.0f ms; REST from intended send p50/p99 "
                        + "%.0f/%.0f ms; %d of %d accepted)", OpenLoop.Percentiles.of(accepted, 0.5), p99,
                        http.percentileMs(0.5), http.percentileMs(0.99), http.accepted(), http.sent());
        return new Trial(index, source, rate, http, accepted, endToEnd, unconfirmed, holds, verdict,
                steps(source, began));
    }

    /** Changes of the trial with a propagation still PENDING. */
    private long open(String source) throws Exception {
        try (Connection c = stack.connect(); PreparedStatement ps = c.prepareStatement("""
                select count(*) from propagation p join consent_record r on r.change_id = p.change_id
                where r.source = ? and p.status = 'PENDING'""")) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Per change of the trial: accepted -> last receipt CONFIRMED, and intended send (occurredAt) -> last receipt
     * CONFIRMED, in ms; +Infinity when not every propagation is CONFIRMED.
     */
    private List<double[]> latencies(String source) throws Exception {
        List<double[]> rows = new ArrayList<>();
        try (Connection c = stack.connect(); PreparedStatement ps = c.prepareStatement("""
                select extract(epoch from max(p.updated_at) - min(p.created_at)) * 1000,
                       extract(epoch from max(p.updated_at) - r.occurred_at) * 1000,
                       bool_and(p.status = 'CONFIRMED')
                from consent_record r join propagation p on p.change_id = r.change_id
                where r.source = ? group by r.change_id, r.occurred_at""")) {
            ps.setString(1, source);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    boolean confirmed = rs.getBoolean(3);
                    rows.add(new double[]{ confirmed ? rs.getDouble(1) : Double.POSITIVE_INFINITY,
                            confirmed ? rs.getDouble(2) : Double.POSITIVE_INFINITY });
                }
            }
        }
        return rows;
    }

    /** Per processor, where the trial's CONFIRMED propagations spent their time (see {@link Step}). */
    private List<Step> steps(String source, Instant began) throws Exception {
        List<Step> steps = new ArrayList<>();
        try (Connection c = stack.connect()) {
            try (Statement s = c.createStatement()) {
                s.execute("create temporary table relayed (directive_id text primary key, at timestamptz not null)");
            }
            try (PreparedStatement insert = c.prepareStatement("insert into relayed values (?, ?)")) {
                for (var r : stack.directivesRelayedSince(began.minusSeconds(1)).entrySet()) {
                    insert.setString(1, r.getKey());
                    insert.setTimestamp(2, new Timestamp(r.getValue()));
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    with t as (
                        select p.processor, extract(epoch from k.at - p.created_at) * 1000 as to_relayed,
                               extract(epoch from a.completed_at - k.at) * 1000 as to_adapter,
                               extract(epoch from p.updated_at - a.completed_at) * 1000 as to_confirmed
                        from consent_record r join propagation p on p.change_id = r.change_id
                        join adapter_directive a on a.processor = p.processor and a.directive_id = p.directive_id::text
                        left join relayed k on k.directive_id = p.directive_id::text
                        where r.source = ? and p.status = 'CONFIRMED')
                    select processor, count(*),
                           percentile_cont(0.5) within group (order by to_relayed),
                           percentile_cont(0.99) within group (order by to_relayed),
                           percentile_cont(0.5) within group (order by to_adapter),
                           percentile_cont(0.99) within group (order by to_adapter),
                           percentile_cont(0.5) within group (order by to_confirmed),
                           percentile_cont(0.99) within group (order by to_confirmed)
                    from t group by processor order by processor""")) {
                ps.setString(1, source);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        steps.add(new Step(rs.getString(1), rs.getLong(2), rs.getDouble(3), rs.getDouble(4),
                                rs.getDouble(5), rs.getDouble(6), rs.getDouble(7), rs.getDouble(8)));
                    }
                }
            }
        }
        return steps;
    }

    /** Each trial's steps as a Markdown table. */
    static String stepsTable(Outcome o) {
        StringBuilder md = new StringBuilder(
                "| trial | offered (changes/s) | processor | confirmed | accepted -> relayed p50 / p99 (ms) "
                        + "| relayed -> adapter done p50 / p99 (ms) | adapter done -> CONFIRMED p50 / p99 (ms) |\n"
                        + "|---|---|---|---|---|---|---|\n");
        for (Trial t : o.trials()) {
            for (Step s : t.steps()) {
                md.append(String.format(Locale.ROOT, "| %d | %.0f | %s | %d | %s / %s | %s / %s | %s / %s |%n",
                        t.index(), t.rate(), s.processor(), s.confirmed(), ms(s.toRelayedP50()), ms(s.toRelayedP99()),
                        ms(s.toAdapterP50()), ms(s.toAdapterP99()),
                        ms(s.toConfirmedP50()), ms(s.toConfirmedP99())));
            }
        }
        return md.toString();
    }

    /** The trials as a Markdown table. */
    static String table(Outcome o) {
        StringBuilder md = new StringBuilder(
                "| trial | offered (changes/s) | sent / accepted | REST from intended send "
                        + "p50 / p99 / p99.9 (ms) | propagation accepted -> CONFIRMED p50 / p95 / p99 (ms) | end to end, "
                        + "intended send -> CONFIRMED p50 / p99 (ms) | not confirmed | verdict |\n"
                        + "|---|---|---|---|---|---|---|---|\n");
        for (Trial t : o.trials()) {
            md.append(String.format(Locale.ROOT,
                    "| %d | %.0f | %d / %d | %s / %s / %s | %s / %s / %s | %s / %s | %d | %s |%n",
                    t.index(), t.rate(), t.http().sent(), t.http().accepted(), ms(t.http().percentileMs(0.5)),
                    ms(t.http().percentileMs(0.99)), ms(t.http().percentileMs(0.999)), ms(t.p(0.5)), ms(t.p(0.95)),
                    ms(t.p(0.99)), ms(t.e2e(0.5)), ms(t.e2e(0.99)), t.unconfirmed(), t.verdict()));
        }
        return md.toString();
    }

    static String ms(double v) {
        return Double.isNaN(v) ? "-" : Double.isInfinite(v) ? "never" : String.format(Locale.ROOT, "%,.0f", v);
    }
}
