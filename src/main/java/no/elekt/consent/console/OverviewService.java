package no.elekt.consent.console;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import no.elekt.consent.console.Overview.AcceptedPoint;
import no.elekt.consent.console.Overview.DueRequest;
import no.elekt.consent.console.Overview.LatencyPoint;
import no.elekt.consent.console.Overview.ProcessorWork;
import no.elekt.consent.console.Overview.RightsDue;
import no.elekt.consent.console.Overview.WorkRow;
import no.elekt.consent.ledger.ConsentRecordRepository;
import no.elekt.consent.policy.Policy;
import no.elekt.consent.propagation.PropagationRepository;
import no.elekt.consent.propagation.PropagationRepository.OpenCount;
import no.elekt.consent.propagation.PropagationStatus;
import no.elekt.consent.propagation.PropagationTracker;
import no.elekt.consent.rights.RightsRequestRepository;

/** Builds the overview from the owners of the tables, the outbox gauges and Kafka's dead-letter topics. */
@ApplicationScoped
class OverviewService {

    private static final Logger LOG = Logger.getLogger(OverviewService.class);

    /** The charts have this many bars, whatever the window. */
    static final int BUCKETS = 36;
    static final int WORK_LIST_SIZE = 50;
    static final int SOONEST_REQUESTS = 20;

    private final PropagationRepository propagations;
    private final PropagationTracker tracker;
    private final RightsRequestRepository requests;
    private final ConsentRecordRepository records;
    private final DeadLetterBacklog deadLetters;
    private final MeterRegistry metrics;
    private final Policy policy;
    private final Pool pool;

    OverviewService(PropagationRepository propagations, PropagationTracker tracker, RightsRequestRepository requests,
            ConsentRecordRepository records, DeadLetterBacklog deadLetters, MeterRegistry metrics, Policy policy,
            Pool pool) {
        this.propagations = propagations;
        this.tracker = tracker;
        this.requests = requests;
        this.records = records;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.policy = policy;
        this.pool = pool;
    }

    Uni<Overview> overview(Overview.Viewer viewer, int hours) {
        Instant now = Instant.now();
        int bucketSeconds = hours * 3600 / BUCKETS;
        Instant since = Instant.ofEpochSecond((now.getEpochSecond() / bucketSeconds - BUCKETS + 1) * bucketSeconds);
        return Uni.combine().all().unis(
                propagations.openByProcessorAndStatus(pool).map(this::byProcessor),
                propagations.requestsWithOpenWork(pool).chain(open -> requests.deadlines(pool, open))
                        .map(due -> rightsDue(due, now)),
                // Kafka away must not take the overview with it (that is when ops need it): null = not known now
                deadLetters.counts().map(counts -> counts.stream()
                        .map(c -> new Overview.DeadLetters(c.topic(), c.held(), c.waiting())).toList())
                        .onFailure().invoke(e -> LOG.warnf("Dead letters not counted: %s", e.getMessage()))
                        .onFailure().recoverWithNull(),
                records.acceptedPerBucket(pool, since, bucketSeconds).map(a -> accepted(a, since, bucketSeconds)),
                propagations.latency(pool, since, bucketSeconds).map(l -> latency(l, since, bucketSeconds)),
                workLists(now))
                .with((processors, rights, dlq, accepted, latency, work) -> new Overview(now, viewer, processors,
                        rights, backlog(), dlq, bucketSeconds, accepted, latency, work));
    }

    /** Every processor of the policy, those without open work too. */
    private List<ProcessorWork> byProcessor(List<OpenCount> counts) {
        Map<String, long[]> sums = new TreeMap<>();
        policy.processors().keySet().forEach(p -> sums.put(p, new long[4]));
        for (OpenCount c : counts) {
            long[] s = sums.computeIfAbsent(c.processor(), p -> new long[4]);
            int column = switch (c.status()) {
                case PENDING -> 0;
                case AWAITING_MANUAL -> 1;
                default -> 2;
            };
            s[column] += c.count();
            s[3] += c.overdue();
        }
        return sums.entrySet().stream()
                .map(e -> new ProcessorWork(e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2],
                        e.getValue()[3]))
                .toList();
    }

    static RightsDue rightsDue(List<RightsRequestRepository.Due> open, Instant now) {
        long[] buckets = new long[5];
        List<DueRequest> soonest = new ArrayList<>();
        for (RightsRequestRepository.Due due : open) {
            boolean overdue = due.deadline().isBefore(now);
            long daysLeft = Duration.between(now, due.deadline()).toDays();
            buckets[overdue ? 0 : daysLeft < 7 ? 1 : daysLeft < 14 ? 2 : daysLeft < 30 ? 3 : 4]++;
            if (soonest.size() < SOONEST_REQUESTS) {
                soonest.add(new DueRequest(due.requestId(), due.subjectId(), due.type(), due.deadline(), daysLeft,
                        overdue));
            }
        }
        return new RightsDue(buckets[0], buckets[1], buckets[2], buckets[3], buckets[4], soonest);
    }

    /** Every bucket of the window, those without a change as zero. */
    static List<AcceptedPoint> accepted(List<ConsentRecordRepository.Accepted> found, Instant since, int seconds) {
        Map<Instant, Long> byBucket = found.stream().collect(Collectors.toMap(
                ConsentRecordRepository.Accepted::bucket, ConsentRecordRepository.Accepted::changes));
        return buckets(since, seconds).stream().map(at -> new AcceptedPoint(at, byBucket.getOrDefault(at, 0L)))
                .toList();
    }

    static List<LatencyPoint> latency(List<PropagationRepository.Latency> found, Instant since, int seconds) {
        Map<Instant, PropagationRepository.Latency> byBucket = found.stream()
                .collect(Collectors.toMap(PropagationRepository.Latency::bucket, Function.identity()));
        return buckets(since, seconds).stream().map(at -> {
            PropagationRepository.Latency l = byBucket.get(at);
            return l == null ? new LatencyPoint(at, 0, null, null)
                    : new LatencyPoint(at, l.closed(), l.p50Seconds(), l.p95Seconds());
        }).toList();
    }

    private static List<Instant> buckets(Instant since, int seconds) {
        List<Instant> all = new ArrayList<>(BUCKETS);
        for (int i = 0; i < BUCKETS; i++) {
            all.add(since.plusSeconds((long) i * seconds));
        }
        return all;
    }

    private Uni<Overview.WorkLists> workLists(Instant now) {
        return Uni.combine().all().unis(
                tracker.list(PropagationStatus.AWAITING_MANUAL, null, false, null, null, WORK_LIST_SIZE),
                tracker.list(PropagationStatus.FAILED, null, false, null, null, WORK_LIST_SIZE),
                tracker.list(null, null, true, null, null, WORK_LIST_SIZE))
                .with((manual, failed, overdue) -> new Overview.WorkLists(
                        manual.stream().map(p -> WorkRow.of(p, now)).toList(),
                        failed.stream().map(p -> WorkRow.of(p, now)).toList(),
                        overdue.stream().map(p -> WorkRow.of(p, now)).toList()));
    }

    /** From the gauges the outbox monitor refreshes every consent.monitor.interval. */
    private Overview.Backlog backlog() {
        Map<String, Long> values = new HashMap<>();
        for (String name : List.of("consent_outbox_pending", "consent_outbox_oldest_age_seconds")) {
            Gauge gauge = metrics.find(name).gauge();
            values.put(name, gauge == null ? 0 : (long) gauge.value());
        }
        return new Overview.Backlog(values.get("consent_outbox_pending"),
                values.get("consent_outbox_oldest_age_seconds"));
    }
}
