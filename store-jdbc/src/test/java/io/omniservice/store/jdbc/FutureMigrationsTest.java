package io.omniservice.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.api.FlywayException;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node of this build starting on a schema that a newer release already migrated, as an old node does
 * when it restarts in the middle of a rolling upgrade: the migrations it does not know (the test-only
 * {@code db/future}, V9000 and V9001) are ignored and it starts. Flyway with those migrations not ignored
 * refuses the same database, so the test shows the setting is what lets old nodes start. V9001 builds its
 * index with {@code ${concurrently}}: on PostgreSQL that only succeeds outside a transaction, and only ends
 * when Flyway's lock is not a transaction it holds open meanwhile (with Flyway's default lock it waits for
 * ever, hence the timeout).
 */
class FutureMigrationsTest {
    private static final String NEWEST_FUTURE_VERSION = "9001";

    @Test
    void embeddedNodeStartsOnASchemaANewerReleaseMigrated() throws Exception {
        Path directory = Files.createTempDirectory("omniservice-h2-future");
        try {
            org.h2.jdbcx.JdbcDataSource newer = new org.h2.jdbcx.JdbcDataSource();
            newer.setURL(JdbcMessageStore.embeddedUrl("file", directory.toAbsolutePath()));
            newer.setUser("sa");
            newer.setPassword("");
            migrateAsANewerRelease(newer, false);
            assertRefusedWithoutIgnoringFutureMigrations(newer, false);

            try (JdbcMessageStore oldNode = JdbcMessageStore.embedded(directory)) {
                assertStartedAndWorks(oldNode);
            }
        } finally {
            EmbeddedStoreContract.deleteTree(directory);
        }
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a lock wait would hang, not fail
    void postgresNodeStartsOnASchemaANewerReleaseMigrated() throws Exception {
        String schema =
                "omni_future_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection admin = PostgresMessageStoreTest.adminConnection();
                Statement statement = admin.createStatement()) {
            statement.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            String reason = "PostgreSQL not reachable at " + PostgresMessageStoreTest.URL + ": " + e.getMessage();
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(reason + " (CI=true: PostgreSQL tests must run)", e);
            }
            System.err.println("SKIPPED " + getClass().getSimpleName() + ": " + reason);
            Assumptions.abort(reason);
        }
        try {
            String url =
                    PostgresMessageStoreTest.withParameter(PostgresMessageStoreTest.URL, "currentSchema=" + schema);
            org.postgresql.ds.PGSimpleDataSource newer = new org.postgresql.ds.PGSimpleDataSource();
            newer.setURL(url);
            newer.setUser(PostgresMessageStoreTest.USER);
            newer.setPassword(PostgresMessageStoreTest.PASSWORD);
            migrateAsANewerRelease(newer, true);
            assertRefusedWithoutIgnoringFutureMigrations(newer, true);
            try (Connection connection = newer.getConnection();
                    Statement statement = connection.createStatement();
                    ResultSet rs = statement.executeQuery("SELECT i.indisvalid FROM pg_index i"
                            + " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                            + " WHERE c.relname = 'messages_later_release_idx' AND n.nspname = '" + schema + "'")) {
                assertThat(rs.next()).as("the concurrently built index exists").isTrue();
                assertThat(rs.getBoolean(1)).as("and is valid").isTrue();
            }

            try (JdbcMessageStore oldNode = JdbcMessageStore.postgres(
                    url, PostgresMessageStoreTest.USER, PostgresMessageStoreTest.PASSWORD, 2)) {
                assertStartedAndWorks(oldNode);
            }
        } finally {
            try (Connection admin = PostgresMessageStoreTest.adminConnection();
                    Statement statement = admin.createStatement()) {
                statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    /** Every shipped migration, then the later release's. */
    private static void migrateAsANewerRelease(DataSource dataSource, boolean postgres) {
        var result = JdbcMessageStore.flyway(dataSource, postgres, 1)
                .locations("classpath:db/migration", "classpath:db/future")
                .load()
                .migrate();
        assertThat(result.targetSchemaVersion).isEqualTo(NEWEST_FUTURE_VERSION);
    }

    /** Without {@code *:future} ignored, Flyway's validation at start refuses the newer schema. */
    private static void assertRefusedWithoutIgnoringFutureMigrations(DataSource dataSource, boolean postgres) {
        assertThatThrownBy(() -> JdbcMessageStore.flyway(dataSource, postgres, 1)
                        .ignoreMigrationPatterns(new String[0])
                        .load()
                        .migrate())
                .isInstanceOf(FlywayException.class)
                .hasMessageContaining("not resolved locally");
    }

    /** The node opened (its own migrate and validate passed), reads and writes, and left the schema as it was. */
    private static void assertStartedAndWorks(JdbcMessageStore node) throws SQLException {
        byte[] key = node.sharedKey("future_migrations_test");
        assertThat(node.sharedKey("future_migrations_test")).isEqualTo(key);
        try (Connection connection = node.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT version, success FROM \"flyway_schema_history\""
                        + " WHERE type = 'SQL' ORDER BY installed_rank DESC")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1))
                    .as("the newest applied migration is still the later release's")
                    .isEqualTo(NEWEST_FUTURE_VERSION);
            do {
                assertThat(rs.getBoolean(2))
                        .as("V%s succeeded", rs.getString(1))
                        .isTrue();
            } while (rs.next());
        }
    }
}
