package io.omniservice.store.jdbc;

import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.store.plan.ConversationJoin;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Links between the keys one person is known by ({@code participant_links}), and the joining of the
 * conversation held under an alias into the one its link points to. Runs inside the caller's transaction.
 */
final class ParticipantLinks {
    private ParticipantLinks() {}

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
     * conversation held under the alias, if there is one, into the participant's ({@link ConversationJoin}).
     */
    static Optional<ConversationJoin.Plan> link(
            Connection connection, ConversationKey alias, ConversationKey participant, Instant now)
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

    /** Joins the alias's conversation, if one is stored, as {@link ConversationJoin} plans it. */
    private static Optional<ConversationJoin.Plan> join(
            Connection connection, ConversationKey alias, ConversationKey participant) throws SQLException {
        ConversationJoin.Span from = lockSpan(connection, alias.conversationId());
        if (from == null) {
            return Optional.empty();
        }
        Optional<ConversationJoin.Plan> planned = ConversationJoin.plan(
                alias,
                participant,
                from,
                lockSpan(connection, participant.conversationId()),
                optOuts(connection, alias.participant()),
                optOuts(connection, participant.participant()).stream()
                        .map(ConversationJoin.OptOut::channel)
                        .collect(Collectors.toSet()));
        if (planned.isEmpty()) {
            return planned;
        }
        ConversationJoin.Plan plan = planned.get();
        execute(
                connection,
                "UPDATE messages SET conversation_id = ? WHERE conversation_id = ?",
                plan.intoConversationId(),
                plan.fromConversationId());
        if (plan.renames()) {
            execute(
                    connection,
                    "UPDATE conversations SET id = ?, participant = ? WHERE id = ?",
                    plan.intoConversationId(),
                    plan.participant(),
                    plan.fromConversationId());
        } else {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE conversations SET message_count = ?, created_at = ?, last_message_at = ?,"
                            + " last_whatsapp_inbound_at = ? WHERE id = ?")) {
                update.setLong(1, plan.into().messageCount());
                SqlTime.set(update, 2, plan.into().createdAt());
                SqlTime.set(update, 3, plan.into().lastMessageAt());
                SqlTime.set(update, 4, plan.into().lastWhatsAppInbound());
                update.setString(5, plan.intoConversationId());
                update.executeUpdate();
            }
            execute(connection, "DELETE FROM conversations WHERE id = ?", plan.fromConversationId());
        }
        if (!plan.carriedOptOuts().isEmpty()) {
            // another node may have opted the participant out since they were read: their own standing wins
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO opt_outs (participant, channel, keyword, opted_out_at) VALUES (?, ?, ?, ?)"
                            + " ON CONFLICT DO NOTHING")) {
                for (ConversationJoin.OptOut optOut : plan.carriedOptOuts()) {
                    insert.setString(1, plan.participant());
                    insert.setString(2, optOut.channel());
                    insert.setString(3, optOut.keyword());
                    SqlTime.set(insert, 4, optOut.optedOutAt());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
        }
        execute(connection, "DELETE FROM opt_outs WHERE participant = ?", plan.alias());
        return planned;
    }

    /** A conversation's size and span, locked for the join; null when it is not stored. */
    private static ConversationJoin.Span lockSpan(Connection connection, String conversationId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT message_count, created_at, last_message_at, last_whatsapp_inbound_at FROM conversations"
                        + " WHERE id = ?"
                        + SqlDialect.of(connection).forUpdate())) {
            select.setString(1, conversationId);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new ConversationJoin.Span(
                        rs.getLong("message_count"),
                        SqlTime.get(rs, "created_at"),
                        SqlTime.get(rs, "last_message_at"),
                        SqlTime.get(rs, "last_whatsapp_inbound_at"));
            }
        }
    }

    private static List<ConversationJoin.OptOut> optOuts(Connection connection, String participant)
            throws SQLException {
        List<ConversationJoin.OptOut> found = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT channel, keyword, opted_out_at FROM opt_outs WHERE participant = ?")) {
            select.setString(1, participant);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    found.add(new ConversationJoin.OptOut(
                            rs.getString("channel"), rs.getString("keyword"), SqlTime.get(rs, "opted_out_at")));
                }
            }
        }
        return found;
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
