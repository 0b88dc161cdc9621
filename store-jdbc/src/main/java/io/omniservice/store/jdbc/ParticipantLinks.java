package io.omniservice.store.jdbc;

import io.omniservice.core.model.ConversationKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Links between the keys one person is known by ({@code participant_links}), and the joining of the
 * conversation held under an alias into the one its link points to. Runs inside the caller's transaction.
 */
final class ParticipantLinks {
    private ParticipantLinks() {}

    /** What a join did: the alias's conversation went into the participant's. */
    record Joined(String fromConversationId, String intoConversationId, String alias, String participant) {}

    /** The participant each of these keys is linked to, for the keys that have a link. */
    static Map<String, String> resolve(Connection connection, Collection<String> participants) throws SQLException {
        Map<String, String> found = new HashMap<>();
        if (participants.isEmpty()) {
            return found;
        }
        String marks = String.join(", ", java.util.Collections.nCopies(participants.size(), "?"));
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT alias, participant FROM participant_links WHERE alias IN (" + marks + ")")) {
            int i = 1;
            for (String participant : participants) {
                select.setString(i++, participant);
            }
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getString("alias"), rs.getString("participant"));
                }
            }
        }
        return found;
    }

    /** The participant one key ({@code alias}, the only parameter) is linked to: no row when none. */
    static final String LINKED_TO = "SELECT participant FROM participant_links WHERE alias = ?";

    /**
     * Links {@code alias} to {@code participant} (a newer link replaces an older one) and joins the
     * conversation held under the alias, if there is one, into the participant's: its messages move, its
     * counts add up, its opt-outs carry over. When the participant has no conversation yet, the alias's
     * becomes it, keeping its state and tags.
     */
    static Optional<Joined> link(Connection connection, ConversationKey alias, ConversationKey participant, Instant now)
            throws SQLException {
        if (alias.equals(participant)) {
            return Optional.empty();
        }
        int updated;
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE participant_links SET participant = ?, linked_at = ? WHERE alias = ? AND participant <> ?")) {
            update.setString(1, participant.participant());
            SqlTime.set(update, 2, now);
            update.setString(3, alias.participant());
            update.setString(4, participant.participant());
            updated = update.executeUpdate();
        }
        if (updated == 0) {
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO participant_links (alias, participant, linked_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
                insert.setString(1, alias.participant());
                insert.setString(2, participant.participant());
                SqlTime.set(insert, 3, now);
                insert.executeUpdate();
            }
        }
        return join(connection, alias, participant);
    }

    private static Optional<Joined> join(Connection connection, ConversationKey alias, ConversationKey participant)
            throws SQLException {
        String from = alias.conversationId();
        String into = participant.conversationId();
        long count;
        Instant created;
        Instant last;
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT message_count, created_at, last_message_at FROM conversations WHERE id = ? FOR UPDATE")) {
            select.setString(1, from);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                count = rs.getLong("message_count");
                created = SqlTime.get(rs, "created_at");
                last = SqlTime.get(rs, "last_message_at");
            }
        }
        execute(connection, "UPDATE messages SET conversation_id = ? WHERE conversation_id = ?", into, from);
        int merged;
        try (PreparedStatement update = connection.prepareStatement("""
                UPDATE conversations SET message_count = message_count + ?,
                    created_at = LEAST(created_at, ?), last_message_at = GREATEST(last_message_at, ?)
                WHERE id = ?""")) {
            update.setLong(1, count);
            SqlTime.set(update, 2, created);
            SqlTime.set(update, 3, last);
            update.setString(4, into);
            merged = update.executeUpdate();
        }
        if (merged > 0) {
            execute(connection, "DELETE FROM conversations WHERE id = ?", from);
        } else {
            execute(
                    connection,
                    "UPDATE conversations SET id = ?, participant = ? WHERE id = ?",
                    into,
                    participant.participant(),
                    from);
        }
        execute(connection, """
                INSERT INTO opt_outs (participant, channel, keyword, opted_out_at)
                SELECT ?, channel, keyword, opted_out_at FROM opt_outs WHERE participant = ? ON CONFLICT DO NOTHING""", participant.participant(), alias.participant());
        execute(connection, "DELETE FROM opt_outs WHERE participant = ?", alias.participant());
        return Optional.of(new Joined(from, into, alias.participant(), participant.participant()));
    }

    private static void execute(Connection connection, String sql, String... values) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                statement.setString(i + 1, values[i]);
            }
            statement.executeUpdate();
        }
    }
}
