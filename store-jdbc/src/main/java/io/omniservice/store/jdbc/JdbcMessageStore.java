package io.omniservice.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Conversation;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.store.CommitResult;
import io.omniservice.core.store.InboundBatch;
import io.omniservice.core.store.MessageStore;
import io.omniservice.core.store.Page;
import io.omniservice.core.store.PageCursor;
import io.omniservice.core.store.PageRequest;
import io.omniservice.core.store.StorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The {@link MessageStore} on a relational database: an embedded H2 or SQLite file database (one JVM) or
 * PostgreSQL (any number of JVMs). The schema comes from the Flyway migrations under
 * {@code db/migration} (H2, PostgreSQL) or {@code db/sqlite}; commits are grouped by one writer thread per
 * store.
 */
public final class JdbcMessageStore implements MessageStore, io.omniservice.core.store.Storage {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcMessageStore.class);
    /** Most batches written in one transaction. */
    static final int MAX_GROUP_SIZE = 512;

    private static final String CURSOR_KEY = "cursor_key";

    /**
     * Identity values H2 hands out from memory before it records the sequence again. H2 records a
     * sequence in its own committed transaction, which with {@code WRITE_DELAY=0} is a file write each
     * time: with the default cache of 32 that was a write every 32 rows. A crash only leaves a gap.
     * PostgreSQL keeps 1, so one node's seq order follows commit order as closely as it can.
     */
    private static final int EMBEDDED_IDENTITY_CACHE = 1000;

    /** The SQLite database's file in the data directory (with its -wal and -shm beside it while open). */
    public static final String SQLITE_FILE = "omniservice.sqlite";

    /** The H2 database's file in the data directory. */
    public static final String H2_FILE = "omniservice.mv.db";

    private final HikariDataSource dataSource;
    private final GroupCommitter committer;
    private final GroupCommitter.Durability durability;
    private final MessageQueries queries;
    private final JdbcOutboundStore outbound;
    private final JdbcFeedStore feed;
    private final JdbcContactStore contacts;
    /** SQLite's: null on H2 and PostgreSQL. */
    private final WalCheckpoints checkpoints;

    private JdbcMessageStore(HikariDataSource dataSource, Clock clock, GroupCommitter.Durability durability) {
        this(dataSource, clock, durability, null);
    }

    private JdbcMessageStore(
            HikariDataSource dataSource,
            Clock clock,
            GroupCommitter.Durability durability,
            WalCheckpoints checkpoints) {
        this.dataSource = dataSource;
        this.checkpoints = checkpoints;
        this.queries = new MessageQueries(dataSource, new PageCursor(sharedKey(dataSource, CURSOR_KEY)));
        this.durability = durability;
        this.committer = new GroupCommitter(dataSource, clock, MAX_GROUP_SIZE, durability, "omniservice-store-writer");
        this.outbound = new JdbcOutboundStore(dataSource, committer, clock, durability.relaxed());
        this.feed = new JdbcFeedStore(new JdbcAccess(dataSource, durability.relaxed()), committer, clock);
        this.contacts = new JdbcContactStore(new JdbcAccess(dataSource, null), clock);
    }

    /**
     * An H2 file database under {@code dataDirectory} (created if missing), for one JVM. Only one process
     * may open a directory at a time.
     */
    public static JdbcMessageStore embedded(Path dataDirectory) {
        return embedded(dataDirectory, "file");
    }

    /** As {@link #embedded(Path)}, through an H2 file system named by {@code fileSystem} (tests wrap "file"). */
    static JdbcMessageStore embedded(Path dataDirectory, String fileSystem) {
        Path directory = dataDirectory(dataDirectory, ";");
        HikariConfig config = poolConfig("omniservice-h2", 8);
        config.setJdbcUrl(embeddedUrl(fileSystem, directory));
        config.setUsername("sa");
        config.setPassword("");
        HikariDataSource dataSource = migrated(config, SqlDialect.POSTGRESQL, false, EMBEDDED_IDENTITY_CACHE);
        return new JdbcMessageStore(dataSource, Clock.systemUTC(), GroupCommitter.Durability.embedded());
    }

    /**
     * A SQLite file database, {@value #SQLITE_FILE} under {@code dataDirectory} (created if missing), for one
     * JVM. In WAL mode readers run beside the one writer; every write transaction begins IMMEDIATE, so it
     * holds the write lock from its first statement and a transaction that read before it writes cannot
     * find its snapshot outdated (SQLITE_BUSY_SNAPSHOT). Another writer waits for the lock up to 10 s, as
     * on H2 (LOCK_TIMEOUT).
     *
     * <p>The file under sustained load: rows the store deletes (finished change events, send jobs,
     * deliveries, expired tokens) free their pages, and later inserts reuse them, so the file grows with
     * what is kept (messages, conversations, history), not with what passed through. The WAL is written back
     * into the file by {@link WalCheckpoints}, every 100 ms on a thread of its own rather than by the commit
     * that crosses SQLite's 1000 pages, and starts over from its beginning once a checkpoint caught up with
     * every reader; journal_size_limit truncates it back to 64 MiB after a burst made it longer. Measured with FileGrowth (100,000 inbound messages of ~1.2 KB in
     * groups of 50, their change events finished and deleted as they go): 2.4 KB of file per message, which is
     * what the messages table and its indexes hold (5 free pages at the end), and a WAL that stayed at 4.7 MB;
     * H2 under the same load wrote 10.3 KB per message and kept it.
     */
    public static JdbcMessageStore sqlite(Path dataDirectory) {
        // the driver would read what follows a '?' as settings of the connection
        Path directory = dataDirectory(dataDirectory, "?");
        SQLiteConfig sqlite = new SQLiteConfig();
        sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // the WAL is synced at every COMMIT: a commit that returned survives a crash of the machine
        sqlite.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        sqlite.setBusyTimeout(10_000);
        sqlite.enforceForeignKeys(true);
        sqlite.setJournalSizeLimit(64 * 1024 * 1024);
        sqlite.setWalAutocheckpoint(WalCheckpoints.WRITER_BACKSTOP_PAGES);
        // as PostgreSQL and H2 compare: a tag "vip" is not the tag "VIP"
        sqlite.enableCaseSensitiveLike(true);
        SQLiteDataSource connections = new SQLiteDataSource(sqlite);
        connections.setUrl("jdbc:sqlite:" + directory.resolve(SQLITE_FILE));
        HikariConfig config = poolConfig("omniservice-sqlite", 8);
        // the driver parses every statement anew, and the pool keeps none: each connection keeps its own
        config.setDataSource(StatementCache.caching(connections, StatementCache.CAPACITY));
        HikariDataSource dataSource = migrated(config, SqlDialect.SQLITE, false, 1);
        return new JdbcMessageStore(
                dataSource,
                Clock.systemUTC(),
                GroupCommitter.Durability.sqlite(),
                new WalCheckpoints(dataSource, WalCheckpoints.EVERY));
    }

    /** The directory, created if missing, unless its path holds {@code refused} (which its engine's URL reads). */
    private static Path dataDirectory(Path dataDirectory, String refused) {
        Path directory = dataDirectory.toAbsolutePath().normalize();
        if (directory.toString().contains(refused)) {
            throw new IllegalArgumentException(
                    "the data directory path may not contain '" + refused + "': " + directory);
        }
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + directory, e);
        }
        return directory;
    }

    /**
     * The H2 URL: PostgreSQL compatibility so one set of migrations serves both databases, and
     * {@code WRITE_DELAY=0} so every COMMIT writes its changes to the file before returning. H2's
     * default (500 ms) leaves commits in memory for up to that long; a process killed with
     * {@code kill -9} in that window would lose webhooks we already acknowledged. (Reaching the device,
     * not just the file, is the group committer's CHECKPOINT SYNC.)
     */
    static String embeddedUrl(String fileSystem, Path directory) {
        return "jdbc:h2:" + fileSystem + ":" + directory.resolve("omniservice")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH"
                + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000"
                // parsed statements kept per connection: the send path and the processing stage run some
                // sixty kinds, and a statement parsed again costs more than running it
                + ";QUERY_CACHE_SIZE=256";
    }

    /** PostgreSQL at {@code jdbcUrl} (its {@code currentSchema} is where the tables go), pooling {@code poolSize} connections. */
    public static JdbcMessageStore postgres(String jdbcUrl, String username, String password, int poolSize) {
        if (poolSize < 2) {
            throw new IllegalArgumentException("poolSize must be at least 2: one writer and one reader");
        }
        HikariConfig config = poolConfig("omniservice-postgres", poolSize);
        config.setJdbcUrl(Objects.requireNonNull(jdbcUrl, "jdbcUrl"));
        config.setUsername(username);
        config.setPassword(password);
        // error details quote the values of a refused row: message bodies and phone numbers stay out of logs
        config.addDataSourceProperty("logServerErrorDetail", "false");
        HikariDataSource dataSource = migrated(config, SqlDialect.POSTGRESQL, true, 1);
        boolean forceSynchronousCommit;
        boolean autovacuum;
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            // "off" acknowledges commits before the WAL is flushed: a crash would lose acknowledged webhooks
            forceSynchronousCommit = "off".equalsIgnoreCase(setting(statement, "synchronous_commit"));
            autovacuum = !"off".equalsIgnoreCase(setting(statement, "autovacuum"));
        } catch (SQLException e) {
            dataSource.close();
            throw new StorageException("cannot read synchronous_commit and autovacuum from PostgreSQL", e);
        }
        if (forceSynchronousCommit) {
            LOG.warn("PostgreSQL has synchronous_commit=off; the message store turns it on for its own commits");
        }
        if (!autovacuum) {
            LOG.warn(AUTOVACUUM_OFF);
        }
        return new JdbcMessageStore(
                dataSource, Clock.systemUTC(), GroupCommitter.Durability.postgres(forceSynchronousCommit));
    }

    /**
     * Said at start on a server without autovacuum: the queue tables (change_events, send_jobs,
     * callback_deliveries) take and delete rows at the rate of messages, and without it they keep every deleted
     * row and statistics from their first minute: on such a server the outbound bench went from 620 sends/s in its
     * fifth warm-up round down to 314–437 in rounds 10-16 as the tables grew.
     */
    static final String AUTOVACUUM_OFF = "PostgreSQL has autovacuum=off: the message store's queue tables"
            + " (change_events, send_jobs, callback_deliveries) keep every row they delete and their statistics go"
            + " stale, so sends and events slow down as they run; turn autovacuum on, or run VACUUM ANALYZE on"
            + " them every minute or so";

    private static String setting(Statement statement, String name) throws SQLException {
        try (ResultSet rs = statement.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static HikariConfig poolConfig(String name, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(5_000);
        config.setAutoCommit(true);
        return config;
    }

    private static HikariDataSource migrated(
            HikariConfig config, SqlDialect dialect, boolean postgres, int identityCache) {
        HikariDataSource dataSource = new HikariDataSource(config);
        try {
            flyway(dataSource, dialect, postgres, identityCache).load().migrate();
            return dataSource;
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    /**
     * Flyway as every node runs it at start. During a rolling upgrade a node of the previous release starts
     * on a schema a newer node already migrated: the migrations it does not know are {@code future} ones,
     * and it must start anyway (each release's migrations only expand, see the README's "Rolling
     * upgrades"). That is Flyway's default; it is set here so that no change of default or configuration
     * makes old nodes refuse to start. {@code ${concurrently}} is how a migration builds an index on a table
     * that already holds rows: {@code CREATE INDEX ${concurrently} …}, alone in its file, which Flyway then
     * runs outside a transaction on PostgreSQL so writers are not blocked while it builds. H2 has one node
     * and no such form: a plain build. Such a build waits for every transaction older than it, so Flyway takes
     * its lock per session rather than in a transaction it keeps open meanwhile (with that transaction the
     * build waits for Flyway, which waits for the build, for ever).
     */
    static FluentConfiguration flyway(DataSource dataSource, boolean postgres, int identityCache) {
        return flyway(dataSource, SqlDialect.POSTGRESQL, postgres, identityCache);
    }

    /** {@link #flyway(DataSource, boolean, int)} with the migrations of {@code dialect}. */
    static FluentConfiguration flyway(DataSource dataSource, SqlDialect dialect, boolean postgres, int identityCache) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations(dialect.migrations())
                .placeholders(Map.of(
                        "identity_cache",
                        Integer.toString(identityCache),
                        "concurrently",
                        postgres ? "CONCURRENTLY" : ""))
                .ignoreMigrationPatterns("*:future")
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false"));
    }

    @Override
    public byte[] sharedKey(String name) {
        return sharedKey(dataSource, name);
    }

    private static byte[] sharedKey(DataSource dataSource, String name) {
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO store_settings (setting_name, setting_value) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                insert.setString(1, name);
                insert.setString(2, Base64.getEncoder().encodeToString(fresh));
                insert.executeUpdate();
            }
            try (PreparedStatement select =
                    connection.prepareStatement("SELECT setting_value FROM store_settings WHERE setting_name = ?")) {
                select.setString(1, name);
                try (ResultSet rs = select.executeQuery()) {
                    rs.next();
                    return Base64.getDecoder().decode(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new StorageException("cannot read the shared key " + name, e);
        }
    }

    /** The pooled connections of this store, for components that share its database (work queues). */
    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public CommitResult commit(InboundBatch batch) {
        if (batch.isEmpty()) {
            return new CommitResult(List.of(), 0, 0, 0, 0);
        }
        return await(committer.submit(List.of(batch)).getFirst());
    }

    /** Queues several batches at once, so they share a group; each future holds its own batch's outcome. */
    List<CompletableFuture<CommitResult>> submitTogether(List<InboundBatch> batches) {
        return committer.submit(batches);
    }

    GroupCommitter committer() {
        return committer;
    }

    static CommitResult await(CompletableFuture<CommitResult> result) {
        return awaitWrite(result);
    }

    /** Waits for a group-committed write; a failure becomes the store's exception. */
    static <T> T awaitWrite(CompletableFuture<T> result) {
        try {
            return result.join();
        } catch (CompletionException e) {
            throw FailureDescription.storageException(e.getCause());
        }
    }

    /**
     * API clients' rate buckets kept in the database, when it is PostgreSQL (several nodes may share it):
     * each request takes its client's row {@code FOR UPDATE}, so a client has one budget across nodes. A row
     * may be deleted ({@code removeExpired}) a minute after its bucket would be full again. On H2 (one node)
     * empty: buckets in memory are exact there and cost no round trip.
     */
    public java.util.Optional<io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager<String>>
            sharedRateBuckets() {
        return sharedRateBuckets(Duration.ofMinutes(1));
    }

    /** {@link #sharedRateBuckets()}, with rows kept {@code keepWhenFull} after their bucket is full again. */
    java.util.Optional<io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager<String>>
            sharedRateBuckets(Duration keepWhenFull) {
        if (!durability.sharedByNodes()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(
                io.github.bucket4j.postgresql.Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                        .primaryKeyMapper(io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper.STRING)
                        .table("rate_buckets")
                        .idColumn("id")
                        .stateColumn("state")
                        .expiresAtColumn("expires_at")
                        .expirationAfterWrite(
                                io.github.bucket4j.distributed.ExpirationAfterWriteStrategy
                                        .basedOnTimeForRefillingBucketUpToMax(keepWhenFull))
                        .build());
    }

    @Override
    public io.omniservice.core.carrier.ReplayGuard replayGuard(Clock clock) {
        return new JdbcReplayGuard(dataSource, clock);
    }

    @Override
    public MessageStore messages() {
        return this;
    }

    @Override
    public JdbcFeedStore feed() {
        return feed;
    }

    @Override
    public JdbcOutboundStore outbound() {
        return outbound;
    }

    @Override
    public JdbcFeedStore notifications() {
        return feed;
    }

    @Override
    public JdbcFeedStore rules() {
        return feed;
    }

    @Override
    public JdbcFeedStore clientSecrets() {
        return feed;
    }

    @Override
    public io.omniservice.core.contact.ContactStore contacts() {
        return contacts;
    }

    @Override
    public Optional<Message> message(String messageId) {
        return queries.message(messageId);
    }

    @Override
    public Optional<Owner> owner(String messageId) {
        return queries.owner(messageId);
    }

    @Override
    public Page<Message> messagesByCarrier(CarrierType carrier, Instant since, Instant until, PageRequest page) {
        StringBuilder filter = new StringBuilder("carrier = ?");
        List<Object> values = new ArrayList<>(List.of(carrier.wireName()));
        if (since != null) {
            filter.append(" AND created_at >= ?");
            values.add(since);
        }
        if (until != null) {
            filter.append(" AND created_at < ?");
            values.add(until);
        }
        String listing = PageCursor.carrierListing(carrier, since, until);
        return queries.messages(listing, filter.toString(), values, page);
    }

    @Override
    public Page<Message> messagesByStatus(MessageStatus status, Instant createdAfter, PageRequest page) {
        StringBuilder filter = new StringBuilder("status = ?");
        List<Object> values = new ArrayList<>(List.of(status.wireName()));
        if (createdAfter != null) {
            filter.append(" AND created_at > ?");
            values.add(createdAfter);
        }
        String listing = PageCursor.statusListing(status, createdAfter);
        return queries.messages(listing, filter.toString(), values, page);
    }

    @Override
    public Optional<Conversation> conversation(String conversationId) {
        return queries.conversation(conversationId);
    }

    @Override
    public Page<Conversation> conversations(String participant, PageRequest page) {
        return queries.conversations(participant, page);
    }

    @Override
    public Page<Message> conversationMessages(String conversationId, PageRequest page) {
        return queries.messages(
                PageCursor.conversationListing(conversationId), "conversation_id = ?", List.of(conversationId), page);
    }

    @Override
    public Page<Message> conversationsMessages(
            java.util.Set<String> conversationIds, String listing, PageRequest page) {
        // no conversation: still a listing, whose cursor is checked like any other
        String filter = conversationIds.isEmpty()
                ? "1 = 0"
                : "conversation_id IN (" + String.join(", ", java.util.Collections.nCopies(conversationIds.size(), "?"))
                        + ")";
        return queries.messages(listing, filter, List.copyOf(conversationIds), page);
    }

    @Override
    public boolean isReady() {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(2);
            try (ResultSet rs = statement.executeQuery("SELECT 1")) {
                return rs.next();
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("message store not ready: {}", e.toString());
            return false;
        }
    }

    /** Writes every batch already queued, then closes the connections. */
    @Override
    public void close() {
        try {
            committer.close();
        } finally {
            try {
                if (checkpoints != null) {
                    checkpoints.close();
                }
            } finally {
                dataSource.close();
            }
        }
    }
}
