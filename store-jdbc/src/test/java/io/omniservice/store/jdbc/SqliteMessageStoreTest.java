package io.omniservice.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Sender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The store contract on the embedded SQLite file database, plus what only a file database must show. */
class SqliteMessageStoreTest extends EmbeddedStoreContract {
    @Override
    protected JdbcMessageStore open(Path dataDirectory) {
        return JdbcMessageStore.sqlite(dataDirectory);
    }

    @Override
    protected String engine() {
        return "sqlite";
    }

    @Test
    void aDataDirectoryWhosePathTheDriverWouldReadAsSettingsIsRefused() throws Exception {
        Path parent = Files.createTempDirectory("omniservice-sqlite-path");
        try {
            Path odd = parent.resolve("data?journal_mode=DELETE");
            assertThatThrownBy(() -> JdbcMessageStore.sqlite(odd))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("may not contain '?'");
            assertThat(odd).doesNotExist();
        } finally {
            deleteTree(parent);
        }
    }

    @Test
    void theDatabaseIsOneFileInTheDataDirectory() {
        assertThat(directory.resolve(JdbcMessageStore.SQLITE_FILE)).isRegularFile();
        assertThat(directory.resolve(JdbcMessageStore.H2_FILE)).doesNotExist();
    }

    @Test
    void everyPooledConnectionSyncsEachCommitAndWaitsForTheWriteLock() throws Exception {
        List<Connection> held = new ArrayList<>();
        try {
            // all of the pool at once, so no connection escapes the check
            for (int i = 0; i < 8; i++) {
                held.add(jdbc.dataSource().getConnection());
            }
            for (Connection connection : held) {
                assertThat(pragma(connection, "journal_mode")).isEqualTo("wal");
                // 2: FULL, the WAL is synced before COMMIT returns
                assertThat(pragma(connection, "synchronous")).isEqualTo("2");
                assertThat(pragma(connection, "busy_timeout")).isEqualTo("10000");
                assertThat(pragma(connection, "foreign_keys")).isEqualTo("1");
                // writers checkpoint only when the checkpoint thread fell far behind
                assertThat(pragma(connection, "wal_autocheckpoint"))
                        .isEqualTo(Integer.toString(WalCheckpoints.WRITER_BACKSTOP_PAGES));
            }
        } finally {
            for (Connection connection : held) {
                connection.close();
            }
        }
    }

    private static String pragma(Connection connection, String name) throws Exception {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("PRAGMA " + name)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    /**
     * Commits write the WAL; the checkpoint thread, not a commit, copies it into the database file, and soon:
     * some two hundred pages of messages, far below the 1000 at which SQLite would have a committing writer do it,
     * reach the file within a second or so.
     */
    @Test
    void theWalReachesTheDatabaseFileWithoutACommitCheckpointing() throws Exception {
        Path file = directory.resolve(JdbcMessageStore.SQLITE_FILE);
        long before = Files.size(file);
        // each commit changes a handful of pages: some 200 in all, with the schema's
        for (int i = 0; i < 30; i++) {
            jdbc.commit(batch(inbound(
                    CarrierType.TWILIO, carrierId(), Sender.phone(phone(), null), now(), text("x".repeat(2000)))));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Files.size(file) <= before && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Files.size(file))
                .as("the database file, once the WAL was copied into it")
                .isGreaterThan(before);
    }

    /**
     * A transaction that reads, then writes what it read (the rows other engines lock FOR UPDATE), run from many
     * threads at once: each must wait its turn rather than fail with SQLITE_BUSY(_SNAPSHOT).
     */
    @Test
    void concurrentReadThenWriteTransactionsWaitInsteadOfFailing() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> rotations = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                String fresh = "secret-" + i;
                rotations.add(
                        pool.submit(() -> jdbc.feed().rotateClientSecret("client-busy", fresh, Duration.ofMinutes(5))));
            }
            for (Future<?> rotation : rotations) {
                rotation.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(jdbc.feed().clientSecret("client-busy")).isPresent();
    }

    @Test
    void identitiesAreNeverReusedAfterTheNewestRowIsDeleted() throws Exception {
        String phone = phone();
        jdbc.commit(batch(inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone, null), now(), text("1"))));
        long newest = maxSeq();
        try (Connection connection = jdbc.dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.executeUpdate("DELETE FROM change_events");
        }
        jdbc.commit(batch(inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone, null), now(), text("2"))));
        assertThat(maxSeq()).isGreaterThan(newest);
    }

    private long maxSeq() throws Exception {
        try (Connection connection = jdbc.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT MAX(seq) FROM change_events")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
