package io.omniservice.store.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Keeps each connection's prepared statements, by their SQL, for the next {@code prepareStatement} of the same
 * text on that connection. SQLite's driver prepares every statement anew ({@code sqlite3_prepare}: parsing and
 * planning, which cost more than running most of our statements) and HikariCP keeps none by design, leaving it
 * to the driver; H2 keeps them itself ({@code QUERY_CACHE_SIZE}) and PostgreSQL's driver does too.
 *
 * <p>A statement handed out is the connection's until its {@code close()}, which gives it back: its open result
 * set closed (which resets it in SQLite, ending any read it held), its parameters and batch cleared. The same
 * text asked for while its statement is out gets a statement of its own, closed for real by its {@code close()};
 * so do the forms with generated keys or result-set options. Past {@code capacity} texts a connection closes the
 * statement used least recently. Closing the connection closes every statement it keeps.
 */
final class StatementCache {
    private StatementCache() {}

    /** Statements kept per connection: the store runs some sixty texts; the rest (ad hoc, Flyway's) come and go. */
    static final int CAPACITY = 128;

    /** {@code connections}, each connection keeping up to {@code capacity} statements. */
    static DataSource caching(DataSource connections, int capacity) {
        return new CachingDataSource(connections, capacity);
    }

    private record CachingDataSource(DataSource connections, int capacity) implements DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            return new CachingConnection(connections.getConnection(), capacity).proxy;
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return new CachingConnection(connections.getConnection(username, password), capacity).proxy;
        }

        @Override
        public PrintWriter getLogWriter() throws SQLException {
            return connections.getLogWriter();
        }

        @Override
        public void setLogWriter(PrintWriter out) throws SQLException {
            connections.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws SQLException {
            connections.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() throws SQLException {
            return connections.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return connections.getParentLogger();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            return type.isInstance(connections) ? type.cast(connections) : connections.unwrap(type);
        }

        @Override
        public boolean isWrapperFor(Class<?> type) throws SQLException {
            return type.isInstance(connections) || connections.isWrapperFor(type);
        }
    }

    /** One physical connection and the statements it keeps; used by one thread at a time, as a pool lends it. */
    private static final class CachingConnection implements InvocationHandler {
        private final Connection connection;
        private final Connection proxy;
        private final Map<String, Kept> kept;

        CachingConnection(Connection connection, int capacity) {
            this.connection = connection;
            this.proxy = (Connection) Proxy.newProxyInstance(
                    StatementCache.class.getClassLoader(), new Class<?>[] {Connection.class}, this);
            this.kept = new LinkedHashMap<>(32, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Kept> eldest) {
                    if (size() <= capacity) {
                        return false;
                    }
                    eldest.getValue().evict();
                    return true;
                }
            };
        }

        @Override
        public Object invoke(Object self, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if (name.equals("prepareStatement") && args.length == 1) {
                return prepare((String) args[0]);
            }
            if (name.equals("close") && args == null) {
                closeKept();
                connection.close();
                return null;
            }
            return call(connection, method, args);
        }

        private PreparedStatement prepare(String sql) throws SQLException {
            Kept statement = kept.get(sql);
            if (statement == null || statement.evicted) {
                statement = new Kept(connection.prepareStatement(sql), proxy);
                kept.put(sql, statement);
            } else if (statement.lent) {
                return connection.prepareStatement(sql);
            }
            statement.lent = true;
            return statement.proxy;
        }

        private void closeKept() {
            List<Kept> statements = new ArrayList<>(kept.values());
            kept.clear();
            for (Kept statement : statements) {
                statement.evict();
            }
        }
    }

    /** A kept statement, lent out or waiting. */
    private static final class Kept implements InvocationHandler {
        private final PreparedStatement statement;
        private final PreparedStatement proxy;
        private final Connection connection;
        private boolean lent;
        private boolean evicted;
        private ResultSet open;

        Kept(PreparedStatement statement, Connection connection) {
            this.statement = statement;
            this.connection = connection;
            this.proxy = (PreparedStatement) Proxy.newProxyInstance(
                    StatementCache.class.getClassLoader(), new Class<?>[] {PreparedStatement.class}, this);
        }

        @Override
        public Object invoke(Object self, Method method, Object[] args) throws Throwable {
            switch (method.getName()) {
                case "equals" -> {
                    return self == args[0];
                }
                case "hashCode" -> {
                    return System.identityHashCode(self);
                }
                case "toString" -> {
                    return "kept " + statement;
                }
                case "close" -> {
                    giveBack();
                    return null;
                }
                case "isClosed" -> {
                    return !lent || statement.isClosed();
                }
                case "getConnection" -> {
                    return connection;
                }
                case "executeQuery", "getResultSet", "getGeneratedKeys" -> {
                    requireLent();
                    Object rows = call(statement, method, args);
                    if (rows instanceof ResultSet set) {
                        open = set;
                    }
                    return rows;
                }
                default -> {
                    requireLent();
                    return call(statement, method, args);
                }
            }
        }

        private void requireLent() throws SQLException {
            if (!lent) {
                throw new SQLException("statement is closed");
            }
        }

        private void giveBack() throws SQLException {
            if (!lent) {
                return;
            }
            lent = false;
            try {
                if (open != null) {
                    open.close();
                    open = null;
                }
                // JDBC keeps the two apart; sqlite-jdbc's clearBatch empties the bound parameters as well
                statement.clearParameters();
                statement.clearBatch();
            } catch (SQLException | RuntimeException e) {
                // a statement that cannot be reset is not lent again
                evicted = true;
                throw e;
            } finally {
                if (evicted) {
                    statement.close();
                }
            }
        }

        /** No longer kept: closed now if waiting, or when given back. */
        void evict() {
            evicted = true;
            if (!lent) {
                try {
                    statement.close();
                } catch (SQLException e) {
                    // closing a statement the connection no longer keeps: nothing left to release
                }
            }
        }
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
