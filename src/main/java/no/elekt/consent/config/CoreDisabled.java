package no.elekt.consent.config;

import jakarta.inject.Singleton;

import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;

/** Skips a scheduled job of the core in an instance that does not run the core (an adapter deployment). */
@Singleton
public class CoreDisabled implements Scheduled.SkipPredicate {

    private final RoleSwitches roles;

    CoreDisabled(RoleSwitches roles) {
        this.roles = roles;
    }

    @Override
    public boolean test(ScheduledExecution execution) {
        return !roles.coreRuns();
    }
}
