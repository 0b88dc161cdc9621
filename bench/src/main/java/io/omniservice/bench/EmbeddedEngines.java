package io.omniservice.bench;

import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.MessageIds;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Issue #19: the embedded store engine, H2 as store-jdbc runs it against SQLite (WAL, synchronous=FULL), on the
 * inbound write path's SQL. One writer thread replays what the group committer writes for a group of N inbound
 * WhatsApp messages (GroupTransaction.writeAll, ConversationWrites.countIn, insertEvents with the hand-off) and then
 * the workflow's second transaction for the group (FeedWrites.progress: the published event, the change event
 * deleted), each transaction made durable the way the engine would be in production: H2 with our URL
 * (JdbcMessageStore.embeddedUrl) and CHECKPOINT SYNC after each commit (GroupCommitter.Durability.embedded),
 * SQLite with journal_mode=WAL and synchronous=FULL (one fsync of the WAL per commit). Both engines get the same
 * messages (5,000 senders, UUIDv7 ids from core's MessageIds, the bench's WhatsApp webhook as original payload).
 * Prints a Markdown table: messages/s, process and writer-thread CPU µs per message (median of the rounds after a
 * warm-up round), and the database's size on disk after the run, closed, then rewritten at its smallest (H2's
 * SHUTDOWN COMPACT, SQLite's VACUUM). Exits 1 when a row count after the run is not what was written.
 *
 * <p>SQLite has no arrays: the conversations' counters are read with {@code json_each(?)} over one JSON array
 * parameter, the nearest thing to {@code UNNEST(?)} (one statement, one bound value); identities are {@code INTEGER
 * PRIMARY KEY AUTOINCREMENT} (never reused, as consumers resume from them) read back with {@code RETURNING} per row,
 * since its driver returns no keys for a batch; times are epoch microseconds, UUIDs 16-byte blobs.
 *
 * <p>{@code --open DIR} opens the H2 database that {@code --keep DIR} left (to check that another H2 version reads
 * a file this one wrote) and prints its row counts; it exits 1 when it cannot.
 */
public final class EmbeddedEngines {
    private static final String USAGE = "usage: EmbeddedEngines [--engines h2,sqlite] [--groups 1,8,60]"
            + " [--messages N per round] [--single N per round at group size 1] [--rounds N] [--dir DIR]"
            + " [--keep DIR] [--open DIR]";
    private static final int SENDERS = 5_000;
    private static final String OWNER = "node-7f3a9c";
    private static final long LEASE_MICROS = 30_000_000L;

    private EmbeddedEngines() {}

