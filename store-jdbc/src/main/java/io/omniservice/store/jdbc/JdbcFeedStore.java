package io.omniservice.store.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.access.Audience;
import io.omniservice.core.access.ClientSecret;
import io.omniservice.core.access.ClientSecretStore;
import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.feed.FeedStore;
import io.omniservice.core.notify.NotificationStore;
import io.omniservice.core.notify.PublishedEvent;
import io.omniservice.core.notify.Subscription;
import io.omniservice.core.outbound.DeadLetter;
import io.omniservice.core.rules.Rule;
import io.omniservice.core.rules.RuleParser;
import io.omniservice.core.rules.RuleStore;
import io.omniservice.core.store.plan.DeadLetterPayloads;
import io.omniservice.core.workflow.StepRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * The processing side of the JDBC store: the change feed as a leased queue (progress goes through the
 * group committer, so it is durable and batched with concurrent writes), subscriptions, the published
 * event log, and the rules created through the API.
 */
public final class JdbcFeedStore implements FeedStore, NotificationStore, RuleStore, ClientSecretStore {
    /** The dead-letter kind of an event whose workflow step ran out of attempts. */
    static final String WORKFLOW = "workflow";

    private static final String EVENT_COLUMNS =
            "seq, event_id, type, message_id, conversation_id, payload, created_at, step, attempts, context";

    private final JdbcAccess jdbc;
    private final GroupCommitter committer;
    private final Clock clock;

    JdbcFeedStore(JdbcAccess jdbc, GroupCommitter committer, Clock clock) {
        this.jdbc = jdbc;
        this.committer = committer;
        this.clock = clock;
    }

    @Override
    public void handOffTo(String owner, Duration lease, Committed listener) {
        committer.handOff(new GroupTransaction.Handoff(owner, lease, listener));
    }

    @Override
    public void stopHandOff() {
        committer.handOff(null);
    }

