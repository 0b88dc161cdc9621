package io.omniservice.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.Sender;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
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
class SqliteMessageStoreTest extends JdbcStorageContract {
    private Path directory;

    @Override
    protected JdbcMessageStore openStore() throws Exception {
        directory = Files.createTempDirectory("omniservice-sqlite-store");
        return JdbcMessageStore.sqlite(directory);
    }

    @Override
    protected void dropStore() throws Exception {
        H2MessageStoreTest.deleteTree(directory);
    }

    @Test
    void oneNodeKeepsRateBucketsInMemory() {
        assertThat(jdbc.sharedRateBuckets()).isEmpty();
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
            H2MessageStoreTest.deleteTree(parent);
        }
    }

    @Test
    void theDatabaseIsOneFileInTheDataDirectory() {
        assertThat(directory.resolve(JdbcMessageStore.SQLITE_FILE)).isRegularFile();
        assertThat(directory.resolve(JdbcMessageStore.H2_FILE)).doesNotExist();
    }

    @Test
    void dataSurvivesReopen() throws Exception {
        Path own = Files.createTempDirectory("omniservice-sqlite-reopen");
        try {
            String phone = phone();
            var item = inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone, null), now(), text("keep me"));
            Message before;
            try (JdbcMessageStore first = JdbcMessageStore.sqlite(own)) {
                first.commit(batch(item));
                before = first.message(item.message().messageId()).orElseThrow();
            }
            try (JdbcMessageStore reopened = JdbcMessageStore.sqlite(own)) {
                assertThat(reopened.message(item.message().messageId())).contains(before);
                assertThat(reopened.conversation(item.message().conversationId())
                                .orElseThrow()
                                .messageCount())
                        .isEqualTo(1);
                // the migrations ran once; reopening found them applied
                var retry = inbound(
                        CarrierType.TWILIO,
                        item.message().metadata().carrierMessageId(),
                        Sender.phone(phone, null),
                        now(),
                        text("keep me"));
                assertThat(reopened.commit(batch(retry)).duplicateMessages()).isEqualTo(1);
            }
        } finally {
            H2MessageStoreTest.deleteTree(own);
        }
    }

    @Test
    void acknowledgedCommitsSurviveKill9() throws Exception {
        Path own = Files.createTempDirectory("omniservice-sqlite-kill");
        List<String> acknowledged = new ArrayList<>();
        try {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process child = new ProcessBuilder(
                            java,
                            "-cp",
                            System.getProperty("java.class.path"),
                            CommitUntilKilled.class.getName(),
                            own.toString(),
                            "sqlite")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                String line;
                while (acknowledged.size() < 300 && System.nanoTime() < deadline && (line = out.readLine()) != null) {
                    if (line.startsWith("acked ")) {
                        acknowledged.add(line.substring("acked ".length()));
                    }
                }
                // SIGKILL while the child is committing: no shutdown hook, no close, no checkpoint of the WAL
                child.destroyForcibly();
                child.waitFor(30, TimeUnit.SECONDS);
            }
            assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(300);
            try (JdbcMessageStore reopened = JdbcMessageStore.sqlite(own)) {
                List<String> lost = acknowledged.stream()
                        .filter(id -> reopened.message(id).isEmpty())
                        .toList();
                assertThat(lost).as("acknowledged but lost after kill -9").isEmpty();
            }
        } finally {
            H2MessageStoreTest.deleteTree(own);
        }
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
