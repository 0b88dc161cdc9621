package io.omniservice.store.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes SQLite's WAL back into the database file on a thread of its own. Left to SQLite, the connection whose
 * COMMIT takes the WAL past {@code wal_autocheckpoint} pages copies them into the file and syncs it before its
 * COMMIT returns: that is the group committer, so every few thousand webhooks one group waited for a file sync
 * of the pages of several thousand. Here a PASSIVE checkpoint runs {@link #EVERY} (it waits for no reader or
 * writer and copies what none still needs; with nothing to copy it costs microseconds), and the writers'
 * own checkpoint stays as a backstop, at {@link #WRITER_BACKSTOP_PAGES}, for when this thread cannot keep up.
 * Durability is the WAL's, synced at each COMMIT, either way.
 */
final class WalCheckpoints implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WalCheckpoints.class);

    /** How often the checkpoint runs. */
    static final Duration EVERY = Duration.ofMillis(100);

    /** The pages (4 KiB) a writer lets the WAL reach before it checkpoints itself: ~40 MiB. */
    static final int WRITER_BACKSTOP_PAGES = 10_000;

    private final DataSource dataSource;
    private final ScheduledExecutorService thread;
    private volatile long lastWarning;

    WalCheckpoints(DataSource dataSource, Duration every) {
        this.dataSource = dataSource;
        this.thread = Executors.newSingleThreadScheduledExecutor(run -> Thread.ofPlatform()
                .daemon()
                .name("omniservice-sqlite-checkpoint")
                .unstarted(run));
        thread.scheduleWithFixedDelay(this::checkpoint, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One PASSIVE checkpoint; a failure is logged (at most once a minute) and the next one tries again. */
    void checkpoint() {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            result.next();
        } catch (SQLException | RuntimeException e) {
            long now = System.nanoTime();
            if (now - lastWarning > TimeUnit.MINUTES.toNanos(1)) {
                lastWarning = now;
                LOG.warn("cannot write SQLite's WAL back into the database file now; writers will: {}", e.toString());
            }
        }
    }

    /** Stops the thread; closing the last connection checkpoints what is left. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