    @Override
    public List<ChangeEvent> claim(String owner, Instant now, Duration lease, int max) {
        Instant at = SqlTime.stored(now);
        return jdbc.inLeaseTransaction("cannot lease change events", connection -> {
            List<ChangeEvent> candidates = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT " + EVENT_COLUMNS + """
                     FROM change_events e
                    WHERE (e.next_attempt_at IS NULL OR e.next_attempt_at <= ?)
                      AND (e.lease_until IS NULL OR e.lease_until < ?)
                      AND NOT EXISTS (SELECT 1 FROM change_events p
                                      WHERE p.conversation_id = e.conversation_id AND p.seq < e.seq)
                    ORDER BY e.seq LIMIT ?""")) {
                SqlTime.set(select, 1, at);
                SqlTime.set(select, 2, at);
                select.setInt(3, max);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        candidates.add(event(rs));
                    }
                }
            }
            if (candidates.isEmpty()) {
                return candidates;
            }
            int[] counts = lease(connection, candidates, owner, SqlTime.stored(now.plus(lease)), at);
            List<ChangeEvent> claimed = new ArrayList<>();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] > 0) {
                    claimed.add(candidates.get(i));
                }
            }
            return claimed;
        });
    }

    /** Leases each event nobody holds (a conditional update per event); the update counts, in order. */
    private static int[] lease(Connection connection, List<ChangeEvent> events, String owner, Instant until, Instant at)
            throws SQLException {
        try (PreparedStatement leaseIt = connection.prepareStatement("""
                UPDATE change_events SET lease_owner = ?, lease_until = ?
                WHERE seq = ? AND (lease_until IS NULL OR lease_until < ?)""")) {
            for (ChangeEvent event : events) {
                leaseIt.setString(1, owner);
                SqlTime.set(leaseIt, 2, until);
                leaseIt.setLong(3, event.seq());
                SqlTime.set(leaseIt, 4, at);
                leaseIt.addBatch();
            }
            return leaseIt.executeBatch();
        }
    }

    @Override
    public List<ChangeEvent> claimConversation(String owner, String conversationId, Instant now, Duration lease) {
        Instant at = SqlTime.stored(now);
        return jdbc.inLeaseTransaction("cannot lease change events", connection -> {
            List<ChangeEvent> prefix = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT " + EVENT_COLUMNS + """
                    , lease_until, next_attempt_at FROM change_events
                    WHERE conversation_id = ? ORDER BY seq LIMIT 100""")) {
                select.setString(1, conversationId);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        Instant leasedUntil = SqlTime.get(rs, "lease_until");
                        Instant due = SqlTime.get(rs, "next_attempt_at");
                        if ((leasedUntil != null && !leasedUntil.isBefore(at)) || (due != null && due.isAfter(at))) {
                            break; // someone holds it, or it waits for a retry: what follows waits too
                        }
                        prefix.add(event(rs));
                    }
                }
            }
            if (prefix.isEmpty()) {
                return prefix;
            }
            int[] counts = lease(connection, prefix, owner, SqlTime.stored(now.plus(lease)), at);
            // order needs an unbroken run: if another node took one meanwhile, what follows it is not ours
            int run = 0;
            while (run < counts.length && counts[run] > 0) {
                run++;
            }
            List<Long> afterGap = new ArrayList<>();
            for (int i = run; i < counts.length; i++) {
                if (counts[i] > 0) {
                    afterGap.add(prefix.get(i).seq());
                }
            }
            free(connection, afterGap);
            return List.copyOf(prefix.subList(0, run));
        });
    }

    private static ChangeEvent event(ResultSet rs) throws SQLException {
        String context = rs.getString("context");
        return new ChangeEvent(
                rs.getLong("seq"),
                SqlDialect.of(rs).uuid(rs, "event_id"),
                rs.getString("type"),
                rs.getString("message_id"),
                rs.getString("conversation_id"),
                JsonText.read(rs.getString("payload"), JsonNode.class),
                SqlTime.get(rs, "created_at"),
                rs.getInt("step"),
                rs.getInt("attempts"),
                context == null ? null : JsonText.read(context, ObjectNode.class));
    }

    @Override
    public int releaseLeasesOf(String owner) {
        return jdbc.update(
                "UPDATE change_events SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
                statement -> statement.setString(1, owner));
    }

    @Override
    public void release(Collection<Long> seqs) {
        jdbc.inLeaseTransaction("cannot release change events", connection -> {
            free(connection, seqs);
            return null;
        });
    }

    private static void free(Connection connection, Collection<Long> seqs) throws SQLException {
        if (seqs.isEmpty()) {
            return;
        }
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE change_events SET lease_owner = NULL, lease_until = NULL WHERE seq = ?")) {
            for (long seq : seqs) {
                update.setLong(1, seq);
                update.addBatch();
            }
            update.executeBatch();
        }
    }

    @Override
    public CompletableFuture<Void> record(StepRecord record) {
        return committer.submit(new FeedWrites.Progress(record)).thenApply(ignored -> null);
    }

    @Override
    public void retryLater(long seq, int step, int attempts, String error, Instant retryAt) {
        jdbc.update("""
                UPDATE change_events SET step = ?, attempts = ?, last_error = ?, next_attempt_at = ?,
                    lease_owner = NULL, lease_until = NULL
                WHERE seq = ?""", statement -> {
            statement.setInt(1, step);
            statement.setInt(2, attempts);
            statement.setString(3, error);
            SqlTime.set(statement, 4, SqlTime.stored(retryAt));
            statement.setLong(5, seq);
        });
    }

    @Override
    public void deadLetter(ChangeEvent event, String workflow, int step, int attempts, String error) {
        ObjectNode payload =
                DeadLetterPayloads.Workflow.of(event, workflow, step).toJson();
        jdbc.inTransaction(connection -> {
            JdbcOutboundStore.insertDeadLetter(
                    connection, WORKFLOW, event.messageId(), payload, attempts, error, SqlTime.stored(clock.instant()));
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM change_events WHERE seq = ?")) {
                delete.setLong(1, event.seq());
                delete.executeUpdate();
            }
            return null;
        });
    }

    /** A replayed workflow dead letter is a change event again, due now, from the step that failed. */
    static void replayWorkflow(Connection connection, DeadLetter letter, Instant now) throws SQLException {
        DeadLetterPayloads.Workflow workflow = DeadLetterPayloads.Workflow.from(letter.payload());
        try (PreparedStatement insert = connection.prepareStatement("""
                INSERT INTO change_events (event_id, type, message_id, conversation_id, payload, created_at, step, context)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")) {
            insert.setObject(1, workflow.eventId());
            insert.setString(2, workflow.type());
            insert.setString(3, letter.messageId());
            insert.setString(4, workflow.conversationId());
            insert.setString(5, JsonText.write(workflow.event()));
            SqlTime.set(insert, 6, workflow.createdAt());
            insert.setInt(7, workflow.step());
            insert.setString(8, workflow.context() == null ? null : JsonText.write(workflow.context()));
            insert.executeUpdate();
        }
    }

    // --- subscriptions and the published log

    @Override
    public Subscription addSubscription(Subscription subscription) {
        Subscription stored = new Subscription(
                "sub_" + UUID.randomUUID().toString().replace("-", ""),
                subscription.url(),
                new LinkedHashSet<>(subscription.events()),
                subscription.secret(),
                SqlTime.stored(clock.instant()),
                subscription.client(),
                subscription.seesAll());
        jdbc.update(
                "INSERT INTO subscriptions (id, url, events, secret, created_at, client_id, sees_all)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?)",
                s -> {
                    s.setString(1, stored.id());
                    s.setString(2, stored.url());
                    s.setString(3, "," + String.join(",", stored.events()) + ",");
                    s.setString(4, stored.secret());
                    SqlTime.set(s, 5, stored.createdAt());
                    s.setString(6, stored.client());
                    s.setBoolean(7, stored.seesAll());
                });
        return stored;
    }

    @Override
    public List<Subscription> subscriptions(Audience audience) {
        return jdbc.query(
                "SELECT id, url, events, secret, created_at, client_id, sees_all FROM subscriptions"
                        + (audience.everything() ? "" : " WHERE client_id = ?")
                        + " ORDER BY created_at, id",
                s -> {
                    if (!audience.everything()) {
                        s.setString(1, audience.client());
                    }
                },
                JdbcFeedStore::subscription);
    }

    @Override
    public Optional<Subscription> subscription(String id) {
        return jdbc
                .query(
                        "SELECT id, url, events, secret, created_at, client_id, sees_all FROM subscriptions"
                                + " WHERE id = ?",
                        s -> s.setString(1, id),
                        JdbcFeedStore::subscription)
                .stream()
                .findFirst();
    }

    private static Subscription subscription(ResultSet rs) throws SQLException {
        Set<String> events = Arrays.stream(rs.getString("events").split(","))
                .filter(e -> !e.isEmpty())
                .collect(Collectors.toCollection(LinkedHashSet::new));
        return new Subscription(
                rs.getString("id"),
                rs.getString("url"),
                events,
                rs.getString("secret"),
                SqlTime.get(rs, "created_at"),
                rs.getString("client_id"),
                rs.getBoolean("sees_all"));
    }

    @Override
    public boolean deleteSubscription(String id) {
        return jdbc.inTransaction(connection -> {
            try (PreparedStatement deliveries =
                    connection.prepareStatement("DELETE FROM callback_deliveries WHERE subscription_id = ?")) {
                deliveries.setString(1, id);
                deliveries.executeUpdate();
            }
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM subscriptions WHERE id = ?")) {
                delete.setString(1, id);
                return delete.executeUpdate() > 0;
            }
        });
    }

