package no.elekt.consent.adapter;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import no.elekt.consent.drift.Drift;
import no.elekt.consent.drift.DriftRepository;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.identifiers.IdentifierStore;

/**
 * Compares what an adapter last applied per subject and purpose ({@code adapter_applied_version}) with what its
 * processor holds, and records drift in {@code adapter_drift} through its owner (one open row per subject and purpose; closed with
 * {@code resolved_at} when it ends), in the gauge {@code consent_adapter_drift{processor}} and in the log (subject
 * ids and purposes only). The subjects' identifier values are read through the core's {@link IdentifierStore},
 * read-only. Re-issuing a directive for a drifted subject is the core's (ops), from {@code adapter_drift}.
 */
@ApplicationScoped
public class Reconciliation {

    private static final Logger LOG = Logger.getLogger(Reconciliation.class);

    /** What one run found. */
    public record Report(int subjectsChecked, int drifted, int resolved) {
    }

    private final Pool pool;
    private final IdentifierStore identifiers;
    private final DriftRepository driftRecord;
    private final MeterRegistry metrics;
    private final Map<String, AtomicLong> openDrift = new ConcurrentHashMap<>();

    Reconciliation(Pool pool, IdentifierStore identifiers, DriftRepository driftRecord, MeterRegistry metrics) {
        this.pool = pool;
        this.identifiers = identifiers;
        this.driftRecord = driftRecord;
        this.metrics = metrics;
    }

    private record Applied(String subjectId, String purpose, long version, DirectiveAction action) {
    }

    /** One full comparison, page by page of subjects. */
    public Uni<Report> run(Reconcilable processor, int pageSize) {
        String p = processor.processor();
        OffsetDateTime started = OffsetDateTime.now(ZoneOffset.UTC);
        int[] counts = new int[3];
        return pool.preparedQuery("insert into adapter_reconciliation_run (processor, started_at) values ($1, $2) "
                + "returning id").execute(Tuple.of(p, started)).map(rows -> rows.iterator().next().getLong("id"))
                .chain(runId -> processor.readHoldings()
                        .chain(holdings -> page(processor, holdings, "", pageSize, counts))
                        .chain(() -> driftRecord.resolveNotSeenSince(pool, p, started)
                                .invoke(resolved -> counts[2] = resolved))
                        .chain(() -> finish(runId, counts, "completed"))
                        .onFailure().call(e -> finish(runId, counts, "failed: " + e.getClass().getSimpleName()))
                        .chain(() -> countOpen(p)))
                .map(x -> new Report(counts[0], counts[1], counts[2]))
                .invoke(report -> {
                    metrics.counter("consent_adapter_reconciliation_runs", "processor", p, "outcome", "completed")
                            .increment();
                    LOG.infof("Reconciliation %s: %d subject(s) compared, %d drifted, %d drift(s) ended", p,
                            report.subjectsChecked(), report.drifted(), report.resolved());
                })
                .onFailure().invoke(e -> {
                    metrics.counter("consent_adapter_reconciliation_runs", "processor", p, "outcome", "failed")
                            .increment();
                    LOG.errorf("Reconciliation %s failed: %s", p, e.getMessage());
                });
    }

    private Uni<Void> page(Reconcilable processor, Reconcilable.Holdings holdings, String after, int pageSize,
            int[] counts) {
        return pool.preparedQuery("""
                select subject_id, purpose, version, action from adapter_applied_version
                where processor = $1 and subject_id in (
                    select distinct subject_id from adapter_applied_version
                    where processor = $1 and subject_id > $2 order by subject_id limit $3)
                order by subject_id, purpose""")
                .execute(Tuple.of(processor.processor(), after, pageSize))
                .chain(rows -> {
                    List<Applied> applied = new ArrayList<>();
                    for (Row row : rows) {
                        String action = row.getString("action");
                        if (action != null) {
                            applied.add(new Applied(row.getString("subject_id"), row.getString("purpose"),
                                    row.getLong("version"), DirectiveAction.valueOf(action)));
                        }
                    }
                    if (!rows.iterator().hasNext()) {
                        return Uni.createFrom().voidItem();
                    }
                    String last = rows.iterator().next().getString("subject_id");
                    for (Row row : rows) {
                        last = row.getString("subject_id");
                    }
                    String next = last;
                    return compare(processor, holdings, applied, counts)
                            .chain(() -> page(processor, holdings, next, pageSize, counts));
                });
    }

    private Uni<Void> compare(Reconcilable processor, Reconcilable.Holdings holdings, List<Applied> applied,
            int[] counts) {
        Map<String, List<Applied>> bySubject = new java.util.LinkedHashMap<>();
        applied.forEach(a -> bySubject.computeIfAbsent(a.subjectId(), s -> new ArrayList<>()).add(a));
        Uni<Void> all = Uni.createFrom().voidItem();
        for (Map.Entry<String, List<Applied>> subject : bySubject.entrySet()) {
            all = all.chain(() -> identifiers.load(pool, subject.getKey()).chain(values -> {
                List<String> held = values.getOrDefault(processor.identifierType(), List.of());
                if (held.isEmpty()) {
                    return Uni.createFrom().voidItem(); // purged or never known: nothing to compare
                }
                counts[0]++;
                List<Drift.Found> drifts = new ArrayList<>();
                List<DriftRepository.Agreeing> agreeing = new ArrayList<>();
                OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
                for (Applied a : subject.getValue()) {
                    Reconcilable.Drift drift = holdings.compare(a.purpose(), a.action(), held);
                    if (drift == null) {
                        agreeing.add(new DriftRepository.Agreeing(processor.processor(), a.subjectId(), a.purpose()));
                    } else {
                        counts[1]++;
                        LOG.warnf("Drift at %s: subject %s, purpose %s (version %d, %s): expected %s, found %s",
                                processor.processor(), a.subjectId(), a.purpose(), a.version(), a.action(),
                                drift.expected(), drift.found());
                        drifts.add(new Drift.Found(processor.processor(), a.subjectId(), a.purpose(), a.version(),
                                a.action().name(), drift.expected(), drift.found()));
                    }
                }
                return driftRecord.record(pool, drifts, now).chain(() -> driftRecord.resolve(pool, agreeing, now));
            }));
        }
        return all;
    }

    private Uni<Void> finish(long runId, int[] counts, String outcome) {
        return pool.preparedQuery("""
                update adapter_reconciliation_run set finished_at = now(), subjects_checked = $2, drifted = $3,
                    outcome = $4 where id = $1""")
                .execute(Tuple.of(runId, counts[0], counts[1], outcome)).replaceWithVoid();
    }

    private Uni<Void> countOpen(String processor) {
        return driftRecord.countOpen(pool, processor)
                .invoke(open -> openDrift.computeIfAbsent(processor, p -> metrics.gauge("consent_adapter_drift",
                        io.micrometer.core.instrument.Tags.of("processor", p), new AtomicLong())).set(open))
                .replaceWithVoid();
    }
}
