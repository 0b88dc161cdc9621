package io.omniservice.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** {@link StatementCache} on SQLite: a statement prepared once per connection, given back reset. */
class StatementCacheTest {
    @TempDir
    Path directory;

    private SQLiteDataSource sqlite;
    /** Every statement the driver prepared, in order. */
    private final List<PreparedStatement> prepared = new ArrayList<>();

    @BeforeEach
    void database() throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        sqlite = new SQLiteDataSource(config);
        sqlite.setUrl("jdbc:sqlite:" + directory.resolve("cache.sqlite"));
        try (Connection connection = sqlite.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            statement.execute("INSERT INTO t (v) VALUES ('a'), ('b'), ('c')");
        }
    }

    /** The cache over a data source that records what the driver prepared. */
    private DataSource cached(int capacity) {
        DataSource recording = (DataSource) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {DataSource.class}, (self, method, args) -> {
                    Connection connection = (Connection) invoke(sqlite, method, args);
                    if (!(method.getName().equals("getConnection"))) {
                        return connection;
                    }
                    return Proxy.newProxyInstance(
                            getClass().getClassLoader(), new Class<?>[] {Connection.class}, (c, m, a) -> {
                                Object result = invoke(connection, m, a);
                                if (result instanceof PreparedStatement statement) {
                                    prepared.add(statement);
                                }
                                return result;
                            });
                });
        return StatementCache.caching(recording, capacity);
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static String value(Connection connection, long id) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT v FROM t WHERE id = ?")) {
            statement.setLong(1, id);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }

    @Test
    void aTextPreparedAgainOnTheSameConnectionIsNotPreparedAgain() throws SQLException {
        try (Connection connection = cached(8).getConnection()) {
            assertThat(value(connection, 1)).isEqualTo("a");
            assertThat(value(connection, 2)).isEqualTo("b");
            assertThat(value(connection, 3)).isEqualTo("c");
        }
        assertThat(prepared).hasSize(1);
    }

    @Test
    void aStatementGivenBackHasItsParametersCleared() throws SQLException {
        try (Connection connection = cached(8).getConnection()) {
            try (PreparedStatement statement = connection.prepareStatement("SELECT ?")) {
                // bound, then given back unrun (as when the caller failed between binding and running)
                statement.setString(1, "left behind");
            }
            try (PreparedStatement statement = connection.prepareStatement("SELECT ?");
                    ResultSet rows = statement.executeQuery()) {
                rows.next();
                assertThat(rows.getString(1)).isNull();
            }
        }
    }

    @Test
    void aStatementGivenBackHasItsBatchCleared() throws SQLException {
        try (Connection connection = cached(8).getConnection()) {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO t (v) VALUES (?)")) {
                insert.setString(1, "left behind");
                insert.addBatch();
            }
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO t (v) VALUES (?)")) {
                assertThat(insert.executeBatch()).isEmpty();
            }
            assertThat(value(connection, 4)).isNull();
        }
    }

    @Test
    void aResultSetLeftOpenEndsItsReadWhenTheStatementIsGivenBack() throws SQLException {
        DataSource cache = cached(8);
        try (Connection reader = cache.getConnection();
                Connection writer = sqlite.getConnection()) {
            PreparedStatement statement = reader.prepareStatement("SELECT v FROM t ORDER BY id");
            ResultSet rows = statement.executeQuery();
            assertThat(rows.next()).isTrue();
            // closed with its rows half read: the reader's snapshot must go with it
            statement.close();
            try (Statement write = writer.createStatement()) {
                write.execute("INSERT INTO t (v) VALUES ('d')");
                try (ResultSet checkpoint = write.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                    checkpoint.next();
                    assertThat(checkpoint.getInt(1))
                            .as("checkpoint blocked by a reader")
                            .isZero();
                }
            }
            assertThat(value(reader, 4)).isEqualTo("d");
        }
    }

    @Test
    void theSameTextWhileItsStatementIsOutGetsAStatementOfItsOwnClosedByItsClose() throws SQLException {
        try (Connection connection = cached(8).getConnection()) {
            PreparedStatement outer = connection.prepareStatement("SELECT v FROM t WHERE id = ?");
            outer.setLong(1, 1);
            try (ResultSet rows = outer.executeQuery()) {
                rows.next();
                assertThat(value(connection, 2)).isEqualTo("b");
                assertThat(rows.getString(1)).isEqualTo("a");
            }
            outer.close();
            assertThat(prepared).hasSize(2);
            assertThat(prepared.get(0).isClosed()).isFalse();
            assertThat(prepared.get(1).isClosed()).isTrue();
            assertThat(outer.isClosed()).isTrue();
            assertThatThrownBy(outer::executeQuery).isInstanceOf(SQLException.class);
        }
    }

    @Test
    void pastItsCapacityAConnectionClosesTheStatementUsedLeastRecently() throws SQLException {
        try (Connection connection = cached(2).getConnection()) {
            connection.prepareStatement("SELECT 1").close();
            connection.prepareStatement("SELECT 2").close();
            connection.prepareStatement("SELECT 1").close();
            connection.prepareStatement("SELECT 3").close();
            assertThat(prepared).hasSize(3);
            assertThat(prepared.get(0).isClosed()).as("SELECT 1, used again").isFalse();
            assertThat(prepared.get(1).isClosed()).as("SELECT 2").isTrue();
            assertThat(prepared.get(2).isClosed()).isFalse();
        }
        assertThat(prepared)
                .allSatisfy(statement -> assertThat(statement.isClosed()).isTrue());
    }
}