    @Override
    public List<PublishedEvent> publishedAfter(long position, Set<String> types, int max, Audience audience) {
        String filter = types.isEmpty()
                ? ""
                : " AND type IN ("
                        + String.join(", ", types.stream().map(t -> "?").toList()) + ")";
        String owner = audience.everything() ? "" : " AND (client_id IS NULL OR client_id = ?)";
        List<String> typeList = List.copyOf(types);
        return jdbc.query(
                "SELECT id, type, envelope FROM published_events WHERE id > ?" + filter + owner
                        + " ORDER BY id LIMIT ?",
                s -> {
                    int i = 1;
                    s.setLong(i++, position);
                    for (String type : typeList) {
                        s.setString(i++, type);
                    }
                    if (!audience.everything()) {
                        s.setString(i++, audience.client());
                    }
                    s.setInt(i, max);
                },
                rs -> new PublishedEvent(rs.getLong("id"), rs.getString("type"), rs.getString("envelope")));
    }

    @Override
    public long lastPosition() {
        return jdbc.query("SELECT COALESCE(MAX(id), 0) FROM published_events", s -> {}, rs -> rs.getLong(1))
                .getFirst();
    }

    @Override
    public int prunePublishedBefore(Instant before) {
        return jdbc.update(
                "DELETE FROM published_events WHERE created_at < ?", s -> SqlTime.set(s, 1, SqlTime.stored(before)));
    }

