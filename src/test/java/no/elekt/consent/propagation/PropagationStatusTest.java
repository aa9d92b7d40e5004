package no.elekt.consent.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** One definition of the open statuses, the same in Java and as the SQL parameter. */
@Tag("unit")
class PropagationStatusTest {

    @Test
    void pendingAwaitingManualAndFailedAreOpenTheRestClosed() {
        assertThat(PropagationStatus.OPEN).containsExactlyInAnyOrder(PropagationStatus.PENDING,
                PropagationStatus.AWAITING_MANUAL, PropagationStatus.FAILED);
        assertThat(Arrays.stream(PropagationStatus.values()).filter(PropagationStatus::isOpen))
                .containsExactlyInAnyOrderElementsOf(PropagationStatus.OPEN);
    }

    @Test
    void theSqlParameterNamesExactlyTheOpenStatuses() {
        assertThat(PropagationStatus.openNames()).containsExactlyInAnyOrder("PENDING", "AWAITING_MANUAL", "FAILED");
    }

    @Test
    void theSqlParameterCannotBeChangedByItsUser() {
        PropagationStatus.openNames()[0] = "CONFIRMED";
        assertThat(PropagationStatus.openNames()).doesNotContain("CONFIRMED");
    }
}
