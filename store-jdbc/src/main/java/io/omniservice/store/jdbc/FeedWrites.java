package io.omniservice.store.jdbc;

import io.omniservice.core.model.MessageContent;
import io.omniservice.core.notify.EventEnvelope;
import io.omniservice.core.notify.Subscription;
import io.omniservice.core.outbound.CallbackDelivery;
import io.omniservice.core.store.plan.EventDeliveries;
import io.omniservice.core.workflow.Effect;
import io.omniservice.core.workflow.StepRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Workflow progress, written for a whole group with batched statements: each event's next step (or its
 * deletion when the workflow is done) together with the effects of the steps it covers.
 */
final class FeedWrites {
    private FeedWrites() {}

    record Progress(StepRecord record) implements BatchedWork {
        @Override
        public Writer writer() {
            return PROGRESS;
        }
    }

    /** A delivery its receiver took: forgotten with the next group's writes, not in a commit of its own. */
    record Delivered(long id) implements BatchedWork {
        @Override
        public Writer writer() {
            return DELIVERED;
        }
    }

    private static final BatchedWork.Writer PROGRESS = FeedWrites::progress;
    private static final BatchedWork.Writer DELIVERED = FeedWrites::delivered;

    private static List<Object> delivered(GroupTransaction tx, List<BatchedWork> units) throws SQLException {
        try (PreparedStatement delete =
                tx.connection().prepareStatement("DELETE FROM callback_deliveries WHERE id = ?")) {
            for (BatchedWork unit : units) {
                delete.setLong(1, ((Delivered) unit).id());
                delete.addBatch();
            }
            delete.executeBatch();
        }
        return Arrays.asList(new Object[units.size()]);
    }

    private static List<Object> progress(GroupTransaction tx, List<BatchedWork> units) throws SQLException {
        Connection connection = tx.connection();
        List<StepRecord> records =
                units.stream().map(u -> ((Progress) u).record()).toList();
        List<Effect> effects = new ArrayList<>();
        records.forEach(r -> effects.addAll(r.effects()));
        publish(tx, effects);
        forward(tx, effects);
        conversations(connection, effects);
        rulesFired(connection, effects);
        mediaStored(connection, effects);
        try (PreparedStatement done = connection.prepareStatement("DELETE FROM change_events WHERE seq = ?");
                PreparedStatement next = connection.prepareStatement("""
                        UPDATE change_events SET step = ?, attempts = 0, context = ?, last_error = NULL
                        WHERE seq = ?""")) {
            boolean anyDone = false;
            boolean anyNext = false;
            for (StepRecord record : records) {
                if (record.done()) {
                    done.setLong(1, record.seq());
                    done.addBatch();
                    anyDone = true;
                } else {
                    next.setInt(1, record.nextStep());
                    next.setString(2, JsonText.write(record.context()));
                    next.setLong(3, record.seq());
                    next.addBatch();
                    anyNext = true;
                }
            }
            if (anyDone) {
                done.executeBatch();
            }
            if (anyNext) {
                next.executeBatch();
            }
        }
        return Arrays.asList(new Object[records.size()]);
    }

    /** The event joins the published log, and every subscription to its type gets a delivery. */
    private static void publish(GroupTransaction tx, List<Effect> effects) throws SQLException {
        List<Effect.Publish> published = effects.stream()
                .filter(Effect.Publish.class::isInstance)
                .map(Effect.Publish.class::cast)
                .toList();
        if (published.isEmpty()) {
            return;
        }
        if (tx.publishLock() != null) {
            // positions must become visible in the order they are drawn (GroupCommitter.Durability)
            try (PreparedStatement lock = tx.connection().prepareStatement(tx.publishLock())) {
                lock.executeQuery().close();
            }
        }
        List<Long> positions;
        SqlDialect dialect = SqlDialect.of(tx.connection());
        try (SqlDialect.KeyedInsert insert = dialect.keyedInsert(
                tx.connection(),
                "INSERT INTO published_events (event_id, type, envelope, created_at, client_id) VALUES (?, ?, ?, ?, ?)",
                "id")) {
            PreparedStatement log = insert.statement();
            for (Effect.Publish publish : published) {
                EventEnvelope event = publish.event();
                log.setObject(1, event.id());
                log.setString(2, event.type());
                log.setString(3, publish.json());
                SqlTime.set(log, 4, tx.now());
                log.setString(5, publish.client());
                insert.add();
            }
            positions = insert.run();
        }
        if (positions.size() != published.size()) {
            throw new SQLException("published " + published.size() + " events but got " + positions.size() + " ids");
        }
        List<Subscription> subscribers = subscribers(tx.connection());
        List<EventDeliveries.ToSubscription> deliveries = EventDeliveries.of(published, subscribers);
        if (deliveries.isEmpty()) {
            return;
        }
        GroupTransaction.DeliveryHandoff handoff = tx.deliveryHandoff();
        java.time.Instant leaseUntil =
                handoff == null ? null : SqlTime.stored(tx.now().plus(handoff.lease()));
        java.util.Set<String> keysWritten = new java.util.HashSet<>();
        List<CallbackDelivery> leased = new ArrayList<>();
        try (PreparedStatement waiting = tx.connection()
                        .prepareStatement("SELECT 1 FROM callback_deliveries WHERE order_key = ? LIMIT 1");
                SqlDialect.KeyedInsert insert = dialect.keyedInsert(tx.connection(), """
                        INSERT INTO callback_deliveries (kind, message_id, subscription_id, published_id, order_key,
                            url, next_attempt_at, created_at, lease_until, lease_owner)
                        VALUES ('event', ?, ?, ?, ?, ?, ?, ?, ?, ?)""", "id")) {
            PreparedStatement deliver = insert.statement();
            List<Boolean> first = new ArrayList<>();
            for (EventDeliveries.ToSubscription delivery : deliveries) {
                Subscription subscriber = delivery.subscription();
                String orderKey = delivery.orderKey();
                // handed over only when nothing of its order waits before it; otherwise the poll keeps order
                boolean handOver = handoff != null && keysWritten.add(orderKey) && !exists(waiting, orderKey);
                deliver.setString(1, delivery.messageId());
                deliver.setString(2, subscriber.id());
                deliver.setLong(3, positions.get(delivery.published()));
                deliver.setString(4, orderKey);
                deliver.setString(5, subscriber.url());
                SqlTime.set(deliver, 6, tx.now());
                SqlTime.set(deliver, 7, tx.now());
                SqlTime.set(deliver, 8, handOver ? leaseUntil : null);
                deliver.setString(9, handOver ? handoff.owner() : null);
                insert.add();
                first.add(handOver);
            }
            List<Long> keys = insert.run();
            for (int i = 0; i < keys.size() && i < deliveries.size(); i++) {
                if (first.get(i)) {
                    EventDeliveries.ToSubscription delivery = deliveries.get(i);
                    leased.add(new CallbackDelivery(
                            keys.get(i),
                            CallbackDelivery.EVENT,
                            delivery.messageId(),
                            delivery.subscription().url(),
                            published.get(delivery.published()).json(),
                            0,
                            delivery.subscription().secret(),
                            tx.now(),
                            null));
                }
            }
        }
        leased.forEach(tx::handOver);
    }

