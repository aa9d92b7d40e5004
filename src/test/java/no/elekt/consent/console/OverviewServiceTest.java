package no.elekt.consent.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import no.elekt.consent.console.Overview.RightsDue;
import no.elekt.consent.ledger.ConsentRecordRepository;
import no.elekt.consent.propagation.PropagationRepository;
import no.elekt.consent.rights.RightsRequestRepository.Due;

/** The overview's pure parts: rights requests by days left, and charts with every bucket of the window. */
@Tag("unit")
class OverviewServiceTest {

    static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

    @Test
    void openRightsRequestsAreCountedByWholeDaysLeftOverdueFirst() {
        RightsDue due = OverviewService.rightsDue(List.of(due(Duration.ofHours(-1)), due(Duration.ofHours(1)),
                due(Duration.ofDays(7).minusMinutes(1)), due(Duration.ofDays(7)), due(Duration.ofDays(13)),
                due(Duration.ofDays(14)), due(Duration.ofDays(29)), due(Duration.ofDays(30))), NOW);

        assertThat(List.of(due.overdue(), due.within7Days(), due.within14Days(), due.within30Days(), due.later()))
                .containsExactly(1L, 2L, 2L, 2L, 1L);
        assertThat(due.soonest()).hasSize(8);
        assertThat(due.soonest().get(0).overdue()).isTrue();
        assertThat(due.soonest().get(1).daysLeft()).isZero();
    }

    @Test
    void chartsHaveEveryBucketOfTheWindowThoseWithoutDataAsZeroOrNone() {
        Instant since = NOW.minusSeconds(600L * (OverviewService.BUCKETS - 1));
        var accepted = OverviewService.accepted(List.of(new ConsentRecordRepository.Accepted(since.plusSeconds(600),
                7)), since, 600);
        var latency = OverviewService.latency(List.of(new PropagationRepository.Latency(NOW, 3, 0.2, 1.5)), since,
                600);

        assertThat(accepted).hasSize(OverviewService.BUCKETS);
        assertThat(accepted.get(0).changes()).isZero();
        assertThat(accepted.get(1).changes()).isEqualTo(7);
        assertThat(latency).hasSize(OverviewService.BUCKETS);
        assertThat(latency.get(0).p95Seconds()).isNull();
        assertThat(latency.get(OverviewService.BUCKETS - 1).p95Seconds()).isEqualTo(1.5);
        assertThat(latency.get(OverviewService.BUCKETS - 1).at()).isEqualTo(NOW);
    }

    private static Due due(Duration left) {
        return new Due(UUID.randomUUID(), "subject-1", "ERASURE", NOW.plus(left));
    }
}
