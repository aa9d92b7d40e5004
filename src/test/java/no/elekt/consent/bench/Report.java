package no.elekt.consent.bench;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Writes a run's report under src/test/bench/runs/: &lt;label&gt;.md (the headline figures beside their ceilings
 * and targets, then every window, trial and phase), &lt;label&gt;.html (SVG charts over the run, in seconds since
 * the core's process start) and &lt;label&gt;.csv (the 1 s samples); the flame graphs are in &lt;label&gt;/.
 */
final class Report {

    private final Benchmark b;
    private final List<Sampler.Sample> samples;

    Report(Benchmark bench, List<Sampler.Sample> samples) {
        this.b = bench;
        this.samples = samples;
    }

    /** One headline row: the figure, its ceiling and ratio where there is one, the target and the verdict. */
    record Row(String figure, String measured, String ceiling, String ratio, String target, String verdict) {
    }

    List<Row> headline() {
        List<Row> rows = new ArrayList<>();
        String core = b.stack.coreRole();
        SteadyState.Result s = b.steady;
        String steadyNote = s.reached() ? "" : " (NOT steady)";
        double pg = b.ceilings.pgbenchTps;
        rows.add(new Row("REST intake, steady state (changes/s)" + steadyNote, Benchmark.f0(s.rate()),
                "pgbench, the same writes: " + Benchmark.f0(pg) + " tx/s", Benchmark.f2(s.rate() / pg) + " x",
                ">= 1.0 x pgbench", verdict(s.rate() / pg >= 1.0)));
        if (b.kafkaIntake != null) {
            double k = b.kafkaIntake.recordedPerSecond;
            rows.add(new Row("Kafka intake, ledger caught up (changes/s)", Benchmark.f0(k) + " ("
                    + b.kafkaIntake.outcome() + ")",
                    "pgbench " + Benchmark.f0(pg) + " tx/s; ProducerPerformance "
                            + Benchmark.f0(b.ceilings.producerPerSecond) + " records/s",
                    Benchmark.f2(k / pg) + " x; "
                            + Benchmark.f2(k / b.ceilings.producerPerSecond) + " x",
                    ">= 1.0 x pgbench",
                    verdict(k / pg >= 1.0)));
        }
        rows.add(new Row(("service".equals(core) ? "Service (every role) CPU" : "Core CPU")
                + " per accepted change, steady state (ms)" + steadyNote,
                Benchmark.f2(s.coreCpuPerChangeMs())
                        + String.format(Locale.ROOT, " (JIT %.0f %%)", 100 * s.coreJitShare()),
                "", "", "<= 0.5 ms",
                verdict(s.coreCpuPerChangeMs() <= 0.5)));
        rows.add(new Row("Adapter CPU per directive, steady state (ms)" + steadyNote,
                Double.isNaN(s.adapterCpuPerDirectiveMs()) ? "n/a (roles in one process)"
                        : Benchmark.f2(s.adapterCpuPerDirectiveMs()) + " (" + Benchmark.f0(s.directivesPerSecond())
                                + " directives/s)",
                "", "", "<= 0.5 ms",
                Double.isNaN(s.adapterCpuPerDirectiveMs()) ? "n/a" : verdict(s.adapterCpuPerDirectiveMs() <= 0.5)));
        rows.add(propagationRow());
        rows.add(new Row("Warm-up: core process start -> steady-state throughput under load (s)",
                Double.isNaN(s.warmupSeconds()) ? (s.reached() ? "not reached" : "not measured: no steady state within "
                        + b.knobs.steadyMaxSeconds() + " s of load") : Benchmark.f1(s.warmupSeconds())
                                + " (start-up to ready " + Benchmark.f1(s.readySeconds()) + ", then "
                                + Benchmark.f1(s.warmupSeconds() - s.loadStart()) + " under load)",
                "", "", "<= 20 s", verdict(s.warmupSeconds() <= 20)));
        double rss = b.peakRssMiB.getOrDefault(core, Double.NaN);
        rows.add(new Row(("service".equals(core) ? "Service (every role)" : "Core") + " peak RSS over the whole run "
                + "(VmHWM, MiB)",
                Benchmark.f0(rss)
                        + (b.knobs.maxRam().containsKey(core) ? " (-XX:MaxRAM=" + b.knobs.maxRam().get(core) + ")"
                                : ""),
                "", "", "<= 512 MiB", verdict(rss <= 512)));
        if (b.backfill != null) {
            Backfill f = b.backfill;
            boolean measured = Double.isFinite(f.seconds) && f.confirmed > 0;
            boolean scaled = f.count < 1_000_000 || f.confirmed < f.count;
            rows.add(new Row("Backfill 1,000,000 subjects to Mailgun's bulk API, to CONFIRMED (s)",
                    measured ? Benchmark.f0(f.secondsForAMillion()) + (scaled ? " (scaled from " + f.outcome + ")"
                            : " (" + f.outcome + ")") : f.outcome,
                    "ProducerPerformance " + Benchmark.f0(b.ceilings.producerPerSecond) + " records/s", "",
                    "<= 100 s", measured ? verdict(f.secondsForAMillion() <= 100) + (scaled ? " (scaled)" : "")
                            : "n/a"));
        }
        return rows;
    }

    private Row propagationRow() {
        PropagationPhase.Outcome o = b.propagation;
        int target = b.knobs.propagationRate();
        PropagationPhase.Trial atTarget = o.trials().isEmpty() ? null : o.trials().get(0);
        String measured;
        if (atTarget != null && atTarget.holds()) {
            measured = String.format(Locale.ROOT, "p99 %s ms at %,d/s", PropagationPhase.ms(atTarget.p(0.99)), target);
        } else if (o.best() != null) {
            measured = String.format(Locale.ROOT, "does not hold at %,d/s; highest rate that holds: %,.0f/s (p99 %s "
                    + "ms)", target, o.highestHeld(), PropagationPhase.ms(o.best().p(0.99)));
        } else {
            measured = String.format(Locale.ROOT, "no rate tried holds (lowest tried: %,.0f/s)",
                    o.trials().stream().mapToDouble(PropagationPhase.Trial::rate).min().orElse(Double.NaN));
        }
        return new Row("Propagation accepted -> every receipt CONFIRMED, p99, open loop, 20 ms stand-ins", measured,
                "", "", "<= " + b.knobs.propagationP99Ms() + " ms at " + String.format(Locale.ROOT, "%,d", target)
                        + "/s",
                verdict(atTarget != null && atTarget.holds()));
    }

    private static String verdict(boolean pass) {
        return pass ? "**pass**" : "**miss**";
    }

    void write(String label) throws Exception {
        Files.createDirectories(Benchmark.RUNS);
        String core = b.stack.coreRole();
        List<String> roles = List.copyOf(b.stack.roles.keySet());
        StringBuilder md = new StringBuilder("# Benchmark run `" + label + "`\n\n");
        md.append("Generated by `./mvnw -Pbench -DskipTests verify` (what it measures and how: the README's Benchmark "
                + "section and ../RESULTS.md). Charts: [").append(label).append(".html](").append(label)
                .append(".html), 1 s samples: [").append(label).append(".csv](").append(label).append(".csv).\n\n");
        md.append("## Headline: each target beside its ceiling\n\n| figure | measured | ceiling (same run) | ratio | "
                + "target | verdict |\n|---|---|---|---|---|---|\n");
        for (Row r : headline()) {
            md.append("| ").append(String.join(" | ", r.figure(), r.measured(), r.ceiling(), r.ratio(), r.target(),
                    r.verdict())).append(" |\n");
        }
        md.append("\n## Flame graphs (async-profiler, one window each, load on, after steady state)\n\n");
        if (b.steady.flameGraphs().isEmpty()) {
            md.append("None in this run.\n");
        }
        b.steady.flameGraphs().forEach((name, path) -> md.append("- [").append(name).append("](")
                .append(Benchmark.RUNS.relativize(path)).append(")\n"));
        md.append("\n## Ceilings\n\n| ceiling | value |\n|---|---|\n")
                .append("| pgbench, the statements of one accepted change per transaction "
                        + "(src/test/bench/pgbench/accepted-change.sql) | ")
                .append(b.ceilings.pgbench).append(" |\n")
                .append("| Kafka ProducerPerformance | ").append(b.ceilings.producer).append(" |\n");
        md.append("\n## PostgreSQL as measured (SHOW)\n\n| setting | value |\n|---|---|\n");
        b.database.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        md.append("\n## Saturation windows: warm-up and steady state\n\nwrk, ").append(b.knobs.connections())
                .append(" connections, closed loop, windows of ").append(b.knobs.windowSeconds()).append(" s from the "
                        + "core's first request. Steady: the core's CPU per change and its accepted rate both within ")
                .append(Math.round(100 * b.knobs.steadyTolerance()))
                .append(" % of the window before, and its JIT at most ")
                .append(Math.round(100 * b.knobs.steadyMaxJit())).append(" % of its CPU in both. JIT and GC: "
                        + "share of the role's CPU time in its compiler threads (C1/C2 CompilerThread) and GC threads, "
                        + "from /proc/<pid>/task.\n\n")
                .append(SteadyState.table(b.steady, roles, core));
        md.append(String.format(Locale.ROOT, "%nWarm-up: %s (core ready after %.1f s, load from %.1f s since its "
                + "process start): the time until the accepted rate over the trailing %d s reaches %.0f %% of the "
                + "steady-state rate (%.0f changes/s) and stays there to the end of the first steady window.%n",
                Double.isNaN(b.steady.warmupSeconds()) ? "not measured" : Benchmark.f1(b.steady.warmupSeconds())
                        + " s",
                b.steady.readySeconds(), b.steady.loadStart(), b.knobs.windowSeconds(),
                100 * b.knobs.warmupFraction(), b.steady.rate()));
        md.append("\n## Propagation latency, open loop\n\n").append(PropagationPhase.table(b.propagation));
        md.append("\nBy processor and step (CONFIRMED only; relayed is the directive record's CreateTime, set by the "
                + "core's producer as the outbox relay sends it; the adapter's done is its adapter_directive.completed_at: "
                + "after the processor's calls and read-backs, before its receipt is sent):\n\n")
                .append(PropagationPhase.stepsTable(b.propagation));
        md.append("\n## Other figures\n\n| figure | value |\n|---|---|\n");
        b.figures.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        md.append(
                "\n## Lag during the run (maximum per phase)\n\n| phase | seconds | outbox pending | outbox oldest (s) "
                        + "| consumer lag core | lag mailgun | lag firebase | lag eliq | CPU s (all roles) | RSS MiB (all "
                        + "roles) |\n|---|---|---|---|---|---|---|---|---|---|\n");
        Map<String, List<Sampler.Sample>> byPhase = new LinkedHashMap<>();
        samples.forEach(s -> byPhase.computeIfAbsent(s.phase(), p -> new ArrayList<>()).add(s));
        byPhase.forEach((phase, list) -> md.append(String.format(Locale.ROOT,
                "| %s | %.0f | %.0f | %.1f | %d | %d | %d | %d | %.1f | %d |%n", phase,
                list.get(list.size() - 1).t() - list.get(0).t() + 1, max(list, Sampler.Sample::outboxPending),
                max(list, Sampler.Sample::outboxOldestAge), (long) max(list, s -> s.lag().get("consent-core")),
                (long) max(list, s -> s.lag().get("consent-adapter-mailgun")),
                (long) max(list, s -> s.lag().get("consent-adapter-firebase")),
                (long) max(list, s -> s.lag().get("consent-adapter-eliq")),
                list.get(list.size() - 1).cpuSeconds() - list.get(0).cpuSeconds(),
                (long) (max(list, s -> s.rssKb()) / 1024))));
        if (!b.notes.isEmpty()) {
            md.append("\n## Notes\n\n");
            b.notes.forEach(n -> md.append("- ").append(n).append('\n'));
        }
        md.append("\n## Machine and settings\n\n| | |\n|---|---|\n");
        b.machine.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        b.stack.jvmOptionsByRole.forEach((role, options) -> md.append("| JVM options of ").append(role).append(" | ")
                .append(options.isEmpty() ? "(none)" : "`" + String.join(" ", options) + "`").append(" |\n"));
        b.knobs.describe().forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        Files.writeString(Benchmark.RUNS.resolve(label + ".md"), md);
        Files.writeString(Benchmark.RUNS.resolve(label + ".html"), html(label));
        Sampler.writeCsv(samples, Benchmark.RUNS.resolve(label + ".csv"));
        System.out.println(md);
    }

    private static double max(List<Sampler.Sample> list, ToDoubleFunction<Sampler.Sample> f) {
        return list.stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
    }

    /** Per second of acceptance (seconds since the core's start): propagation latency p50, p99 (ms), count. */
    private List<double[]> latencyOverTime() throws Exception {
        Instant coreStart = Instant.now().minusNanos(System.nanoTime() - b.stack.coreStartNanos);
        List<double[]> rows = new ArrayList<>();
        try (Connection c = b.stack.connect();
                PreparedStatement ps = c.prepareStatement(
                        """
                                select floor(extract(epoch from p.created_at) - ?) as s,
                                       percentile_cont(0.5) within group (order by extract(epoch from p.updated_at - p.created_at)) * 1000,
                                       percentile_cont(0.99) within group (order by extract(epoch from p.updated_at - p.created_at)) * 1000,
                                       count(*)
                                from propagation p where p.status = 'CONFIRMED' and p.subject_id not like 'bf-%'
                                group by 1 order by 1""")) {
            ps.setDouble(1, coreStart.toEpochMilli() / 1000.0);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new double[]{ rs.getDouble(1), rs.getDouble(2), rs.getDouble(3), rs.getDouble(4) });
                }
            }
        }
        return rows;
    }

    private String html(String label) throws Exception {
        StringBuilder h = new StringBuilder("<!doctype html><meta charset=utf-8><title>Benchmark " + label
                + "</title><style>body{font:14px sans-serif;margin:2em}svg{border:1px solid #ccc;margin:1em 0}"
                + "td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}</style><h1>Benchmark run "
                + esc(label) + "</h1><table><tr><th>figure<th>measured<th>ceiling<th>ratio<th>target<th>verdict");
        for (Row r : headline()) {
            h.append("<tr><td>").append(esc(r.figure())).append("<td>").append(esc(r.measured())).append("<td>")
                    .append(esc(r.ceiling())).append("<td>").append(esc(r.ratio())).append("<td>")
                    .append(esc(r.target())).append("<td>").append(esc(r.verdict().replace("*", "")));
        }
        h.append("</table><p>Flame graphs: ");
        b.steady.flameGraphs().forEach((name, path) -> h.append("<a href='")
                .append(esc(Benchmark.RUNS.relativize(path).toString())).append("'>").append(esc(name))
                .append("</a>; "));
        h.append("</p>");
        // per second: accepted changes, each role's CPU (cores) and its JIT compiler threads' share
        List<Double> t = new ArrayList<>();
        Map<String, List<Double>> rate = new LinkedHashMap<>();
        Map<String, List<Double>> cpu = new LinkedHashMap<>();
        rate.put("accepted changes/s", new ArrayList<>());
        for (int i = 1; i < samples.size(); i++) {
            Sampler.Sample a = samples.get(i - 1);
            Sampler.Sample s = samples.get(i);
            double dt = Math.max(1e-3, s.t() - a.t());
            t.add(s.t());
            rate.get("accepted changes/s").add((s.changes() - a.changes()) / dt);
            for (String role : s.cpu().keySet()) {
                cpu.computeIfAbsent(role + " CPU (cores)", k -> new ArrayList<>())
                        .add((s.cpu().get(role) - a.cpu().get(role)) / dt);
                cpu.computeIfAbsent(role + " JIT threads (cores)", k -> new ArrayList<>())
                        .add((s.jit().get(role) - a.jit().get(role)) / dt);
            }
        }
        h.append(chart("Changes accepted per second (x = seconds since the core's process start)", t, rate, false));
        h.append(chart("CPU of each role and of its JIT compiler threads, in cores", t, cpu, false));
        List<double[]> x = latencyOverTime();
        Map<String, List<Double>> percentiles = new LinkedHashMap<>();
        percentiles.put("p50", x.stream().map(r -> r[1]).toList());
        percentiles.put("p99", x.stream().map(r -> r[2]).toList());
        h.append(chart("Propagation latency by second of acceptance (ms; accepted -> CONFIRMED)",
                x.stream().map(r -> r[0]).toList(), percentiles, true));
        List<Double> ts = samples.stream().map(Sampler.Sample::t).toList();
        Map<String, List<Double>> lag = new LinkedHashMap<>();
        lag.put("outbox pending", samples.stream().map(Sampler.Sample::outboxPending).toList());
        for (String g : Sampler.GROUPS) {
            lag.put("lag " + g, samples.stream().map(s -> (double) s.lag().get(g)).toList());
        }
        h.append(chart("Outbox pending and consumer lag over the run (records)", ts, lag, false));
        Map<String, List<Double>> rss = new LinkedHashMap<>();
        for (String role : b.stack.roles.keySet()) {
            rss.put(role + " RSS (MiB)", samples.stream().map(s -> s.rss().get(role) / 1024.0).toList());
        }
        h.append(chart("Resident memory of each role (MiB)", ts, rss, false));
        h.append("<p>Phases (start second): ");
        String last = "";
        for (Sampler.Sample s : samples) {
            if (!s.phase().equals(last)) {
                h.append(esc(s.phase())).append(" @").append((long) s.t()).append("s; ");
                last = s.phase();
            }
        }
        return h.append("</p>").toString();
    }

    private static final String[] COLORS = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b" };

    /** A line chart as inline SVG; log scale optional. */
    static String chart(String title, List<Double> xs, Map<String, List<Double>> series, boolean log) {
        int w = 900;
        int hgt = 300;
        int pad = 50;
        if (xs.isEmpty()) {
            return "<h3>" + esc(title) + "</h3><p>no data</p>";
        }
        double xmin = xs.stream().mapToDouble(d -> d).min().orElse(0);
        double xmax = Math.max(xmin + 1, xs.stream().mapToDouble(d -> d).max().orElse(1));
        double ymax = series.values().stream().flatMap(List::stream).filter(d -> !d.isNaN() && !d.isInfinite())
                .mapToDouble(d -> d).max().orElse(1);
        double ymin = log ? Math.max(1, series.values().stream().flatMap(List::stream)
                .filter(d -> !d.isNaN() && d > 0).mapToDouble(d -> d).min().orElse(1)) : 0;
        ymax = Math.max(ymax, ymin + (log ? 1 : 1e-3));
        StringBuilder s = new StringBuilder("<h3>" + esc(title) + "</h3><svg width=" + w + " height=" + hgt + ">");
        final double fymin = ymin;
        final double fymax = ymax;
        java.util.function.DoubleUnaryOperator ty = v -> {
            double f = log ? (Math.log10(Math.max(v, fymin)) - Math.log10(fymin))
                    / (Math.log10(fymax) - Math.log10(fymin) + 1e-9) : v / fymax;
            return hgt - pad + 10 - f * (hgt - pad - 20);
        };
        for (int i = 0; i <= 4; i++) {
            double v = log ? Math.pow(10, Math.log10(ymin) + i * (Math.log10(ymax) - Math.log10(ymin)) / 4)
                    : ymax * i / 4;
            double y = ty.applyAsDouble(v);
            s.append(String.format(Locale.ROOT, "<line x1=%d x2=%d y1=%.1f y2=%.1f stroke=#eee />"
                    + "<text x=2 y=%.1f font-size=10>%s</text>", pad, w - 10, y, y, y + 3,
                    v >= 10 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v)));
        }
        s.append(String.format(Locale.ROOT, "<text x=%d y=%d font-size=10>%.0f s</text><text x=%d y=%d font-size=10>"
                + "%.0f s</text>", pad, hgt - 20, xmin, w - 60, hgt - 20, xmax));
        int c = 0;
        int legendX = pad + 10;
        for (var e : series.entrySet()) {
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < xs.size() && i < e.getValue().size(); i++) {
                double v = e.getValue().get(i);
                if (Double.isNaN(v) || Double.isInfinite(v)) {
                    continue;
                }
                double x = pad + (xs.get(i) - xmin) / (xmax - xmin) * (w - pad - 10);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, ty.applyAsDouble(v)));
            }
            String color = COLORS[c % COLORS.length];
            s.append("<polyline fill=none stroke-width=1.5 stroke='").append(color).append("' points='").append(pts)
                    .append("'/>");
            s.append(String.format(Locale.ROOT, "<text x=%d y=%d font-size=11 fill='%s'>%s</text>", legendX,
                    hgt - 5, color, esc(e.getKey())));
            legendX += 7 * e.getKey().length() + 16;
            c++;
        }
        return s.append("</svg>").toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }
}
