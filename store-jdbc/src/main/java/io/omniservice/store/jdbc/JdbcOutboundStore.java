package io.omniservice.store.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.Direction;
import io.omniservice.core.outbound.AcceptResult;
import io.omniservice.core.outbound.CallbackDelivery;
import io.omniservice.core.outbound.DeadLetter;
import io.omniservice.core.outbound.NumberUse;
import io.omniservice.core.outbound.OutboundStore;
import io.omniservice.core.outbound.Priority;
import io.omniservice.core.outbound.QueuedMessage;
import io.omniservice.core.outbound.RecipientFacts;
import io.omniservice.core.outbound.RoutingRule;
import io.omniservice.core.outbound.SendAttempt;
import io.omniservice.core.outbound.SendHandoff;
import io.omniservice.core.outbound.SendJob;
import io.omniservice.core.outbound.SendOutcome;
import io.omniservice.core.outbound.SendPlan;
import io.omniservice.core.store.StorageException;
import io.omniservice.core.store.plan.DeadLetterPayloads;
import io.omniservice.core.store.plan.SendResults;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The outbound tables of the JDBC store. Accepting a send and storing its outcome go through the
 * message store's group committer (durable before the caller hears of it, batched with concurrent
 * writes); leases and callback bookkeeping are plain transactions, since losing one only means the work
 * runs again.
 */
public final class JdbcOutboundStore implements OutboundStore {
    private final DataSource dataSource;
    private final GroupCommitter committer;
    private final Clock clock;
    private final JdbcAccess jdbc;

    /** {@code relaxLeaseCommits}: run before each lease transaction (PostgreSQL: asynchronous commit), or null. */
    JdbcOutboundStore(DataSource dataSource, GroupCommitter committer, Clock clock, String relaxLeaseCommits) {
        this.jdbc = new JdbcAccess(dataSource, relaxLeaseCommits);
        this.dataSource = dataSource;
        this.committer = committer;
        this.clock = clock;
    }

    @Override
    public AcceptResult accept(QueuedMessage queued) {
        return (AcceptResult) await(committer.submit(new OutboundWrites.Accept(queued)));
    }

