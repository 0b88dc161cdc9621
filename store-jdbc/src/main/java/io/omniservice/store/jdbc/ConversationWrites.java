package io.omniservice.store.jdbc;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.store.plan.CommitEvent;
import io.omniservice.core.store.plan.ConversationActivity;
import io.omniservice.core.store.plan.PlacedMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Writes what new messages do to their conversations ({@link ConversationActivity}), for a whole group. */
final class ConversationWrites {
    /** How often a conversation that other nodes keep changing is read again before the group fails. */
    private static final int MAX_ATTEMPTS = 20;

    private ConversationWrites() {}

    /**
     * Counts the new messages into their conversations ({@link ConversationActivity}): the stored ones are
     * read and written with what core makes of them; the others are inserted, and one that another node
     * inserted in the meantime is read and updated after all.
     */
    static List<CommitEvent.ConversationCreated> countIn(Connection connection, List<PlacedMessage> fresh)
            throws SQLException {
        List<ConversationActivity.Added> missing = update(connection, ConversationActivity.of(fresh));
        if (missing.isEmpty()) {
            return List.of();
        }
        int[] counts;
        try (PreparedStatement insert = connection.prepareStatement("""
                INSERT INTO conversations (id, participant, carrier, state, created_at, last_message_at, message_count,
                    last_whatsapp_inbound_at, metadata)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}') ON CONFLICT DO NOTHING""")) {
            for (ConversationActivity.Added added : missing) {
                ConversationActivity.Created created = ConversationActivity.create(added);
                insert.setString(1, created.conversationId());
                insert.setString(2, created.participant());
                insert.setString(3, created.carrier().wireName());
                insert.setString(4, created.state());
                SqlTime.set(insert, 5, created.createdAt());
                SqlTime.set(insert, 6, created.lastMessageAt());
                insert.setLong(7, created.messageCount());
                SqlTime.set(insert, 8, created.lastWhatsAppInbound());
                insert.addBatch();
            }
            counts = insert.executeBatch();
        }
        List<CommitEvent.ConversationCreated> created = new ArrayList<>();
        List<ConversationActivity.Added> insertedElsewhere = new ArrayList<>();
        for (int i = 0; i < missing.size(); i++) {
            if (counts[i] > 0) {
                created.add(ConversationActivity.create(missing.get(i)).event());
            } else {
                insertedElsewhere.add(missing.get(i));
            }
        }
        if (!update(connection, insertedElsewhere).isEmpty()) {
            throw new IllegalStateException("a conversation could be neither inserted nor updated");
        }
        return created;
    }

    /**
     * Adds the activity to the conversations that are stored; returns the others. Each row is written only if
     * it still holds what was read, as a DynamoDB conditional write would be: another node may have counted a
     * message into it in between, and then it is read and written again. Reading without a lock keeps the
     * group's cost where it was (a row lock is one more write per row in PostgreSQL: measured 25% fewer
     * commits/s); rows are written in id order, and a row whose write waited for another node's stays locked
     * by the failed write, so only a row changed before its write began is retried out of order.
     */
    private static List<ConversationActivity.Added> update(
            Connection connection, List<ConversationActivity.Added> activity) throws SQLException {
        List<ConversationActivity.Added> notFound = new ArrayList<>();
        List<ConversationActivity.Added> pending = activity;
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            if (attempt > MAX_ATTEMPTS) {
                throw new IllegalStateException(pending.size() + " conversations changed at every attempt to count "
                        + "messages into them, first " + pending.getFirst().conversationId());
            }
            Map<String, ConversationActivity.Counters> stored = counters(connection, pending);
            List<ConversationActivity.Added> present = new ArrayList<>();
            for (ConversationActivity.Added added : pending) {
                (stored.containsKey(added.conversationId()) ? present : notFound).add(added);
            }
            if (present.isEmpty()) {
                break;
            }
            int[] counts;
            try (PreparedStatement update = connection.prepareStatement("""
                    UPDATE conversations SET message_count = ?, last_message_at = ?, carrier = ?, last_whatsapp_inbound_at = ?
                    WHERE id = ? AND message_count = ? AND last_message_at = ? AND carrier = ?""")) {
                for (ConversationActivity.Added added : present) {
                    ConversationActivity.Counters read = stored.get(added.conversationId());
                    ConversationActivity.Counters after = ConversationActivity.apply(read, added);
                    update.setLong(1, after.messageCount());
                    SqlTime.set(update, 2, after.lastMessageAt());
                    update.setString(3, after.carrier().wireName());
                    SqlTime.set(update, 4, after.lastWhatsAppInbound());
                    // every message moves the count: a row that still has the count read has the rest as read too
                    update.setString(5, added.conversationId());
                    update.setLong(6, read.messageCount());
                    SqlTime.set(update, 7, read.lastMessageAt());
                    update.setString(8, read.carrier().wireName());
                    update.addBatch();
                }
                counts = update.executeBatch();
            }
            List<ConversationActivity.Added> changedMeanwhile = new ArrayList<>();
            for (int i = 0; i < present.size(); i++) {
                if (counts[i] == 0) {
                    changedMeanwhile.add(present.get(i));
                }
            }
            pending = changedMeanwhile;
        }
        return notFound;
    }

    /**
     * The stored activity of these conversations, for those that are stored. One index probe per id: an IN
     * list lets PostgreSQL choose a bitmap scan, which on a row updated at every message walks all its dead
     * versions (measured: 3 ms instead of 1 ms per group of 55).
     */
    private static Map<String, ConversationActivity.Counters> counters(
            Connection connection, List<ConversationActivity.Added> activity) throws SQLException {
        Map<String, ConversationActivity.Counters> stored = new HashMap<>();
        SqlDialect dialect = SqlDialect.of(connection);
        try (PreparedStatement select =
                connection.prepareStatement("""
                SELECT c.id, c.message_count, c.last_message_at, c.carrier, c.last_whatsapp_inbound_at
                FROM""" + " " + dialect.idTable() + " JOIN conversations c ON c.id = k.id")) {
            dialect.setIds(
                    select,
                    1,
                    activity.stream()
                            .map(ConversationActivity.Added::conversationId)
                            .toList());
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    stored.put(
                            rs.getString("id"),
                            new ConversationActivity.Counters(
                                    rs.getLong("message_count"),
                                    SqlTime.get(rs, "last_message_at"),
                                    CarrierType.fromWireName(rs.getString("carrier"))
                                            .orElseThrow(),
                                    SqlTime.get(rs, "last_whatsapp_inbound_at")));
                }
            }
        }
        return stored;
    }
}
