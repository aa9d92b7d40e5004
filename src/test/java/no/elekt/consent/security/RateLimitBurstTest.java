package no.elekt.consent.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The configured burst is what a client may send at once, beyond its sustained rate. */
@Tag("unit")
class RateLimitBurstTest {

    record Limits(double perSecond, int burst, Map<String, Double> clients, Map<String, Integer> clientBursts)
            implements
                ClientRateLimit.Limits {
    }

    @Test
    void aClientMaySendItsBurstAtOnceThenItsRate() {
        ClientRateLimit.Bucket bucket = ClientRateLimit.bucket(new Limits(500, 1000, Map.of(), Map.of()), "app");
        int taken = 0;
        while (bucket.tryTake()) {
            taken++;
        }
        // 1,000 at once, plus the few the rate refills while taking them
        assertThat(taken).isBetween(1000, 1100);
    }

    @Test
    void aClientWithItsOwnRateHasItsOwnBurst() {
        ClientRateLimit.Bucket bucket = ClientRateLimit.bucket(
                new Limits(500, 1000, Map.of("flood", 5.0), Map.of("flood", 5)), "flood");
        int taken = 0;
        while (bucket.tryTake()) {
            taken++;
        }
        assertThat(taken).isBetween(5, 6);
    }
}
