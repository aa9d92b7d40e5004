package no.elekt.consent.adapter;

import java.time.Duration;

/** Spaces calls evenly at a given rate: each call reserves the next free slot and waits for it. */
final class RateLimiter {

    private final long intervalNanos;
    private long nextFree = System.nanoTime();

    RateLimiter(double permitsPerSecond) {
        this.intervalNanos = permitsPerSecond <= 0 ? 0 : (long) (1_000_000_000L / permitsPerSecond);
    }

    /** How long the caller must wait before its call; zero when unlimited or a slot is free. */
    synchronized Duration reserve() {
        if (intervalNanos == 0) {
            return Duration.ZERO;
        }
        long now = System.nanoTime();
        long slot = Math.max(now, nextFree);
        nextFree = slot + intervalNanos;
        return Duration.ofNanos(slot - now);
    }
}
