package no.elekt.consent.config;

import jakarta.inject.Singleton;

import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;

/**
 * Skips a scheduled job of the core in an instance that does not run the core (an adapter deployment), and in one
 * that is stopping.
 */
@Singleton
public class CoreDisabled implements Scheduled.SkipPredicate {

    private final RoleSwitches roles;
    private final Stopping stopping;

    CoreDisabled(RoleSwitches roles, Stopping stopping) {
        this.roles = roles;
        this.stopping = stopping;
    }

    @Override
    public boolean test(ScheduledExecution execution) {
        return !roles.coreRuns() || stopping.now();
    }
}