    // --- clients' signing secrets

    @Override
    public Optional<ClientSecret> clientSecret(String clientId) {
        return jdbc
                .query(
                        "SELECT secret, previous_secret, previous_until, rotated_at FROM client_secrets"
                                + " WHERE client_id = ?",
                        s -> s.setString(1, clientId),
                        rs -> new ClientSecret(
                                rs.getString("secret"),
                                rs.getString("previous_secret"),
                                SqlTime.get(rs, "previous_until"),
                                SqlTime.get(rs, "rotated_at")))
                .stream()
                .findFirst();
    }

    @Override
    public ClientSecret rotateClientSecret(String clientId, String fresh, java.time.Duration overlap) {
        Instant now = SqlTime.stored(clock.instant());
        return jdbc.inTransaction(connection -> {
            String previous = null;
            try (PreparedStatement select =
                    connection.prepareStatement("SELECT secret FROM client_secrets WHERE client_id = ?"
                            + SqlDialect.of(connection).forUpdate())) {
                select.setString(1, clientId);
                try (ResultSet rs = select.executeQuery()) {
                    if (rs.next()) {
                        previous = rs.getString(1);
                    }
                }
            }
            ClientSecret rotated = new ClientSecret(fresh, previous, previous == null ? null : now.plus(overlap), now);
            try (PreparedStatement write = connection.prepareStatement(
                    previous == null
                            ? "INSERT INTO client_secrets (secret, previous_secret, previous_until, rotated_at, client_id)"
                                    + " VALUES (?, ?, ?, ?, ?)"
                            : "UPDATE client_secrets SET secret = ?, previous_secret = ?, previous_until = ?, rotated_at = ?"
                                    + " WHERE client_id = ?")) {
                write.setString(1, rotated.secret());
                write.setString(2, rotated.previous());
                SqlTime.set(write, 3, rotated.previousUntil());
                SqlTime.set(write, 4, rotated.rotatedAt());
                write.setString(5, clientId);
                write.executeUpdate();
            }
            return rotated;
        });
    }

    // --- rules

    /**
     * The rules stored through the API. One the parser no longer takes (a pattern stored before patterns ran
     * on RE2, with a lookahead, say) is left out with a warning rather than stopping every other rule.
     */
    @Override
    public List<Rule> storedRules() {
        return jdbc
                .query("SELECT id, definition, client_id FROM rules ORDER BY created_at, id", s -> {}, rs -> {
                    String id = rs.getString("id");
                    try {
                        return RuleParser.parse(JsonText.read(rs.getString("definition"), JsonNode.class), id)
                                .ownedBy(rs.getString("client_id"));
                    } catch (io.omniservice.core.rules.InvalidRuleException e) {
                        org.slf4j.LoggerFactory.getLogger(JdbcFeedStore.class)
                                .warn("stored rule {} is skipped: {}", id, e.getMessage());
                        return null;
                    }
                })
                .stream()
                .filter(java.util.Objects::nonNull)
                .toList();
    }

    @Override
    public Rule addRule(Rule rule) {
        Rule stored = rule.withId("rule_" + UUID.randomUUID().toString().replace("-", ""));
        jdbc.update("INSERT INTO rules (id, definition, created_at, client_id) VALUES (?, ?, ?, ?)", s -> {
            s.setString(1, stored.id());
            s.setString(2, JsonText.write(RuleParser.toJson(stored)));
            SqlTime.set(s, 3, SqlTime.stored(clock.instant()));
            s.setString(4, stored.client());
        });
        return stored;
    }

    @Override
    public boolean deleteRule(String id) {
        return jdbc.update("DELETE FROM rules WHERE id = ?", s -> s.setString(1, id)) > 0;
    }

    @Override
    public Optional<JsonNode> rulesFired(String messageId) {
        return jdbc
                .query(
                        "SELECT rules_fired FROM messages WHERE message_id = ? AND rules_fired IS NOT NULL",
                        s -> s.setString(1, messageId),
                        rs -> JsonText.read(rs.getString(1), JsonNode.class))
                .stream()
                .findFirst();
    }
}
