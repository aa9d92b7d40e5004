package no.elekt.consent.problem;

/** Which failures are worth retrying: the database or the network away for a while, not bad data. */
public final class Failures {

    private Failures() {
    }

    /** The database is down or unreachable: nothing was committed, and the same work will succeed later. */
    public static boolean databaseUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // a SocketException: the connection reset or broken under a query (ConnectException is one too)
            if (t instanceof java.net.SocketException || t instanceof io.vertx.sqlclient.ClosedConnectionException
                    || t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
            // SQLSTATE class 08 (connection exception) and 57P01-57P03 (shutting down, cannot connect now)
            String state = sqlState(t);
            if (state != null && (state.startsWith("08") || state.startsWith("57P"))) {
                return true;
            }
            // the client's own words for a connection closed under a query (the server shutting down), and for the
            // statements queued behind it on the connection, never sent
            if (t.getMessage() != null && (t.getMessage().contains("Pool closed")
                    || t.getMessage().startsWith("Connection is not active now")
                    || t.getMessage().startsWith("Pending requests failed to be sent"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Retry the database being away and transaction conflicts (class 40: serialization failure, deadlock); anything
     * else (bad data, a bug) is not cured by waiting and goes to the dead-letter topic, where ops see it.
     */
    public static boolean isTransient(Throwable e) {
        if (e instanceof InvalidFieldException || e instanceof ProblemException) {
            return false;
        }
        if (databaseUnavailable(e)) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String state = sqlState(t);
            if (state != null) {
                return state.startsWith("40");
            }
        }
        return false;
    }

    /**
     * Our own infrastructure away for a while: the database ({@link #isTransient}) or Kafka (an error the Kafka client
     * itself calls retriable: time-outs, a leader moving, the network). Anything else (a value too long for its
     * column, a constraint, a record too large) fails the same way each time.
     */
    public static boolean infrastructureTransient(Throwable e) {
        if (isTransient(e)) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.RetriableException
                    || t instanceof org.apache.kafka.common.errors.InterruptException) {
                return true;
            }
        }
        return false;
    }

    private static String sqlState(Throwable t) {
        if (t instanceof io.vertx.pgclient.PgException pg) {
            return pg.getSqlState();
        }
        if (t instanceof java.sql.SQLException sql) {
            return sql.getSQLState();
        }
        return null;
    }
}
