package io.omniservice.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The store contract on the embedded H2 file database, plus what only a file database must show. */
class H2MessageStoreTest extends JdbcStorageContract {
    private Path directory;

    @Override
    protected JdbcMessageStore openStore() throws Exception {
        directory = Files.createTempDirectory("omniservice-h2-store");
        return JdbcMessageStore.embedded(directory);
    }

    @Override
    protected void dropStore() throws Exception {
        deleteTree(directory);
    }

    @Test
    void oneNodeKeepsRateBucketsInMemory() {
        assertThat(jdbc.sharedRateBuckets()).isEmpty();
    }

    static void deleteTree(Path root) throws Exception {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    @Test
    void dataSurvivesReopen() throws Exception {
        Path own = Files.createTempDirectory("omniservice-h2-reopen");
        try {
            String phone = phone();
            var item = inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone, null), now(), text("keep me"));
            Message before;
            try (JdbcMessageStore first = JdbcMessageStore.embedded(own)) {
                first.commit(batch(item));
                before = first.message(item.message().messageId()).orElseThrow();
            }
            try (JdbcMessageStore reopened = JdbcMessageStore.embedded(own)) {
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
            deleteTree(own);
        }
    }

    @Test
    void acknowledgedCommitsSurviveKill9() throws Exception {
        Path own = Files.createTempDirectory("omniservice-h2-kill");
        List<String> acknowledged = new ArrayList<>();
        try {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process child = new ProcessBuilder(
                            java,
                            "-cp",
                            System.getProperty("java.class.path"),
                            CommitUntilKilled.class.getName(),
                            own.toString())
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
                // SIGKILL while the child is committing: no shutdown hook, no close, nothing flushed on exit
                child.destroyForcibly();
                child.waitFor(30, TimeUnit.SECONDS);
            }
            assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(300);
            try (JdbcMessageStore reopened = JdbcMessageStore.embedded(own)) {
                List<String> lost = acknowledged.stream()
                        .filter(id -> reopened.message(id).isEmpty())
                        .toList();
                assertThat(lost).as("acknowledged but lost after kill -9").isEmpty();
            }
        } finally {
            deleteTree(own);
        }
    }

    @Test
    void everyCommitIsWrittenToTheFileBeforeItReturns() throws Exception {
        try (Connection connection = jdbc.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(
                        "SELECT setting_value FROM information_schema.settings WHERE setting_name = 'WRITE_DELAY'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("0");
        }
    }

    @Test
    void everyCommitIsForcedToTheDeviceBeforeItReturns() throws Exception {
        ForceCountingFileSystem.register();
        Path own = Files.createTempDirectory("omniservice-h2-force");
        try (JdbcMessageStore counted = JdbcMessageStore.embedded(own, ForceCountingFileSystem.SCHEME)) {
            for (int i = 0; i < 5; i++) {
                long before = ForceCountingFileSystem.FORCES.get();
                counted.commit(
                        batch(inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone(), null), now(), text("m"))));
                assertThat(ForceCountingFileSystem.FORCES.get())
                        .as("force() calls during commit %d", i)
                        .isGreaterThan(before);
            }
        } finally {
            deleteTree(own);
        }
    }
}
