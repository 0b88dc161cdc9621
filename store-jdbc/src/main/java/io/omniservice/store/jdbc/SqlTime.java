package io.omniservice.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Instants at the microsecond precision every database keeps: {@code TIMESTAMP WITH TIME ZONE} on
 * PostgreSQL and H2, microseconds since the epoch on SQLite ({@link SqlDialect}).
 */
final class SqlTime {
    private SqlTime() {}

    /** The instant as the database will store it, so what we return and put in cursors equals what is stored. */
    static Instant stored(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.MICROS);
    }

    static void set(PreparedStatement statement, int index, Instant instant) throws SQLException {
        SqlDialect.of(statement).setTime(statement, index, stored(instant));
    }

    static Instant get(ResultSet row, String column) throws SQLException {
        return SqlDialect.of(row).time(row, column);
    }
}
