package io.omniservice.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.sql.Wrapper;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What the store writes differently per database: PostgreSQL and H2 (in MODE=PostgreSQL) speak one dialect,
 * SQLite another. Everything else the stores say is written once for all three. The dialect is told by the
 * JDBC object at hand, so statements need no store to carry it.
 */
enum SqlDialect {
    /** PostgreSQL, and H2 in MODE=PostgreSQL: timestamps with time zone, arrays, row locks. */
    POSTGRESQL("classpath:db/migration") {
        @Override
        void setTime(PreparedStatement statement, int index, Instant instant) throws SQLException {
            if (instant == null) {
                statement.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                statement.setObject(index, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
            }
        }

        @Override
        Instant time(ResultSet row, String column) throws SQLException {
            OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
            return value == null ? null : value.toInstant();
        }

        @Override
        UUID uuid(ResultSet row, String column) throws SQLException {
            return row.getObject(column, UUID.class);
        }

        @Override
        String forUpdate() {
            return " FOR UPDATE";
        }

        @Override
        String idTable() {
            return "UNNEST(CAST(? AS VARCHAR ARRAY)) AS k(id)";
        }

        @Override
        void setIds(PreparedStatement statement, int index, List<String> ids) throws SQLException {
            statement.setArray(index, statement.getConnection().createArrayOf("varchar", ids.toArray()));
        }

        @Override
        KeyedInsert keyedInsert(Connection connection, String insert, String key) throws SQLException {
            PreparedStatement statement = connection.prepareStatement(insert, new String[] {key});
            return new KeyedInsert(statement) {
                @Override
                void add() throws SQLException {
                    statement.addBatch();
                }

                @Override
                List<Long> run() throws SQLException {
                    statement.executeBatch();
                    List<Long> keys = new ArrayList<>();
                    try (ResultSet rs = statement.getGeneratedKeys()) {
                        while (rs.next()) {
                            keys.add(rs.getLong(1));
                        }
                    }
                    return keys;
                }
            };
        }
    },

    /**
     * SQLite: no timestamp type, so an instant is an INTEGER of microseconds since the epoch (the precision
     * the other two keep; it orders and compares as the instant does). No arrays: a JSON array read with
     * {@code json_each}. No row locks: every write transaction begins IMMEDIATE, holding the database's one
     * write lock from its first statement, which is more than {@code FOR UPDATE} asked for. Keys of a batched
     * insert are not reported, so each row is inserted alone with {@code RETURNING} (in-process, a statement
     * costs no round trip).
     */
    SQLITE("classpath:db/sqlite") {
        @Override
        void setTime(PreparedStatement statement, int index, Instant instant) throws SQLException {
            if (instant == null) {
                statement.setNull(index, Types.BIGINT);
            } else {
                statement.setLong(index, ChronoUnit.MICROS.between(Instant.EPOCH, instant));
            }
        }

        @Override
        Instant time(ResultSet row, String column) throws SQLException {
            long micros = row.getLong(column);
            return row.wasNull() ? null : Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
        }

        @Override
        UUID uuid(ResultSet row, String column) throws SQLException {
            String value = row.getString(column);
            return value == null ? null : UUID.fromString(value);
        }

        @Override
        String forUpdate() {
            return "";
        }

        @Override
        String idTable() {
            return "(SELECT value AS id FROM json_each(?)) AS k";
        }

        @Override
        void setIds(PreparedStatement statement, int index, List<String> ids) throws SQLException {
            statement.setString(index, JsonText.write(ids));
        }

        @Override
        KeyedInsert keyedInsert(Connection connection, String insert, String key) throws SQLException {
            PreparedStatement statement = connection.prepareStatement(insert + " RETURNING " + key);
            List<Long> keys = new ArrayList<>();
            return new KeyedInsert(statement) {
                @Override
                void add() throws SQLException {
                    try (ResultSet rs = statement.executeQuery()) {
                        rs.next();
                        keys.add(rs.getLong(1));
                    }
                }

                @Override
                List<Long> run() {
                    return List.copyOf(keys);
                }
            };
        }
    };

    private final String migrations;

    SqlDialect(String migrations) {
        this.migrations = migrations;
    }

    /** The dialect of the database behind a connection, statement or result set (pooled or not). */
    static SqlDialect of(Wrapper jdbc) throws SQLException {
        Class<?> sqlite =
                switch (jdbc) {
                    case Connection connection -> org.sqlite.SQLiteConnection.class;
                    case java.sql.Statement statement -> org.sqlite.core.CoreStatement.class;
                    case ResultSet rows -> org.sqlite.core.CoreResultSet.class;
                    default -> throw new IllegalArgumentException("not a connection, statement or result set: " + jdbc);
                };
        return jdbc.isWrapperFor(sqlite) ? SQLITE : POSTGRESQL;
    }

    /** Where this dialect's Flyway migrations are. */
    String migrations() {
        return migrations;
    }

    /** Binds an instant, already {@link SqlTime#stored}; null binds NULL. */
    abstract void setTime(PreparedStatement statement, int index, Instant instant) throws SQLException;

    /** An instant written by {@link #setTime}, or null. */
    abstract Instant time(ResultSet row, String column) throws SQLException;

    abstract UUID uuid(ResultSet row, String column) throws SQLException;

    /** What ends a SELECT that locks the rows it reads until the transaction ends. */
    abstract String forUpdate();

    /** A FROM item: the rows {@code k.id} of one parameter bound by {@link #setIds}. */
    abstract String idTable();

    abstract void setIds(PreparedStatement statement, int index, List<String> ids) throws SQLException;

    /** An INSERT run once per row bound, which reports each row's generated {@code key} in order. */
    abstract KeyedInsert keyedInsert(Connection connection, String insert, String key) throws SQLException;

    /** An insert whose rows' keys are wanted: bind the statement, {@link #add()}, and at the end {@link #run()}. */
    abstract static class KeyedInsert implements AutoCloseable {
        private final PreparedStatement statement;

        KeyedInsert(PreparedStatement statement) {
            this.statement = statement;
        }

        PreparedStatement statement() {
            return statement;
        }

        /** Takes the row bound now. */
        abstract void add() throws SQLException;

        /** Writes what is not written yet; the keys of every row added, in the order added. */
        abstract List<Long> run() throws SQLException;

        @Override
        public void close() throws SQLException {
            statement.close();
        }
    }
}