    public static void main(String[] args) throws Exception {
        Flags flags =
                new Flags(args, USAGE, "engines", "groups", "messages", "single", "rounds", "dir", "keep", "open");
        if (!flags.text("open", "").isEmpty()) {
            System.exit(openExisting(Path.of(flags.text("open", ""))) ? 0 : 1);
        }
        List<String> engines = List.of(flags.text("engines", "h2,sqlite").split(","));
        int[] groups = Arrays.stream(flags.text("groups", "1,8,60").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        int messages = flags.number("messages", 2_400, 60);
        int single = flags.number("single", 200, 1);
        int rounds = flags.number("rounds", 3, 1);
        Path dir = Files.createDirectories(Path.of(flags.text("dir", "target/engines")));
        String keep = flags.text("keep", "");
        String h2Version = org.h2.engine.Constants.VERSION;
        System.err.printf(
                "engines: H2 %s, SQLite %s; load average %.2f%n",
                h2Version,
                sqliteVersion(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

        List<Row> rows = new ArrayList<>();
        boolean countsOk = true;
        for (int group : groups) {
            int perRound = group == 1 ? single : messages / group * group;
            List<Inbound> all = Inbound.generate(perRound * (rounds + 1), group);
            for (String name : engines) {
                Engine engine = name.equals("sqlite") ? new Sqlite() : new H2();
                Path where = dir.resolve(name + "-" + group);
                deleteTree(where);
                Files.createDirectories(where);
                Row row = measure(engine, where, all, group, perRound, rounds);
                rows.add(row);
                countsOk &= row.countsOk();
                System.err.printf(
                        "  %s N=%d: %.0f msg/s, %.0f µs CPU/msg%n",
                        row.engine(), group, row.perSecond(), row.processMicros());
            }
            if (!keep.isEmpty() && engines.contains("h2")) {
                Path target = Path.of(keep);
                deleteTree(target);
                Files.createDirectories(target);
                Files.copy(
                        dir.resolve("h2-" + group).resolve("omniservice.mv.db"), target.resolve("omniservice.mv.db"));
            }
        }
        System.out.println("| engine | N / tx | messages/s | CPU µs/msg (process) | CPU µs/msg (writer thread) "
                + "| file after M messages | compacted | M | rows check |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        for (Row row : rows) {
            System.out.printf(
                    "| %s | %d | %.0f | %.0f | %.0f | %.1f MB | %.1f MB | %d | %s |%n",
                    row.engine(),
                    row.group(),
                    row.perSecond(),
                    row.processMicros(),
                    row.threadMicros(),
                    row.fileBytes() / 1e6,
                    row.compactedBytes() / 1e6,
                    row.stored(),
                    row.countsOk() ? "ok" : "MISMATCH");
        }
        if (!countsOk) {
            System.err.println("engines: row counts after the run do not match what was written");
            System.exit(1);
        }
    }

    private static String sqliteVersion() {
        try {
            Class<?> jdbc = Class.forName("org.sqlite.SQLiteJDBCLoader");
            return (String) jdbc.getMethod("getVersion").invoke(null);
        } catch (ReflectiveOperationException e) {
            return "absent";
        }
    }

    /** One engine at one group size: the medians of the measured rounds and the checks after the run. */
    record Row(
            String engine,
            int group,
            double perSecond,
            double processMicros,
            double threadMicros,
            long fileBytes,
            long compactedBytes,
            long stored,
            boolean countsOk) {}

    private static Row measure(Engine engine, Path where, List<Inbound> all, int group, int perRound, int rounds)
            throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        List<double[]> measured = new ArrayList<>();
        Tally tally = new Tally();
        boolean ok;
        long stored;
        try (Connection connection = engine.open(where)) {
            engine.schema(connection);
            connection.setAutoCommit(false);
            for (int round = 0; round <= rounds; round++) {
                List<Inbound> these = all.subList(round * perRound, (round + 1) * perRound);
                long wall = System.nanoTime();
                long process = os.getProcessCpuTime();
                long thread = threads.getCurrentThreadCpuTime();
                for (int from = 0; from < these.size(); from += group) {
                    List<Inbound> batch = these.subList(from, Math.min(from + group, these.size()));
                    List<Event> events = writeInbound(engine, connection, batch, tally);
                    engine.commit(connection);
                    progress(engine, connection, events, tally);
                    engine.commit(connection);
                }
                double seconds = (System.nanoTime() - wall) / 1e9;
                double processMicros = (os.getProcessCpuTime() - process) / 1e3 / these.size();
                double threadMicros = (threads.getCurrentThreadCpuTime() - thread) / 1e3 / these.size();
                if (round > 0) { // round 0 warms the JIT up
                    measured.add(new double[] {these.size() / seconds, processMicros, threadMicros});
                }
            }
            ok = tally.check(connection);
            stored = count(connection, "messages");
            engine.close(connection);
        }
        long fileBytes = size(where);
        engine.compact(where);
        return new Row(
                engine.label(),
                group,
                median(measured, 0),
                median(measured, 1),
                median(measured, 2),
                fileBytes,
                size(where),
                stored,
                ok);
    }

    private static double median(List<double[]> rounds, int column) {
        double[] values = rounds.stream().mapToDouble(r -> r[column]).sorted().toArray();
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    /** What one group's inbound transaction writes (GroupTransaction.writeAll and insertEvents). */
    private static List<Event> writeInbound(Engine engine, Connection connection, List<Inbound> batch, Tally tally)
            throws SQLException {
        // ParticipantLinks.resolve: the senders' keys, looked up as aliases
        Set<String> keys = new TreeSet<>();
        batch.forEach(m -> keys.add(m.participant()));
        try (PreparedStatement select =
                connection.prepareStatement("SELECT alias, participant FROM participant_links WHERE alias IN ("
                        + String.join(", ", java.util.Collections.nCopies(keys.size(), "?")) + ")")) {
            int i = 1;
            for (String key : keys) {
                select.setString(i++, key);
            }
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    throw new IllegalStateException("no links were written, found one for " + rs.getString(1));
                }
            }
        }
        int[] inserted;
        try (PreparedStatement insert = connection.prepareStatement("""
                INSERT INTO messages (message_id, conversation_id, direction, carrier, account, carrier_message_id,
                    sender, sender_name, recipient, content, status, created_at, metadata, client_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")) {
            for (Inbound m : batch) {
                insert.setString(1, m.messageId());
                insert.setString(2, m.conversationId());
                insert.setString(3, "inbound");
                insert.setString(4, "whatsapp");
                insert.setString(5, Inbound.ACCOUNT);
                insert.setString(6, m.carrierMessageId());
                insert.setString(7, m.participant());
                insert.setString(8, "Sheena Nelson");
                insert.setString(9, "+15550783881");
                insert.setString(10, m.content());
                insert.setString(11, "received");
                engine.time(insert, 12, m.createdAt());
                insert.setString(13, m.metadata());
                insert.setString(14, null);
                insert.addBatch();
            }
            inserted = insert.executeBatch();
        }
        List<Inbound> fresh = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            if (inserted[i] > 0) {
                fresh.add(batch.get(i));
            }
        }
        tally.messages += fresh.size();
        List<Event> events = new ArrayList<>();
        events.addAll(countIn(engine, connection, fresh, tally));
        // attachEarlierStatuses: statuses that came before their message (none here: the probe still runs)
        try (PreparedStatement attach = connection.prepareStatement(
                "UPDATE status_history SET message_id = ? WHERE carrier = ? AND carrier_message_id = ?"
                        + " AND COALESCE(message_id, '') = ''")) {
            for (Inbound m : fresh) {
                attach.setString(1, m.messageId());
                attach.setString(2, "whatsapp");
                attach.setString(3, m.carrierMessageId());
                attach.addBatch();
            }
            if (!fresh.isEmpty()) {
                attach.executeBatch();
            }
        }
        for (Inbound m : fresh) {
            events.add(new Event(
                    "message.received",
                    m.messageId(),
                    m.conversationId(),
                    "{\"messageId\":\"%s\",\"conversationId\":\"%s\",\"carrier\":\"whatsapp\",\"account\":\"%s\",\"direction\":\"inbound\"}"
                            .formatted(m.messageId(), m.conversationId(), Inbound.ACCOUNT),
                    m));
        }
        // insertEvents with the hand-off: a conversation's events are leased only when none of its is pending
        Map<String, Boolean> handOver = new LinkedHashMap<>();
        try (PreparedStatement pending =
                connection.prepareStatement("SELECT 1 FROM change_events WHERE conversation_id = ? LIMIT 1")) {
            for (Event event : events) {
                if (!handOver.containsKey(event.conversationId())) {
                    pending.setString(1, event.conversationId());
                    try (ResultSet rs = pending.executeQuery()) {
                        handOver.put(event.conversationId(), !rs.next());
                    }
                }
            }
        }
        engine.insertChangeEvents(connection, events, handOver);
        tally.events += events.size();
        return events;
    }

    /** ConversationWrites.countIn: read the counters, write them back where unchanged, insert the new ones. */
    private static List<Event> countIn(Engine engine, Connection connection, List<Inbound> fresh, Tally tally)
            throws SQLException {
        Map<String, List<Inbound>> byConversation = new LinkedHashMap<>();
        fresh.forEach(m -> byConversation
                .computeIfAbsent(m.conversationId(), c -> new ArrayList<>())
                .add(m));
        Map<String, Counters> stored = engine.counters(connection, byConversation.keySet());
        List<String> present = byConversation.keySet().stream()
                .filter(stored::containsKey)
                .sorted()
                .toList();
        List<String> missing = byConversation.keySet().stream()
                .filter(c -> !stored.containsKey(c))
                .toList();
        if (!present.isEmpty()) {
            int[] counts;
            try (PreparedStatement update = connection.prepareStatement("""
                    UPDATE conversations SET message_count = ?, last_message_at = ?, carrier = ?
                    WHERE id = ? AND message_count = ? AND last_message_at = ? AND carrier = ?""")) {
                for (String id : present) {
                    Counters read = stored.get(id);
                    List<Inbound> added = byConversation.get(id);
                    update.setLong(1, read.messageCount() + added.size());
                    engine.time(update, 2, added.getLast().createdAt());
                    update.setString(3, "whatsapp");
                    update.setString(4, id);
                    update.setLong(5, read.messageCount());
                    engine.time(update, 6, read.lastMessageAt());
                    update.setString(7, read.carrier());
                    update.addBatch();
                }
                counts = update.executeBatch();
            }
            if (Arrays.stream(counts).anyMatch(c -> c != 1)) {
                throw new IllegalStateException(
                        "a conversation changed under the only writer: " + Arrays.toString(counts));
            }
        }
        List<Event> created = new ArrayList<>();
        if (!missing.isEmpty()) {
            int[] counts;
            try (PreparedStatement insert = connection.prepareStatement("""
                    INSERT INTO conversations (id, participant, carrier, state, created_at, last_message_at, message_count, metadata)
                    VALUES (?, ?, ?, ?, ?, ?, ?, '{}') ON CONFLICT DO NOTHING""")) {
                for (String id : missing) {
                    List<Inbound> added = byConversation.get(id);
                    insert.setString(1, id);
                    insert.setString(2, added.getFirst().participant());
                    insert.setString(3, "whatsapp");
                    insert.setString(4, "open");
                    engine.time(insert, 5, added.getFirst().createdAt());
                    engine.time(insert, 6, added.getLast().createdAt());
                    insert.setLong(7, added.size());
                    insert.addBatch();
                }
                counts = insert.executeBatch();
            }
            for (int i = 0; i < missing.size(); i++) {
                if (counts[i] != 1) {
                    throw new IllegalStateException(
                            "conversation " + missing.get(i) + " was neither read nor inserted");
                }
                String participant =
                        byConversation.get(missing.get(i)).getFirst().participant();
                created.add(new Event(
                        "conversation.created",
                        null,
                        missing.get(i),
                        "{\"conversationId\":\"%s\",\"participant\":\"%s\",\"carrier\":\"whatsapp\"}"
                                .formatted(missing.get(i), participant),
                        null));
            }
            tally.conversations += missing.size();
        }
        return created;
    }

    /** FeedWrites.progress for the group's events: each published (and read by no subscriber), then deleted. */
    private static void progress(Engine engine, Connection connection, List<Event> events, Tally tally)
            throws SQLException {
        engine.insertPublished(connection, events);
        tally.published += events.size();
        try (PreparedStatement select = connection.prepareStatement(
                        "SELECT id, url, events, secret, client_id, sees_all FROM subscriptions");
                ResultSet rs = select.executeQuery()) {
            if (rs.next()) {
                throw new IllegalStateException("no subscription was written");
            }
        }
        try (PreparedStatement done = connection.prepareStatement("DELETE FROM change_events WHERE seq = ?")) {
            for (Event event : events) {
                done.setLong(1, event.seq);
                done.addBatch();
            }
            int[] counts = done.executeBatch();
            if (Arrays.stream(counts).anyMatch(c -> c != 1)) {
                throw new IllegalStateException("a change event to delete was not there: " + Arrays.toString(counts));
            }
        }
    }

    /** What was written, to compare with the tables after the run. */
    private static final class Tally {
        long messages;
        long conversations;
        long events;
        long published;

        boolean check(Connection connection) throws SQLException {
            Map<String, long[]> expected = new LinkedHashMap<>();
            expected.put("messages", new long[] {messages, count(connection, "messages")});
            expected.put("conversations", new long[] {conversations, count(connection, "conversations")});
            expected.put("published_events", new long[] {published, count(connection, "published_events")});
            expected.put("change_events", new long[] {0, count(connection, "change_events")});
            expected.put("status_history", new long[] {0, count(connection, "status_history")});
            long total;
            try (Statement statement = connection.createStatement();
                    ResultSet rs =
                            statement.executeQuery("SELECT COALESCE(SUM(message_count), 0) FROM conversations")) {
                rs.next();
                total = rs.getLong(1);
            }
            expected.put("sum of message_count", new long[] {messages, total});
            boolean ok = events == published;
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                if (e.getValue()[0] != e.getValue()[1]) {
                    System.err.printf(
                            "engines: %s: wrote %d, found %d%n", e.getKey(), e.getValue()[0], e.getValue()[1]);
                    ok = false;
                }
            }
            return ok;
        }
    }

    private static long count(Connection connection, String table) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** One inbound WhatsApp text message as the gateway stores it. */
    record Inbound(
            String messageId,
            String conversationId,
            String participant,
            String carrierMessageId,
            Instant createdAt,
            String content,
            String metadata) {
        static final String ACCOUNT = "106540352242922";

        /**
         * {@code count} messages from 5,000 senders (a fixed seed: the same for every engine and run), with
         * time-ordered ids a millisecond apart, as a webhook burst would have.
         */
        static List<Inbound> generate(int count, int group) {
            SplittableRandom random = new SplittableRandom(19_000L + group);
            Instant start = Instant.parse("2026-12-07T00:00:00Z");
            List<Inbound> all = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                Instant at = start.plusMillis(i);
                String waId = Long.toString(16_505_500_000L + random.nextInt(SENDERS));
                String participant = "+" + waId;
                String carrierId = "wamid.HBgLMTY1MDU1MDAwMDAVAgASGBQzQTg" + Long.toHexString(random.nextLong());
                String payload = """
                        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":\
                        {"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",\
                        "phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},\
                        "wa_id":"%s"}],"messages":[{"from":"%s","id":"%s","timestamp":"%d","type":"text",\
                        "text":{"body":"Does it come in another color? I saw the blue one on your page last week"\
                         and would like to order two if the green is back in stock before Friday."}}]},\
                        "field":"messages"}]}]}""".formatted(waId, waId, carrierId, at.getEpochSecond());
                String content = "{\"type\":\"text\",\"text\":\"Does it come in another color? I saw the blue one"
                        + " on your page last week and would like to order two if the green is back in stock before"
                        + " Friday.\"}";
                String metadata = ("{\"carrier\":\"whatsapp\",\"account\":\"%s\",\"carrierMessageId\":\"%s\","
                                + "\"sentAt\":\"%s\",\"receivedAt\":\"%s\",\"processedAt\":\"%s\","
                                + "\"originalPayload\":%s,\"traceParent\":\"00-%032x-%016x-01\"}")
                        .formatted(
                                ACCOUNT,
                                carrierId,
                                at.truncatedTo(ChronoUnit.SECONDS),
                                at,
                                at.plusMillis(2),
                                payload,
                                random.nextLong(),
                                random.nextLong());
                all.add(new Inbound(
                        MessageIds.next(Clock.fixed(at, ZoneOffset.UTC)),
                        new ConversationKey(participant).conversationId(),
                        participant,
                        carrierId,
                        at,
                        content,
                        metadata));
            }
            return all;
        }
    }

    /** A change event of the group: written with the inbound commit, published and deleted by the workflow's. */
    static final class Event {
        final String type;
        final String messageId;
        final String conversationId;
        final String payload;
        final Inbound message;
        final UUID id = UUID.randomUUID();
        long seq;

        Event(String type, String messageId, String conversationId, String payload, Inbound message) {
            this.type = type;
            this.messageId = messageId;
            this.conversationId = conversationId;
            this.payload = payload;
            this.message = message;
        }

        String conversationId() {
            return conversationId;
        }

        /** The published envelope: the event with the message's fields, as subscribers get it (~600 bytes). */
        String envelope(Instant at) {
            String data = message == null
                    ? payload
                    : "{\"messageId\":\"%s\",\"conversationId\":\"%s\",\"carrier\":\"whatsapp\",\"account\":\"%s\",\"direction\":\"inbound\",\"sender\":{\"address\":\"%s\",\"displayName\":\"Sheena Nelson\"},\"recipient\":\"+15550783881\",\"content\":%s,\"status\":\"received\",\"createdAt\":\"%s\"}"
                            .formatted(
                                    messageId,
                                    conversationId,
                                    Inbound.ACCOUNT,
                                    message.participant(),
                                    message.content(),
                                    message.createdAt());
            return "{\"id\":\"%s\",\"type\":\"%s\",\"createdAt\":\"%s\",\"data\":%s}".formatted(id, type, at, data);
        }
    }

    record Counters(long messageCount, Instant lastMessageAt, String carrier) {}

    /**
     * An engine: what differs between them is the connection, the schema's types, how a set of ids is bound, how
     * generated keys come back and how a commit is made durable; the statements are the same.
     */
    abstract static class Engine {
        abstract String label();

        abstract Connection open(Path directory) throws SQLException;

        abstract void schema(Connection connection) throws SQLException;

        abstract void time(PreparedStatement statement, int index, Instant at) throws SQLException;

        abstract Instant time(ResultSet row, int index) throws SQLException;

        abstract void uuid(PreparedStatement statement, int index, UUID id) throws SQLException;

        /** The FROM clause that joins the conversations to the one bound set of ids. */
        abstract String idsJoined();

        abstract void bindIds(Connection connection, PreparedStatement select, Set<String> ids) throws SQLException;

        /** Inserts a row per item ({@code bind} sets its values) and returns each row's {@code key}, in order. */
        abstract <T> List<Long> insertReturning(
                Connection connection, String sql, String key, List<T> items, RowBinder<T> bind) throws SQLException;

        /** Commits, and makes the commit durable as production would before answering its callers. */
        abstract void commit(Connection connection) throws SQLException;

        /** Rewrites the closed database at its smallest (H2: SHUTDOWN COMPACT; SQLite: VACUUM). */
        abstract void compact(Path directory) throws SQLException;

        void close(Connection connection) throws SQLException {
            connection.commit();
        }

        /** ConversationWrites.counters: one statement, the ids bound as one value. */
        final Map<String, Counters> counters(Connection connection, Set<String> ids) throws SQLException {
            Map<String, Counters> stored = new LinkedHashMap<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT c.id, c.message_count, c.last_message_at, c.carrier FROM " + idsJoined())) {
                bindIds(connection, select, ids);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        stored.put(rs.getString(1), new Counters(rs.getLong(2), time(rs, 3), rs.getString(4)));
                    }
                }
            }
            return stored;
        }

        /** GroupTransaction.insertEvents: leased where {@code handOver} says; sets each event's {@code seq}. */
        final void insertChangeEvents(Connection connection, List<Event> events, Map<String, Boolean> handOver)
                throws SQLException {
            List<Long> seqs = insertReturning(connection, """
                    INSERT INTO change_events (event_id, type, message_id, conversation_id, payload, created_at,
                        lease_owner, lease_until)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", "seq", events, (insert, event) -> {
                boolean lease = handOver.get(event.conversationId());
                uuid(insert, 1, event.id);
                insert.setString(2, event.type);
                insert.setString(3, event.messageId);
                insert.setString(4, event.conversationId);
                insert.setString(5, event.payload);
                time(insert, 6, NOW);
                insert.setString(7, lease ? OWNER : null);
                time(insert, 8, lease ? NOW.plus(LEASE_MICROS, ChronoUnit.MICROS) : null);
            });
            for (int i = 0; i < events.size(); i++) {
                events.get(i).seq = seqs.get(i);
            }
        }

        /** FeedWrites.publish: the published log's rows, their positions read back. */
        final void insertPublished(Connection connection, List<Event> events) throws SQLException {
            insertReturning(
                    connection,
                    "INSERT INTO published_events (event_id, type, envelope, created_at, client_id)"
                            + " VALUES (?, ?, ?, ?, ?)",
                    "id",
                    events,
                    (log, event) -> {
                        uuid(log, 1, event.id);
                        log.setString(2, event.type);
                        log.setString(3, event.envelope(NOW));
                        time(log, 4, NOW);
                        log.setString(5, null);
                    });
        }
    }

    interface RowBinder<T> {
        void bind(PreparedStatement statement, T item) throws SQLException;
    }

    private static final Instant NOW = Instant.parse("2026-12-07T00:00:00Z");

    /** H2 as JdbcMessageStore.embedded runs it: the same URL settings and CHECKPOINT SYNC after each commit. */
    static final class H2 extends Engine {
        @Override
        String label() {
            return "H2 " + org.h2.engine.Constants.VERSION;
        }

        @Override
        Connection open(Path directory) throws SQLException {
            return DriverManager.getConnection(url(directory), "sa", "");
        }

        /** JdbcMessageStore.embeddedUrl with the file system "file". */
        static String url(Path directory) {
            return "jdbc:h2:file:" + directory.toAbsolutePath().resolve("omniservice")
                    + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH"
                    + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000;QUERY_CACHE_SIZE=256";
        }

        @Override
        void schema(Connection connection) throws SQLException {
            // store-jdbc's migrations V1, V3, V4 and V5 for these tables, identity cache as embedded (32)
            run(
                    connection,
                    """
                    CREATE TABLE conversations (
                        id VARCHAR(64) NOT NULL PRIMARY KEY, participant VARCHAR(255) NOT NULL,
                        carrier VARCHAR(32) NOT NULL, state VARCHAR(32) NOT NULL DEFAULT 'open',
                        created_at TIMESTAMP WITH TIME ZONE NOT NULL, last_message_at TIMESTAMP WITH TIME ZONE NOT NULL,
                        message_count BIGINT NOT NULL DEFAULT 0, metadata VARCHAR NOT NULL DEFAULT '{}', tags VARCHAR)""",
                    "CREATE INDEX conversations_activity_idx ON conversations (last_message_at DESC, id DESC)",
                    """
                    CREATE TABLE messages (
                        message_id VARCHAR(64) NOT NULL PRIMARY KEY, conversation_id VARCHAR(64) NOT NULL,
                        direction VARCHAR(16) NOT NULL, carrier VARCHAR(32) NOT NULL, account VARCHAR(128) NOT NULL,
                        carrier_message_id VARCHAR(255), sender VARCHAR(255) NOT NULL, sender_name VARCHAR(255),
                        recipient VARCHAR(255), content VARCHAR NOT NULL, status VARCHAR(16) NOT NULL,
                        created_at TIMESTAMP WITH TIME ZONE NOT NULL, sent_at TIMESTAMP WITH TIME ZONE,
                        delivered_at TIMESTAMP WITH TIME ZONE, read_at TIMESTAMP WITH TIME ZONE,
                        error_code VARCHAR(255), error_message VARCHAR, metadata VARCHAR NOT NULL,
                        callback_url VARCHAR(2048), rules_fired VARCHAR, client_id VARCHAR(160),
                        CONSTRAINT messages_carrier_message_key UNIQUE (carrier, carrier_message_id))""",
                    "CREATE INDEX messages_carrier_created_idx ON messages (carrier, created_at, message_id)",
                    "CREATE INDEX messages_status_created_idx ON messages (status, created_at, message_id)",
                    "CREATE INDEX messages_conversation_created_idx ON messages (conversation_id, created_at, message_id)",
                    """
                    CREATE TABLE status_history (
                        id BIGINT GENERATED ALWAYS AS IDENTITY (CACHE 32) PRIMARY KEY,
                        message_id VARCHAR(64) REFERENCES messages (message_id), carrier VARCHAR(32) NOT NULL,
                        carrier_message_id VARCHAR(255), status VARCHAR(16) NOT NULL, carrier_status VARCHAR(64) NOT NULL,
                        error_code VARCHAR(255), error_message VARCHAR, occurred_at TIMESTAMP WITH TIME ZONE NOT NULL,
                        recorded_at TIMESTAMP WITH TIME ZONE NOT NULL,
                        CONSTRAINT status_history_dedupe_key UNIQUE (carrier, carrier_message_id, status, carrier_status, occurred_at))""",
                    "CREATE INDEX status_history_message_idx ON status_history (message_id, occurred_at, id)",
                    """
                    CREATE TABLE change_events (
                        seq BIGINT GENERATED ALWAYS AS IDENTITY (CACHE 32) PRIMARY KEY, event_id UUID NOT NULL,
                        type VARCHAR(32) NOT NULL, message_id VARCHAR(64), conversation_id VARCHAR(64),
                        payload VARCHAR NOT NULL, created_at TIMESTAMP WITH TIME ZONE NOT NULL,
                        step INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, context VARCHAR,
                        next_attempt_at TIMESTAMP WITH TIME ZONE, lease_owner VARCHAR(64),
                        lease_until TIMESTAMP WITH TIME ZONE, last_error VARCHAR)""",
                    "CREATE INDEX change_events_conversation_idx ON change_events (conversation_id, seq)",
                    """
                    CREATE TABLE published_events (
                        id BIGINT GENERATED ALWAYS AS IDENTITY (CACHE 32) PRIMARY KEY, event_id UUID NOT NULL,
                        type VARCHAR(32) NOT NULL, envelope VARCHAR NOT NULL,
                        created_at TIMESTAMP WITH TIME ZONE NOT NULL, client_id VARCHAR(160))""",
                    """
                    CREATE TABLE subscriptions (
                        id VARCHAR(64) NOT NULL PRIMARY KEY, url VARCHAR(2048) NOT NULL, events VARCHAR(256) NOT NULL,
                        secret VARCHAR(256) NOT NULL, created_at TIMESTAMP WITH TIME ZONE NOT NULL,
                        client_id VARCHAR(160), sees_all BOOLEAN NOT NULL DEFAULT TRUE)""",
                    """
                    CREATE TABLE participant_links (
                        alias VARCHAR(255) NOT NULL PRIMARY KEY, participant VARCHAR(255) NOT NULL,
                        linked_at TIMESTAMP WITH TIME ZONE NOT NULL)""");
        }

        @Override
        void time(PreparedStatement statement, int index, Instant at) throws SQLException {
            if (at == null) {
                statement.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                statement.setObject(index, OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
            }
        }

        @Override
        Instant time(ResultSet row, int index) throws SQLException {
            return row.getObject(index, OffsetDateTime.class).toInstant();
        }

        @Override
        void uuid(PreparedStatement statement, int index, UUID id) throws SQLException {
            statement.setObject(index, id);
        }

        @Override
        String idsJoined() {
            return "UNNEST(CAST(? AS VARCHAR ARRAY)) AS k(id) JOIN conversations c ON c.id = k.id";
        }

        @Override
        void bindIds(Connection connection, PreparedStatement select, Set<String> ids) throws SQLException {
            select.setArray(1, connection.createArrayOf("varchar", ids.toArray()));
        }

        /** One batch, the keys from getGeneratedKeys, as store-jdbc does. */
        @Override
        <T> List<Long> insertReturning(Connection connection, String sql, String key, List<T> items, RowBinder<T> bind)
                throws SQLException {
            List<Long> keys = new ArrayList<>();
            try (PreparedStatement insert = connection.prepareStatement(sql, new String[] {key})) {
                for (T item : items) {
                    bind.bind(insert, item);
                    insert.addBatch();
                }
                insert.executeBatch();
                try (ResultSet rs = insert.getGeneratedKeys()) {
                    while (rs.next()) {
                        keys.add(rs.getLong(1));
                    }
                }
            }
            if (keys.size() != items.size()) {
                throw new SQLException("inserted " + items.size() + " rows but got " + keys.size() + " keys");
            }
            return keys;
        }

        @Override
        void commit(Connection connection) throws SQLException {
            connection.commit();
            run(connection, "CHECKPOINT SYNC");
        }

        @Override
        void compact(Path directory) throws SQLException {
            try (Connection connection = open(directory)) {
                run(connection, "SHUTDOWN COMPACT");
            }
        }
    }

    /** SQLite in WAL mode with synchronous=FULL: each commit appends to the WAL and fsyncs it once. */
    static final class Sqlite extends Engine {
        @Override
        String label() {
            return "SQLite " + sqliteVersion();
        }

        @Override
        Connection open(Path directory) throws SQLException {
            Connection connection = DriverManager.getConnection(
                    "jdbc:sqlite:" + directory.toAbsolutePath().resolve("omniservice.db"));
            run(
                    connection,
                    "PRAGMA journal_mode=WAL",
                    "PRAGMA synchronous=FULL",
                    "PRAGMA foreign_keys=ON",
                    "PRAGMA busy_timeout=10000");
            return connection;
        }

        @Override
        void schema(Connection connection) throws SQLException {
            // the same tables and indexes; times as epoch microseconds, UUIDs as 16-byte blobs
            run(
                    connection,
                    """
                    CREATE TABLE conversations (
                        id TEXT NOT NULL PRIMARY KEY, participant TEXT NOT NULL, carrier TEXT NOT NULL,
                        state TEXT NOT NULL DEFAULT 'open', created_at INTEGER NOT NULL, last_message_at INTEGER NOT NULL,
                        message_count INTEGER NOT NULL DEFAULT 0, metadata TEXT NOT NULL DEFAULT '{}', tags TEXT)""",
                    "CREATE INDEX conversations_activity_idx ON conversations (last_message_at DESC, id DESC)",
                    """
                    CREATE TABLE messages (
                        message_id TEXT NOT NULL PRIMARY KEY, conversation_id TEXT NOT NULL, direction TEXT NOT NULL,
                        carrier TEXT NOT NULL, account TEXT NOT NULL, carrier_message_id TEXT, sender TEXT NOT NULL,
                        sender_name TEXT, recipient TEXT, content TEXT NOT NULL, status TEXT NOT NULL,
                        created_at INTEGER NOT NULL, sent_at INTEGER, delivered_at INTEGER, read_at INTEGER,
                        error_code TEXT, error_message TEXT, metadata TEXT NOT NULL, callback_url TEXT,
                        rules_fired TEXT, client_id TEXT,
                        CONSTRAINT messages_carrier_message_key UNIQUE (carrier, carrier_message_id))""",
                    "CREATE INDEX messages_carrier_created_idx ON messages (carrier, created_at, message_id)",
                    "CREATE INDEX messages_status_created_idx ON messages (status, created_at, message_id)",
                    "CREATE INDEX messages_conversation_created_idx ON messages (conversation_id, created_at, message_id)",
                    """
                    CREATE TABLE status_history (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT REFERENCES messages (message_id),
                        carrier TEXT NOT NULL, carrier_message_id TEXT, status TEXT NOT NULL,
                        carrier_status TEXT NOT NULL, error_code TEXT, error_message TEXT,
                        occurred_at INTEGER NOT NULL, recorded_at INTEGER NOT NULL,
                        CONSTRAINT status_history_dedupe_key UNIQUE (carrier, carrier_message_id, status, carrier_status, occurred_at))""",
                    "CREATE INDEX status_history_message_idx ON status_history (message_id, occurred_at, id)",
                    """
                    CREATE TABLE change_events (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id BLOB NOT NULL, type TEXT NOT NULL,
                        message_id TEXT, conversation_id TEXT, payload TEXT NOT NULL, created_at INTEGER NOT NULL,
                        step INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, context TEXT,
                        next_attempt_at INTEGER, lease_owner TEXT, lease_until INTEGER, last_error TEXT)""",
                    "CREATE INDEX change_events_conversation_idx ON change_events (conversation_id, seq)",
                    """
                    CREATE TABLE published_events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, event_id BLOB NOT NULL, type TEXT NOT NULL,
                        envelope TEXT NOT NULL, created_at INTEGER NOT NULL, client_id TEXT)""",
                    """
                    CREATE TABLE subscriptions (
                        id TEXT NOT NULL PRIMARY KEY, url TEXT NOT NULL, events TEXT NOT NULL, secret TEXT NOT NULL,
                        created_at INTEGER NOT NULL, client_id TEXT, sees_all INTEGER NOT NULL DEFAULT 1)""",
                    """
                    CREATE TABLE participant_links (
                        alias TEXT NOT NULL PRIMARY KEY, participant TEXT NOT NULL, linked_at INTEGER NOT NULL)""");
        }

        @Override
        void time(PreparedStatement statement, int index, Instant at) throws SQLException {
            if (at == null) {
                statement.setNull(index, Types.BIGINT);
            } else {
                statement.setLong(index, ChronoUnit.MICROS.between(Instant.EPOCH, at));
            }
        }

        @Override
        Instant time(ResultSet row, int index) throws SQLException {
            return Instant.EPOCH.plus(row.getLong(index), ChronoUnit.MICROS);
        }

        @Override
        void uuid(PreparedStatement statement, int index, UUID id) throws SQLException {
            statement.setBytes(
                    index,
                    ByteBuffer.allocate(16)
                            .putLong(id.getMostSignificantBits())
                            .putLong(id.getLeastSignificantBits())
                            .array());
        }

        /** No arrays: json_each over one JSON array parameter, the nearest thing to UNNEST. */
        @Override
        String idsJoined() {
            return "json_each(?) AS k JOIN conversations c ON c.id = k.value";
        }

        @Override
        void bindIds(Connection connection, PreparedStatement select, Set<String> ids) throws SQLException {
            select.setString(1, ids.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(",", "[", "]")));
        }

        /** The driver returns no keys for a batch: RETURNING, row by row. */
        @Override
        <T> List<Long> insertReturning(Connection connection, String sql, String key, List<T> items, RowBinder<T> bind)
                throws SQLException {
            List<Long> keys = new ArrayList<>();
            try (PreparedStatement insert = connection.prepareStatement(sql + " RETURNING " + key)) {
                for (T item : items) {
                    bind.bind(insert, item);
                    try (ResultSet rs = insert.executeQuery()) {
                        if (!rs.next()) {
                            throw new SQLException("the insert returned no " + key);
                        }
                        keys.add(rs.getLong(1));
                    }
                }
            }
            return keys;
        }

        @Override
        void commit(Connection connection) throws SQLException {
            connection.commit(); // synchronous=FULL in WAL mode: the WAL is fsynced before COMMIT returns
        }

        @Override
        void compact(Path directory) throws SQLException {
            try (Connection connection = open(directory)) {
                run(connection, "VACUUM");
            }
        }
    }

    private static void run(Connection connection, String... statements) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    /** The database's files after it is closed (H2: one .mv.db; SQLite: the .db, its WAL checkpointed into it). */
    private static long size(Path directory) throws java.io.IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }

    private static void deleteTree(Path directory) throws java.io.IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Opens a database another H2 version wrote (kept with --keep), reads its counts and writes one row to it. */
    private static boolean openExisting(Path directory) {
        String version = org.h2.engine.Constants.VERSION;
        try (Connection connection = DriverManager.getConnection(H2.url(directory), "sa", "")) {
            long messages = count(connection, "messages");
            long conversations = count(connection, "conversations");
            long published = count(connection, "published_events");
            try (Statement statement = connection.createStatement()) {
                statement.executeUpdate("INSERT INTO participant_links VALUES ('probe', 'probe', CURRENT_TIMESTAMP)");
            }
            System.out.printf(
                    "H2 %s opened the file: %d messages, %d conversations, %d published events; wrote a row%n",
                    version, messages, conversations, published);
            return messages > 0;
        } catch (SQLException e) {
            System.out.printf(
                    "H2 %s cannot open the file: %s%n",
                    version, e.getMessage().lines().findFirst().orElse(""));
            return false;
        }
    }
}
