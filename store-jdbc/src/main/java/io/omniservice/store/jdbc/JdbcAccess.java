package io.omniservice.store.jdbc;

import io.omniservice.core.store.StorageException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Plain statements and transactions outside the group commit, for the store's smaller writes and its reads. */
final class JdbcAccess {
    private final DataSource dataSource;
    private final String relaxLeaseCommits;

    /** {@code relaxLeaseCommits}: run before each lease transaction (PostgreSQL: asynchronous commit), or null. */
    JdbcAccess(DataSource dataSource, String relaxLeaseCommits) {
        this.dataSource = dataSource;
        this.relaxLeaseCommits = relaxLeaseCommits;
    }

    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    @FunctionalInterface
    interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    @FunctionalInterface
    interface InTransaction<T> {
        T run(Connection connection) throws SQLException;
    }

    <T> List<T> query(String sql, Binder binder, RowReader<T> reader) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            binder.bind(statement);
            List<T> rows = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    rows.add(reader.read(rs));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new StorageException("query failed", e);
        }
    }

    int update(String sql, Binder binder) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            binder.bind(statement);
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw new StorageException("update failed", e);
        }
    }

    /**
     * A lease is not worth a disk flush: lost in a crash, the work is only leased again. One transaction
     * for the whole claim (not one commit per row), and PostgreSQL may acknowledge it before its WAL is flushed.
     */
    <T> T inLeaseTransaction(String failure, InTransaction<T> work) {
        try {
            return inTransaction(connection -> {
                if (relaxLeaseCommits != null) {
                    try (java.sql.Statement statement = connection.createStatement()) {
                        statement.execute(relaxLeaseCommits);
                    }
                }
                return work.run(connection);
            });
        } catch (StorageException e) {
            throw new StorageException(failure, e.getCause());
        }
    }

    <T> T inTransaction(InTransaction<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StorageException("transaction failed", e);
        }
    }
}
