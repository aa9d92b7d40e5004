package no.elekt.consent.testinfra;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Plain JDBC into the service's database, for assertions on what was (not) stored. */
public final class Db {

    private Db() {
    }

    public static long count(String sql, Object... params) {
        try (Connection c = DriverManager.getConnection(Infra.jdbcUrl(), "postgres", "postgres");
                PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String string(String sql, Object... params) {
        byte[] value = bytes(sql, params);
        return value == null ? null : new String(value, java.nio.charset.StandardCharsets.UTF_8);
    }

    public static byte[] bytes(String sql, Object... params) {
        try (Connection c = DriverManager.getConnection(Infra.jdbcUrl(), "postgres", "postgres");
                PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next() ? rs.getBytes(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static int update(String sql, Object... params) {
        try (Connection c = DriverManager.getConnection(Infra.jdbcUrl(), "postgres", "postgres");
                PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rows the service wrote for a subject, in every table that holds subject data. */
    public static long rowsFor(String subjectId) {
        return count("""
                select (select count(*) from consent_record where subject_id = ?)
                     + (select count(*) from consent_state where subject_id = ?)
                     + (select count(*) from propagation where subject_id = ?)
                     + (select count(*) from subject_identifier where subject_id = ?)
                     + (select count(*) from outbox_event where message_key = ?)""",
                subjectId, subjectId, subjectId, subjectId, subjectId);
    }
}