    private static List<Subscription> subscribers(Connection connection) throws SQLException {
        List<Subscription> all = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                        "SELECT id, url, events, secret, client_id, sees_all FROM subscriptions");
                ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                all.add(new Subscription(
                        rs.getString(1),
                        rs.getString(2),
                        java.util.Arrays.stream(rs.getString(3).split(","))
                                .filter(e -> !e.isEmpty())
                                .collect(java.util.stream.Collectors.toCollection(java.util.LinkedHashSet::new)),
                        rs.getString(4),
                        null,
                        rs.getString(5),
                        rs.getBoolean(6)));
            }
        }
        return all;
    }

    private static boolean exists(PreparedStatement waiting, String orderKey) throws SQLException {
        waiting.setString(1, orderKey);
        try (ResultSet rs = waiting.executeQuery()) {
            return rs.next();
        }
    }

    private static void forward(GroupTransaction tx, List<Effect> effects) throws SQLException {
        List<Effect.Forward> forwards = effects.stream()
                .filter(Effect.Forward.class::isInstance)
                .map(Effect.Forward.class::cast)
                .toList();
        if (forwards.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = tx.connection().prepareStatement("""
                INSERT INTO callback_deliveries (kind, message_id, order_key, url, payload, next_attempt_at, created_at,
                    client_id)
                VALUES ('forward', ?, ?, ?, ?, ?, ?, ?)""")) {
            for (Effect.Forward forward : forwards) {
                insert.setString(1, forward.messageId());
                insert.setString(2, EventDeliveries.orderOf(forward));
                insert.setString(3, forward.url().toString());
                insert.setString(4, forward.body());
                SqlTime.set(insert, 5, tx.now());
                SqlTime.set(insert, 6, tx.now());
                insert.setString(7, forward.client());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    private static void conversations(Connection connection, List<Effect> effects) throws SQLException {
        for (Effect effect : effects) {
            if (effect instanceof Effect.TagConversation tag) {
                // a tag may hold '_', which LIKE would take for any character: escaped, it matches only itself
                try (PreparedStatement update = connection.prepareStatement("""
                        UPDATE conversations SET tags = COALESCE(tags, ',') || ? || ','
                        WHERE id = ? AND (tags IS NULL OR tags NOT LIKE ? ESCAPE '!')""")) {
                    update.setString(1, tag.tag());
                    update.setString(2, tag.conversationId());
                    update.setString(3, "%," + tag.tag().replaceAll("([!%_])", "!$1") + ",%");
                    update.executeUpdate();
                }
            } else if (effect instanceof Effect.SetConversationState state) {
                try (PreparedStatement update =
                        connection.prepareStatement("UPDATE conversations SET state = ? WHERE id = ?")) {
                    update.setString(1, state.state());
                    update.setString(2, state.conversationId());
                    update.executeUpdate();
                }
            }
        }
    }

    private static void rulesFired(Connection connection, List<Effect> effects) throws SQLException {
        for (Effect effect : effects) {
            if (effect instanceof Effect.RulesFired fired) {
                try (PreparedStatement update =
                        connection.prepareStatement("UPDATE messages SET rules_fired = ? WHERE message_id = ?")) {
                    update.setString(1, JsonText.write(fired.rules()));
                    update.setString(2, fired.messageId());
                    update.executeUpdate();
                }
            }
        }
    }

    private static void mediaStored(Connection connection, List<Effect> effects) throws SQLException {
        for (Effect effect : effects) {
            if (effect instanceof Effect.MediaStored stored) {
                try (PreparedStatement update =
                        connection.prepareStatement("UPDATE messages SET content = ? WHERE message_id = ?")) {
                    update.setString(1, JsonText.write(stored.content(), MessageContent.class));
                    update.setString(2, stored.messageId());
                    update.executeUpdate();
                }
            }
        }
    }
}