    static final String INSERT_JOB = """
            INSERT INTO send_jobs (message_id, conversation_id, priority, not_before, expire_at, plan, created_at,
                lease_owner, lease_until, runs)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    static void bindJob(
            PreparedStatement insert,
            String messageId,
            String conversationId,
            Priority priority,
            Instant notBefore,
            Instant expireAt,
            SendPlan plan,
            Instant now,
            SendHandoff.Lease lease)
            throws SQLException {
        insert.setString(1, messageId);
        insert.setString(2, conversationId);
        insert.setInt(3, priority.ordinal());
        SqlTime.set(insert, 4, SqlTime.stored(notBefore));
        SqlTime.set(insert, 5, expireAt == null ? null : SqlTime.stored(expireAt));
        insert.setString(6, JsonText.write(plan));
        SqlTime.set(insert, 7, now);
        // a job handed straight to this node's sender is stored leased, as if it had been claimed
        insert.setString(8, lease == null ? null : lease.owner());
        SqlTime.set(insert, 9, lease == null ? null : SqlTime.stored(lease.until()));
        insert.setInt(10, lease == null ? 0 : 1);
    }

    @Override
    public Optional<AcceptResult.KeyUsed> idempotentAnswer(String principal, String key, String requestHash) {
        try (Connection connection = dataSource.getConnection()) {
            return keyUsed(connection, principal, key, requestHash);
        } catch (SQLException e) {
            throw new StorageException("cannot read idempotency key", e);
        }
    }

    static Optional<AcceptResult.KeyUsed> keyUsed(
            Connection connection, String principal, String key, String requestHash) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT request_hash, response FROM idempotency_keys WHERE principal = ? AND idem_key = ?")) {
            select.setString(1, principal);
            select.setString(2, key);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new AcceptResult.KeyUsed(
                        rs.getString("request_hash").equals(requestHash), rs.getString("response")));
            }
        }
    }

    @Override
    public List<SendJob> claimDue(String owner, Instant now, Duration lease, int max) {
        Instant at = SqlTime.stored(now);
        Instant until = SqlTime.stored(now.plus(lease));
        return jdbc.inLeaseTransaction("cannot lease send jobs", connection -> {
            List<SendJob> claimed = new ArrayList<>(leaseDeadlines(connection, owner, at, until, max));
            claimed.addAll(leaseJobs(connection, owner, at, until, max - claimed.size()));
            return claimed;
        });
    }

    /**
     * Leases due receipt deadlines ({@code receipt_deadlines}) as jobs whose plan carries the watch; they come
     * before sends, being few and quick, so a long campaign does not hold a fallback back.
     */
    private static List<SendJob> leaseDeadlines(Connection connection, String owner, Instant at, Instant until, int max)
            throws SQLException {
        return leaseDue(connection, "receipt_deadlines", """
                SELECT message_id, conversation_id, priority, expire_at, plan, runs FROM receipt_deadlines
                WHERE due <= ? AND (lease_until IS NULL OR lease_until < ?)
                ORDER BY due LIMIT ?""", owner, at, until, max);
    }

    /**
     * Leases due sends: high priority before normal before low, and within a priority the job due first (its
     * request order when due together); only the earliest due job of each conversation, in request order.
     */
    private static List<SendJob> leaseJobs(Connection connection, String owner, Instant at, Instant until, int max)
            throws SQLException {
        List<SendJob> leased = new ArrayList<>();
        for (Priority priority : Priority.values()) {
            leased.addAll(
                    leaseDue(connection, "send_jobs", LEASE_JOBS.get(priority), owner, at, until, max - leased.size()));
        }
        return leased;
    }

    /**
     * One query a priority rather than one ordered by priority: each reads the {@code (priority, not_before, seq)}
     * index from its first job to the last one due, so jobs scheduled ahead (a campaign for tomorrow, a retry's
     * backoff) are never read while nothing of them is due; a query over every priority could not come out of
     * that index in order, and one ordered by {@code (priority, seq)} reads every job scheduled ahead at each poll.
     */
    private static final Map<Priority, String> LEASE_JOBS = leaseJobQueries();

    private static Map<Priority, String> leaseJobQueries() {
        Map<Priority, String> queries = new EnumMap<>(Priority.class);
        for (Priority priority : Priority.values()) {
            queries.put(priority, """
                    SELECT j.message_id, j.conversation_id, j.priority, j.expire_at, j.plan, j.runs FROM send_jobs j
                    WHERE j.priority = %d AND j.not_before <= ? AND (j.lease_until IS NULL OR j.lease_until < ?)
                      AND NOT EXISTS (SELECT 1 FROM send_jobs e
                          WHERE e.conversation_id = j.conversation_id AND e.seq < j.seq AND e.not_before <= ?)
                    ORDER BY j.not_before, j.seq LIMIT ?""".formatted(priority.ordinal()));
        }
        return queries;
    }

    /**
     * Leases up to {@code max} rows of {@code table} that {@code select} finds due (its parameters: {@code at} as
     * often as it asks, then {@code max}) and nobody leased between that read and the lease's conditional update.
     */
    private static List<SendJob> leaseDue(
            Connection connection, String table, String select, String owner, Instant at, Instant until, int max)
            throws SQLException {
        if (max <= 0) {
            return List.of();
        }
        List<SendJob> candidates = new ArrayList<>();
        try (PreparedStatement due = connection.prepareStatement(select)) {
            // every parameter but the last is the time (the driver's own count may cost PostgreSQL a round trip)
            int times = (int) select.chars().filter(c -> c == '?').count() - 1;
            for (int i = 1; i <= times; i++) {
                SqlTime.set(due, i, at);
            }
            due.setInt(times + 1, max);
            try (ResultSet rs = due.executeQuery()) {
                while (rs.next()) {
                    candidates.add(new SendJob(
                            rs.getString("message_id"),
                            rs.getString("conversation_id"),
                            JsonText.read(rs.getString("plan"), SendPlan.class),
                            Priority.values()[rs.getInt("priority")],
                            SqlTime.get(rs, "expire_at"),
                            rs.getInt("runs") + 1,
                            until,
                            null));
                }
            }
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        int[] counts;
        try (PreparedStatement lease1 = connection.prepareStatement("UPDATE " + table
                + " SET lease_owner = ?, lease_until = ?, runs = runs + 1"
                + " WHERE message_id = ? AND (lease_until IS NULL OR lease_until < ?)")) {
            for (SendJob job : candidates) {
                lease1.setString(1, owner);
                SqlTime.set(lease1, 2, until);
                lease1.setString(3, job.messageId());
                SqlTime.set(lease1, 4, at);
                lease1.addBatch();
            }
            counts = lease1.executeBatch();
        }
        List<SendJob> claimed = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            // another node leased it between our SELECT and UPDATE
            if (counts[i] > 0) {
                claimed.add(candidates.get(i));
            }
        }
        return claimed;
    }

    @Override
    public void finish(SendOutcome outcome) {
        switch (outcome) {
            case SendOutcome.Sent sent -> await(committer.submit(new OutboundWrites.Sent(sent)));
            case SendOutcome.Failed failed ->
                await(committer.submit(tx -> {
                    failed(tx, failed);
                    return null;
                }));
            case SendOutcome.WatchEnded ended ->
                await(committer.submit(tx -> {
                    watchEnded(tx, ended);
                    return null;
                }));
        }
    }

    /**
     * Removes the jobs of sent messages; one waiting for a receipt ({@code options.fallback}) leaves its deadline in
     * {@code receipt_deadlines}, unleased, due at the deadline with the plan that says so.
     */
    static void endJobs(Connection connection, List<SendOutcome.Sent> sent) throws SQLException {
        // the deadline is copied out of the job before the job goes: receipt_deadlines, not send_jobs, so that a
        // node of the release before deadlines (which leases every due send_jobs row) never sends it again
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM send_jobs WHERE message_id = ?");
                PreparedStatement wait = connection.prepareStatement("""
                        INSERT INTO receipt_deadlines (message_id, conversation_id, priority, due, expire_at, plan)
                        SELECT message_id, conversation_id, priority, ?, expire_at, ? FROM send_jobs
                        WHERE message_id = ?""")) {
            boolean deleting = false;
            boolean waiting = false;
            for (SendOutcome.Sent one : sent) {
                if (one.waiting() != null) {
                    SqlTime.set(wait, 1, SqlTime.stored(one.waiting().watch().due()));
                    wait.setString(2, JsonText.write(one.waiting()));
                    wait.setString(3, one.messageId());
                    wait.addBatch();
                    waiting = true;
                }
                delete.setString(1, one.messageId());
                delete.addBatch();
                deleting = true;
            }
            if (waiting) {
                wait.executeBatch();
            }
            if (deleting) {
                delete.executeBatch();
            }
        }
    }

    /** Ends a watched job: records and announces a missing receipt ({@link SendResults#timedOut}), if any. */
    private static void watchEnded(GroupTransaction tx, SendOutcome.WatchEnded ended) throws SQLException {
        Connection connection = tx.connection();
        int removed = 0;
        // a deadline of this release; or a sent job kept waiting in send_jobs by a node of the first release with
        // receipt deadlines, which kept them there
        for (String delete : List.of(
                "DELETE FROM receipt_deadlines WHERE message_id = ?", "DELETE FROM send_jobs WHERE message_id = ?")) {
            try (PreparedStatement statement = connection.prepareStatement(delete)) {
                statement.setString(1, ended.messageId());
                removed += statement.executeUpdate();
            }
        }
        if (removed == 0 || ended.timeout() == null) {
            // nothing left: another run of the same deadline ended it and recorded what this one would
            return;
        }
        SendResults.TimedOut timedOut = SendResults.timedOut(ended, tx.now());
        tx.applyOwnStatus(ended.messageId(), timedOut.report());
        tx.publish(List.of(timedOut.event()));
    }

    /** Fails the message (and dead-letters its send when every carrier was exhausted), removing the job. */
    private static void failed(GroupTransaction tx, SendOutcome.Failed failed) throws SQLException {
        Connection connection = tx.connection();
        insertAttempts(connection, List.of(failed));
        tx.applyOwnStatus(failed.messageId(), SendResults.failed(failed, tx.now()));
        if (failed.deadLetter()) {
            SendResults.DeadSend dead = SendResults.deadLetter(failed);
            insertDeadLetter(
                    connection,
                    "send",
                    failed.messageId(),
                    dead.payload(),
                    dead.attempts(),
                    dead.lastError(),
                    tx.now());
        }
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM send_jobs WHERE message_id = ?")) {
            delete.setString(1, failed.messageId());
            delete.executeUpdate();
        }
    }

    /** Every attempt of these outcomes, in one batch. */
    static void insertAttempts(Connection connection, List<? extends SendOutcome> outcomes) throws SQLException {
        if (outcomes.stream().allMatch(o -> o.attempts().isEmpty())) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement("""
                INSERT INTO send_attempts (message_id, carrier, account, attempted_at, duration_ms, outcome,
                    http_status, error_code, error_message, sent_to)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            for (SendOutcome outcome : outcomes) {
                for (SendAttempt attempt : outcome.attempts()) {
                    insert.setString(1, outcome.messageId());
                    insert.setString(2, attempt.carrier().wireName());
                    insert.setString(3, attempt.account());
                    SqlTime.set(insert, 4, SqlTime.stored(attempt.at()));
                    insert.setLong(5, attempt.durationMs());
                    insert.setString(6, attempt.outcome());
                    if (attempt.httpStatus() == null) {
                        insert.setNull(7, Types.INTEGER);
                    } else {
                        insert.setInt(7, attempt.httpStatus());
                    }
                    insert.setString(8, attempt.errorCode());
                    insert.setString(9, attempt.errorMessage());
                    insert.setString(10, attempt.to());
                    insert.addBatch();
                }
            }
            insert.executeBatch();
        }
    }

    static void insertDeadLetter(
            Connection connection,
            String kind,
            String messageId,
            JsonNode payload,
            int attempts,
            String lastError,
            Instant now)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("""
                INSERT INTO dead_letters (id, kind, message_id, payload, attempts, last_error, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)""")) {
            insert.setString(1, UUID.randomUUID().toString());
            insert.setString(2, kind);
            insert.setString(3, messageId);
            insert.setString(4, JsonText.write(payload));
            insert.setInt(5, attempts);
            insert.setString(6, lastError);
            SqlTime.set(insert, 7, now);
            insert.executeUpdate();
        }
    }

    @Override
    public void release(String messageId, Instant notBefore) {
        jdbc.update(
                "UPDATE send_jobs SET lease_owner = NULL, lease_until = NULL, not_before = ? WHERE message_id = ?",
                statement -> {
                    SqlTime.set(statement, 1, SqlTime.stored(notBefore));
                    statement.setString(2, messageId);
                });
    }

    @Override
    public int releaseLeasesOf(String owner) {
        int released = 0;
        for (String table : List.of("send_jobs", "receipt_deadlines")) {
            released += jdbc.update(
                    "UPDATE " + table + " SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
                    statement -> statement.setString(1, owner));
        }
        return released;
    }

    @Override
    public List<SendAttempt> attempts(String messageId) {
        return jdbc.query(
                """
                SELECT carrier, account, attempted_at, duration_ms, outcome, http_status, error_code, error_message,
                    sent_to
                FROM send_attempts WHERE message_id = ? ORDER BY id""",
                statement -> statement.setString(1, messageId),
                rs -> new SendAttempt(
                        CarrierType.fromWireName(rs.getString("carrier")).orElseThrow(),
                        rs.getString("account"),
                        SqlTime.get(rs, "attempted_at"),
                        rs.getLong("duration_ms"),
                        rs.getString("outcome"),
                        (Integer) rs.getObject("http_status"),
                        rs.getString("error_code"),
                        rs.getString("error_message"),
                        rs.getString("sent_to")));
    }

    @Override
    public RecipientFacts recipientFacts(ConversationKey addressed) {
        ConversationKey conversation = linked(addressed);
        // one plain SELECT (H2 keeps it parsed per connection; a UNION it parses every time); the conversation's row
        // holds its last WhatsApp message from the customer (ConversationActivity), so no message is read
        List<RecipientFacts> facts = jdbc.query(
                """
                SELECT c.carrier AS last_carrier, c.last_whatsapp_inbound_at AS last_whatsapp,
                    (SELECT STRING_AGG(channel, ',') FROM opt_outs WHERE participant = ?) AS opted_out
                FROM (SELECT 1 AS one) o LEFT JOIN conversations c ON c.id = ?""",
                statement -> {
                    statement.setString(1, conversation.participant());
                    statement.setString(2, conversation.conversationId());
                },
                rs -> {
                    String carrier = rs.getString("last_carrier");
                    String optedOut = rs.getString("opted_out");
                    return new RecipientFacts(
                            carrier == null
                                    ? null
                                    : CarrierType.fromWireName(carrier).orElse(null),
                            optedOut == null ? Set.of() : Set.of(optedOut.split(",")),
                            SqlTime.get(rs, "last_whatsapp"));
                });
        return facts.getFirst();
    }

    @Override
    public List<NumberUse> numbersUsed(ConversationKey addressed, int max) {
        ConversationKey conversation = linked(addressed);
        // the conversation's index serves it; the status condition leaves out queued and failed sends
        return jdbc
                .query(
                        """
                SELECT carrier, account, direction, sender, recipient FROM messages
                WHERE conversation_id = ? AND (direction = 'inbound' OR status IN ('sent', 'delivered', 'read'))
                ORDER BY created_at DESC, message_id DESC
                LIMIT ?""",
                        statement -> {
                            statement.setString(1, conversation.conversationId());
                            statement.setInt(2, max);
                        },
                        rs -> {
                            boolean inbound = Direction.INBOUND.wireName().equals(rs.getString("direction"));
                            String number = inbound ? rs.getString("recipient") : rs.getString("sender");
                            return new NumberUse(
                                    CarrierType.fromWireName(rs.getString("carrier"))
                                            .orElse(null),
                                    rs.getString("account"),
                                    number);
                        })
                .stream()
                .filter(use -> use.carrier() != null && use.number() != null)
                .toList();
    }

    /** The conversation a WhatsApp user id or an old number is linked to, else the key itself. */
    private ConversationKey linked(ConversationKey key) {
        List<String> linked = jdbc.query(
                ParticipantLinks.LINKED_TO,
                statement -> statement.setString(1, key.participant()),
                rs -> rs.getString("participant"));
        return linked.isEmpty() ? key : new ConversationKey(linked.getFirst());
    }

    @Override
    public List<RoutingRule> routingRules() {
        return jdbc.query(
                "SELECT id, prefix, carrier, priority, cost_per_message, created_at FROM routing_rules ORDER BY created_at, id",
                statement -> {},
                rs -> new RoutingRule(
                        rs.getString("id"),
                        rs.getString("prefix"),
                        CarrierType.fromWireName(rs.getString("carrier")).orElseThrow(),
                        rs.getInt("priority"),
                        rs.getBigDecimal("cost_per_message"),
                        SqlTime.get(rs, "created_at")));
    }

    @Override
    public RoutingRule addRoutingRule(RoutingRule rule) {
        RoutingRule stored = new RoutingRule(
                UUID.randomUUID().toString(),
                rule.prefix(),
                rule.carrier(),
                rule.priority(),
                rule.costPerMessage(),
                SqlTime.stored(clock.instant()));
        jdbc.update("""
                INSERT INTO routing_rules (id, prefix, carrier, priority, cost_per_message, created_at)
                VALUES (?, ?, ?, ?, ?, ?)""", statement -> {
            statement.setString(1, stored.id());
            statement.setString(2, stored.prefix());
            statement.setString(3, stored.carrier().wireName());
            statement.setInt(4, stored.priority());
            // NUMERIC(12, 6) rounds to 6 places; SQLite keeps the text it gets, so it gets it rounded alike
            statement.setBigDecimal(
                    5,
                    stored.costPerMessage() == null
                            ? null
                            : stored.costPerMessage().setScale(6, java.math.RoundingMode.HALF_UP));
            SqlTime.set(statement, 6, stored.createdAt());
        });
        return stored;
    }

    @Override
    public boolean deleteRoutingRule(String id) {
        return jdbc.update("DELETE FROM routing_rules WHERE id = ?", statement -> statement.setString(1, id)) > 0;
    }

    @Override
    public int releaseCallbackLeasesOf(String owner) {
        return jdbc.update(
                "UPDATE callback_deliveries SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
                statement -> statement.setString(1, owner));
    }

    @Override
    public List<CallbackDelivery> claimCallbacks(String owner, Instant now, Duration lease, int max) {
        Instant at = SqlTime.stored(now);
        return jdbc.inLeaseTransaction("cannot lease callbacks", connection -> {
            List<CallbackDelivery> candidates = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("""
                    SELECT c.id, c.kind, c.message_id, c.url, COALESCE(c.payload, p.envelope) AS payload, c.attempts,
                        c.created_at, s.secret, c.client_id
                    FROM callback_deliveries c LEFT JOIN subscriptions s ON s.id = c.subscription_id
                        LEFT JOIN published_events p ON p.id = c.published_id
                    WHERE c.next_attempt_at <= ? AND (c.lease_until IS NULL OR c.lease_until < ?)
                      AND NOT EXISTS (SELECT 1 FROM callback_deliveries e WHERE e.order_key = c.order_key AND e.id < c.id)
                    ORDER BY c.next_attempt_at, c.id LIMIT ?""")) {
                SqlTime.set(select, 1, at);
                SqlTime.set(select, 2, at);
                select.setInt(3, max);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        candidates.add(new CallbackDelivery(
                                rs.getLong("id"),
                                rs.getString("kind"),
                                rs.getString("message_id"),
                                rs.getString("url"),
                                rs.getString("payload"),
                                rs.getInt("attempts"),
                                rs.getString("secret"),
                                SqlTime.get(rs, "created_at"),
                                rs.getString("client_id")));
                    }
                }
            }
            List<CallbackDelivery> claimed = new ArrayList<>();
            if (candidates.isEmpty()) {
                return claimed;
            }
            int[] counts;
            try (PreparedStatement leaseIt = connection.prepareStatement("""
                    UPDATE callback_deliveries SET lease_until = ?, lease_owner = ?
                    WHERE id = ? AND (lease_until IS NULL OR lease_until < ?)""")) {
                for (CallbackDelivery delivery : candidates) {
                    SqlTime.set(leaseIt, 1, SqlTime.stored(now.plus(lease)));
                    leaseIt.setString(2, owner);
                    leaseIt.setLong(3, delivery.id());
                    SqlTime.set(leaseIt, 4, at);
                    leaseIt.addBatch();
                }
                counts = leaseIt.executeBatch();
            }
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] > 0) {
                    claimed.add(candidates.get(i));
                }
            }
            return claimed;
        });
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> callbackDelivered(long id) {
        // not awaited by the dispatcher: lost in a crash, the receiver only gets the same event id again
        return committer.submit(new FeedWrites.Delivered(id)).thenApply(ignored -> null);
    }

    @Override
    public void handOffDeliveries(
            String owner, Duration lease, java.util.function.Consumer<List<CallbackDelivery>> listener) {
        committer.handOffDeliveries(
                listener == null ? null : new GroupTransaction.DeliveryHandoff(owner, lease, listener));
    }

    @Override
    public void callbackFailed(long id, String error, Instant retryAt) {
        if (retryAt != null) {
            jdbc.update("""
                    UPDATE callback_deliveries SET attempts = attempts + 1, next_attempt_at = ?, lease_until = NULL,
                        last_error = ? WHERE id = ?""", statement -> {
                SqlTime.set(statement, 1, SqlTime.stored(retryAt));
                statement.setString(2, error);
                statement.setLong(3, id);
            });
            return;
        }
        jdbc.inTransaction(connection -> {
            try (PreparedStatement select =
                    connection.prepareStatement("SELECT c.kind, c.message_id, c.subscription_id, c.order_key, c.url,"
                            + " COALESCE(c.payload, p.envelope) AS payload, c.attempts, c.created_at, c.client_id"
                            + " FROM callback_deliveries c LEFT JOIN published_events p ON p.id = c.published_id"
                            + " WHERE c.id = ?")) {
                select.setLong(1, id);
                try (ResultSet rs = select.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    String body = rs.getString("payload");
                    ObjectNode payload = new DeadLetterPayloads.Delivery(
                                    rs.getString("url"),
                                    rs.getString("subscription_id"),
                                    rs.getString("order_key"),
                                    body == null ? null : Json.MAPPER.readTree(body),
                                    rs.getString("client_id"))
                            .toJson();
                    insertDeadLetter(
                            connection,
                            rs.getString("kind"),
                            rs.getString("message_id"),
                            payload,
                            rs.getInt("attempts") + 1,
                            error,
                            SqlTime.stored(clock.instant()));
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("stored callback payload is not JSON", e);
            }
            try (PreparedStatement delete =
                    connection.prepareStatement("DELETE FROM callback_deliveries WHERE id = ?")) {
                delete.setLong(1, id);
                delete.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<io.omniservice.core.notify.DeliveryState.Waiting> waitingEventDeliveries(int max) {
        // each order's first row: the only one tried, found through the order index
        return jdbc.query(
                """
                SELECT c.subscription_id, c.attempts, c.next_attempt_at, c.last_error FROM callback_deliveries c
                WHERE c.kind = 'event'
                  AND c.id = (SELECT MIN(f.id) FROM callback_deliveries f WHERE f.order_key = c.order_key)
                ORDER BY c.id LIMIT ?""",
                statement -> statement.setInt(1, max),
                rs -> new io.omniservice.core.notify.DeliveryState.Waiting(
                        rs.getString("subscription_id"),
                        rs.getInt("attempts"),
                        SqlTime.get(rs, "next_attempt_at"),
                        rs.getString("last_error")));
    }

    @Override
    public List<DeadLetter> deadLetters(int limit) {
        return jdbc.query("""
                SELECT id, kind, message_id, payload, attempts, last_error, created_at, replayed_at FROM dead_letters
                ORDER BY created_at DESC, id LIMIT ?""", statement -> statement.setInt(1, limit), JdbcOutboundStore::deadLetter);
    }

    private static DeadLetter deadLetter(ResultSet rs) throws SQLException {
        return new DeadLetter(
                rs.getString("id"),
                rs.getString("kind"),
                rs.getString("message_id"),
                rs.getInt("attempts"),
                rs.getString("last_error"),
                SqlTime.get(rs, "created_at"),
                SqlTime.get(rs, "replayed_at"),
                JsonText.read(rs.getString("payload"), JsonNode.class));
    }

    @Override
    public Optional<DeadLetter> replay(String id) {
        Instant now = SqlTime.stored(clock.instant());
        DeadLetter replayed = jdbc.inTransaction(connection -> {
            DeadLetter letter;
            try (PreparedStatement select =
                    connection.prepareStatement("""
                    SELECT id, kind, message_id, payload, attempts, last_error, created_at, replayed_at
                    FROM dead_letters WHERE id = ? AND replayed_at IS NULL""" + SqlDialect.of(connection).forUpdate())) {
                select.setString(1, id);
                try (ResultSet rs = select.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    letter = deadLetter(rs);
                }
            }
            if ("send".equals(letter.kind())) {
                replaySend(connection, letter, now);
            } else if (JdbcFeedStore.WORKFLOW.equals(letter.kind())) {
                JdbcFeedStore.replayWorkflow(connection, letter, now);
            } else {
                DeadLetterPayloads.Delivery delivery = DeadLetterPayloads.Delivery.from(letter.payload());
                try (PreparedStatement insert = connection.prepareStatement("""
                        INSERT INTO callback_deliveries (kind, message_id, subscription_id, order_key, url, payload,
                            next_attempt_at, created_at, client_id)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
                    insert.setString(1, letter.kind());
                    insert.setString(2, letter.messageId());
                    insert.setString(3, delivery.subscriptionId());
                    insert.setString(4, delivery.orderKey() != null ? delivery.orderKey() : letter.messageId());
                    insert.setString(5, delivery.url());
                    insert.setString(6, JsonText.write(delivery.event()));
                    SqlTime.set(insert, 7, now);
                    SqlTime.set(insert, 8, now);
                    insert.setString(9, delivery.client());
                    insert.executeUpdate();
                }
            }
            try (PreparedStatement mark =
                    connection.prepareStatement("UPDATE dead_letters SET replayed_at = ? WHERE id = ?")) {
                SqlTime.set(mark, 1, now);
                mark.setString(2, id);
                mark.executeUpdate();
            }
            return new DeadLetter(
                    letter.id(),
                    letter.kind(),
                    letter.messageId(),
                    letter.attempts(),
                    letter.lastError(),
                    letter.createdAt(),
                    now,
                    letter.payload());
        });
        return Optional.ofNullable(replayed);
    }

    /** A replayed send is queued again as a person asked: the one place a failed message moves back. */
    private static void replaySend(Connection connection, DeadLetter letter, Instant now) throws SQLException {
        String conversationId;
        try (PreparedStatement update = connection.prepareStatement("""
                UPDATE messages SET status = 'queued', error_code = NULL, error_message = NULL
                WHERE message_id = ?""")) {
            update.setString(1, letter.messageId());
            update.executeUpdate();
        }
        try (PreparedStatement select =
                connection.prepareStatement("SELECT conversation_id FROM messages WHERE message_id = ?")) {
            select.setString(1, letter.messageId());
            try (ResultSet rs = select.executeQuery()) {
                rs.next();
                conversationId = rs.getString(1);
            }
        }
        SendPlan plan = SendResults.replayedPlan(letter.payload());
        try (PreparedStatement insert = connection.prepareStatement(INSERT_JOB)) {
            bindJob(
                    insert,
                    letter.messageId(),
                    conversationId,
                    SendResults.REPLAY_PRIORITY,
                    now,
                    null,
                    plan,
                    now,
                    null);
            insert.executeUpdate();
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> result) {
        return JdbcMessageStore.awaitWrite(result);
    }
}
