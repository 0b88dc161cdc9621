package io.omniservice.store.jdbc;

import io.omniservice.core.notify.EventEnvelope;
import io.omniservice.core.workflow.Effect;
import io.omniservice.core.workflow.StepRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
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

    private static final BatchedWork.Writer PROGRESS = FeedWrites::progress;

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
        try (PreparedStatement log = tx.connection().prepareStatement("""
                        INSERT INTO published_events (event_id, type, envelope, created_at) VALUES (?, ?, ?, ?)""");
                PreparedStatement deliver = tx.connection().prepareStatement("""
                        INSERT INTO callback_deliveries (kind, message_id, subscription_id, order_key, url, payload,
                            next_attempt_at, created_at)
                        SELECT 'event', ?, id, id || '/' || ?, url, ?, ?, ? FROM subscriptions WHERE events LIKE ?""")) {
            for (Effect.Publish publish : published) {
                EventEnvelope event = publish.event();
                String envelope = JsonText.write(event);
                log.setObject(1, event.id());
                log.setString(2, event.type());
                log.setString(3, envelope);
                SqlTime.set(log, 4, tx.now());
                log.addBatch();
                com.fasterxml.jackson.databind.JsonNode messageId = event.data().get("messageId");
                deliver.setString(1, messageId == null || messageId.isNull() ? null : messageId.asText());
                deliver.setString(
                        2,
                        publish.conversationId() != null
                                ? publish.conversationId()
                                : event.id().toString());
                deliver.setString(3, envelope);
                SqlTime.set(deliver, 4, tx.now());
                SqlTime.set(deliver, 5, tx.now());
                deliver.setString(6, "%," + event.type() + ",%");
                deliver.addBatch();
            }
            log.executeBatch();
            deliver.executeBatch();
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
                INSERT INTO callback_deliveries (kind, message_id, order_key, url, payload, next_attempt_at, created_at)
                VALUES ('forward', ?, ?, ?, ?, ?, ?)""")) {
            for (Effect.Forward forward : forwards) {
                insert.setString(1, forward.messageId());
                insert.setString(2, "forward/" + forward.url() + "/" + forward.conversationId());
                insert.setString(3, forward.url().toString());
                insert.setString(4, forward.body());
                SqlTime.set(insert, 5, tx.now());
                SqlTime.set(insert, 6, tx.now());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    private static void conversations(Connection connection, List<Effect> effects) throws SQLException {
        for (Effect effect : effects) {
            if (effect instanceof Effect.TagConversation tag) {
                try (PreparedStatement update = connection.prepareStatement("""
                        UPDATE conversations SET tags = COALESCE(tags, ',') || ? || ','
                        WHERE id = ? AND (tags IS NULL OR tags NOT LIKE ?)""")) {
                    update.setString(1, tag.tag());
                    update.setString(2, tag.conversationId());
                    update.setString(3, "%," + tag.tag() + ",%");
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
}
