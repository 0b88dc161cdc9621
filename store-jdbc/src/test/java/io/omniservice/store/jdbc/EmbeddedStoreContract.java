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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The store contract on an embedded file database (H2 or SQLite), plus what every file database must show: one node
 * keeps its rate buckets in memory, data survives a reopen, and an acknowledged commit survives kill -9.
 */
abstract class EmbeddedStoreContract extends JdbcStorageContract {
    /** The data directory of the store under test. */
    protected Path directory;

    /** A store on the engine under test in {@code dataDirectory}. */
    protected abstract JdbcMessageStore open(Path dataDirectory);

    /** The engine as {@link CommitUntilKilled} takes it. */
    protected abstract String engine();

    @Override
    protected final JdbcMessageStore openStore() throws Exception {
        directory = Files.createTempDirectory("omniservice-" + engine() + "-store");
        return open(directory);
    }

    @Override
    protected final void dropStore() throws Exception {
        deleteTree(directory);
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
    void oneNodeKeepsRateBucketsInMemory() {
        assertThat(jdbc.sharedRateBuckets()).isEmpty();
    }

    @Test
    void dataSurvivesReopen() throws Exception {
        Path own = Files.createTempDirectory("omniservice-" + engine() + "-reopen");
        try {
            String phone = phone();
            var item = inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone, null), now(), text("keep me"));
            Message before;
            try (JdbcMessageStore first = open(own)) {
                first.commit(batch(item));
                before = first.message(item.message().messageId()).orElseThrow();
            }
            try (JdbcMessageStore reopened = open(own)) {
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
        Path own = Files.createTempDirectory("omniservice-" + engine() + "-kill");
        List<String> acknowledged = new ArrayList<>();
        try {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process child = new ProcessBuilder(
                            java,
                            "-cp",
                            System.getProperty("java.class.path"),
                            CommitUntilKilled.class.getName(),
                            own.toString(),
                            engine())
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
            try (JdbcMessageStore reopened = open(own)) {
                List<String> lost = acknowledged.stream()
                        .filter(id -> reopened.message(id).isEmpty())
                        .toList();
                assertThat(lost).as("acknowledged but lost after kill -9").isEmpty();
            }
        } finally {
            deleteTree(own);
        }
    }
}
