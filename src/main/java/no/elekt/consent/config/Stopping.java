package no.elekt.consent.config;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduler;

/**
 * Once the service stops (SIGTERM), no scheduled job starts again: the database pool closes right after, and a sweep
 * started then would only fail ("Pool closed") and log an error on a clean shutdown.
 */
@Singleton
public class Stopping {

    private static final Logger LOG = Logger.getLogger(Stopping.class);

    private volatile boolean stopping;

    void onShutdown(@Observes @Priority(1) ShutdownEvent event, Scheduler scheduler) {
        stopping = true;
        try {
            scheduler.pause();
        } catch (RuntimeException e) {
            LOG.debugf("The scheduler could not be paused (already stopped?): %s", e);
        }
    }

    /** True once the service is stopping. */
    public boolean now() {
        return stopping;
    }
}
