package no.elekt.consent.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.vertx.core.impl.NoStackTraceThrowable;

/** Which failures mean the database is away (a 503 the client re-sends), not a bug (a 500). */
@Tag("unit")
class FailuresTest {

    @Test
    void aPooledConnectionClosedByADatabaseShuttingDownIsTheDatabaseAway() {
        // what the Vert.x pool fails a query with when PostgreSQL stops under it (seen in FaultsIT postgres-restart)
        Throwable closed = new NoStackTraceThrowable("Connection is not active now, current status: CLOSED");

        assertThat(Failures.databaseUnavailable(closed)).isTrue();
        assertThat(Failures.databaseUnavailable(new CompletionException(closed))).isTrue();
        assertThat(Failures.isTransient(closed)).isTrue();
    }

    @Test
    void aConnectionResetByADatabaseShuttingDownIsTheDatabaseAway() {
        // seen in FaultsIT postgres-restart: a receipt poll failed with it and went to the dead-letter topic, so its
        // propagation stayed open; two REST changes were answered 500 instead of 503
        Throwable reset = new java.net.SocketException("Connection reset");

        assertThat(Failures.databaseUnavailable(new CompletionException(reset))).isTrue();
        assertThat(Failures.isTransient(reset)).isTrue();
    }

    @Test
    void statementsQueuedOnAConnectionThatClosedAreTheDatabaseAway() {
        // seen in FaultsIT postgres-restart once a change's statements travel together: those not yet sent fail so
        Throwable pending = new io.vertx.core.VertxException(
                "Pending requests failed to be sent due to connection has been closed.");

        assertThat(Failures.databaseUnavailable(new CompletionException(pending))).isTrue();
        assertThat(Failures.isTransient(pending)).isTrue();
    }

    @Test
    void anUnexpectedFailureIsNotTheDatabaseAway() {
        assertThat(Failures.databaseUnavailable(new IllegalStateException("a bug"))).isFalse();
    }
}
