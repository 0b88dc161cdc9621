package io.omniservice.acceptance;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A schema of its own on the test PostgreSQL server (127.0.0.1:5432, database {@code test}, or
 * {@code OMNISERVICE_TEST_POSTGRES_URL}), dropped on close, so runs in parallel do not meet. Without a
 * reachable server the test is skipped, except on CI ({@code CI=true}), where that is a failure.
 */
final class PostgresSchema implements AutoCloseable {
    static final String URL = envOr("OMNISERVICE_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    static final String USER = envOr("OMNISERVICE_TEST_POSTGRES_USER", "postgres");
    static final String PASSWORD = envOr("OMNISERVICE_TEST_POSTGRES_PASSWORD", "");

    private final String name;

    private PostgresSchema(String name) {
        this.name = name;
    }

    static PostgresSchema create(String prefix) {
        String name =
                prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection admin = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement statement = admin.createStatement()) {
            statement.execute("CREATE SCHEMA " + name);
        } catch (SQLException e) {
            String reason = "PostgreSQL not reachable at " + URL + ": " + e.getMessage();
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(reason + " (CI=true: the several-node tests must run)", e);
            }
            Assumptions.abort(reason);
        }
        return new PostgresSchema(name);
    }

    /** The JDBC URL a node is configured with: the server's, in this schema. */
    String jdbcUrl() {
        return URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + name;
    }

    /** A connection in this schema, for counting what the nodes stored. */
    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, PASSWORD);
    }

    @Override
    public void close() throws SQLException {
        try (Connection admin = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement statement = admin.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
        }
    }

    private static String envOr(String name, String otherwise) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? otherwise : value;
    }
}
