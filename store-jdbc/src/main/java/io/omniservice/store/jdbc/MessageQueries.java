package io.omniservice.store.jdbc;

import com.fasterxml.jackson.databind.JavaType;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Conversation;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageMetadata;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.StatusChange;
import io.omniservice.core.store.MessageStore;
import io.omniservice.core.store.Page;
import io.omniservice.core.store.PageCursor;
import io.omniservice.core.store.PageRequest;
import io.omniservice.core.store.StorageException;
import io.omniservice.core.store.plan.MessageHistory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import javax.sql.DataSource;

/** The read side of the store: single rows and keyset-paginated listings over the indexes. */
final class MessageQueries {
    private static final JavaType METADATA_MAP =
            Json.MAPPER.getTypeFactory().constructMapType(Map.class, String.class, Object.class);

    private final DataSource dataSource;
    private final PageCursor cursors;

    MessageQueries(DataSource dataSource, PageCursor cursors) {
        this.dataSource = dataSource;
        this.cursors = cursors;
    }

    Optional<Message> message(String messageId) {
        List<Message> found = messages("SELECT * FROM messages WHERE message_id = ?", List.of(messageId));
        return found.stream().findFirst();
    }

    /** The one column of a message that says whose it is: no JSON parsed, no history read. */
    Optional<MessageStore.Owner> owner(String messageId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select =
                        prepare(connection, "SELECT client_id FROM messages WHERE message_id = ?", List.of(messageId));
                ResultSet rs = select.executeQuery()) {
            return rs.next() ? Optional.of(new MessageStore.Owner(rs.getString(1))) : Optional.empty();
        } catch (SQLException e) {
            throw new StorageException("cannot read the owner of message " + messageId, e);
        }
    }

    /**
     * Messages matching {@code filter} (SQL over the messages table, with its parameters), oldest first
     * by (created_at, message_id).
     */
    Page<Message> messages(String listing, String filter, List<Object> parameters, PageRequest page) {
        List<Object> values = new ArrayList<>(parameters);
        StringBuilder sql = new StringBuilder("SELECT * FROM messages WHERE ").append(filter);
        if (!page.audience().everything()) {
            // outbound messages are their sender's; inbound ones (no owner) are every reader's
            sql.append(" AND (client_id IS NULL OR client_id = ?)");
            values.add(page.audience().client());
        }
        if (page.cursor() != null) {
            PageCursor.Position after = cursors.decode(listing, page.cursor());
            sql.append(" AND (created_at, message_id) > (?, ?)");
            values.add(after.at());
            values.add(after.id());
        }
        sql.append(" ORDER BY created_at, message_id LIMIT ?");
        values.add(page.limit() + 1);
        List<Message> items = messages(sql.toString(), values);
        if (items.size() <= page.limit()) {
            return new Page<>(items, null);
        }
        List<Message> shown = items.subList(0, page.limit());
        Message last = shown.getLast();
        String next = cursors.encode(
                listing, new PageCursor.Position(last.timestamps().created(), last.messageId()));
        return new Page<>(shown, next);
    }

    Optional<Conversation> conversation(String conversationId) {
        return conversations("SELECT * FROM conversations WHERE id = ?", List.of(conversationId)).stream()
                .findFirst();
    }

    /** Conversations, newest activity first by (last_message_at, id) descending. */
    Page<Conversation> conversations(String participant, PageRequest page) {
        String listing = PageCursor.conversationsListing(participant);
        List<Object> values = new ArrayList<>();
        StringJoiner where = new StringJoiner(" AND ", " WHERE ", "").setEmptyValue("");
        if (participant != null) {
            // a participant's conversation id is derived from it: look it up by primary key
            where.add("id = ?");
            values.add(new ConversationKey(participant).conversationId());
        }
        if (page.cursor() != null) {
            PageCursor.Position after = cursors.decode(listing, page.cursor());
            where.add("(last_message_at, id) < (?, ?)");
            values.add(after.at());
            values.add(after.id());
        }
        values.add(page.limit() + 1);
        List<Conversation> items = conversations(
                "SELECT * FROM conversations" + where + " ORDER BY last_message_at DESC, id DESC LIMIT ?", values);
        if (items.size() <= page.limit()) {
            return new Page<>(items, null);
        }
        List<Conversation> shown = items.subList(0, page.limit());
        Conversation last = shown.getLast();
        return new Page<>(
                shown, cursors.encode(listing, new PageCursor.Position(last.lastMessageAt(), last.conversationId())));
    }

    private List<Message> messages(String sql, List<Object> values) {
        try (Connection connection = dataSource.getConnection()) {
            List<Message> rows = new ArrayList<>();
            try (PreparedStatement select = prepare(connection, sql, values);
                    ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    rows.add(message(rs, List.of()));
                }
            }
            if (rows.isEmpty()) {
                return rows;
            }
            Map<String, List<StatusChange>> history = history(connection, rows);
            List<Message> withHistory = new ArrayList<>(rows.size());
            for (Message m : rows) {
                withHistory.add(new Message(
                        m.messageId(),
                        m.conversationId(),
                        m.direction(),
                        m.carrier(),
                        m.sender(),
                        m.senderName(),
                        m.recipient(),
                        m.content(),
                        m.status(),
                        m.timestamps(),
                        m.carrierMessageId(),
                        m.error(),
                        MessageHistory.withCreation(
                                m.direction(),
                                m.timestamps().created(),
                                history.getOrDefault(m.messageId(), List.of())),
                        m.metadata()));
            }
            return withHistory;
        } catch (SQLException e) {
            throw new StorageException("messages could not be read", e);
        }
    }

    private static Map<String, List<StatusChange>> history(Connection connection, List<Message> messages)
            throws SQLException {
        StringJoiner ids = new StringJoiner(", ", "(", ")");
        List<Object> values = new ArrayList<>();
        for (Message m : messages) {
            ids.add("?");
            values.add(m.messageId());
        }
        Map<String, List<StatusChange>> byMessage = new HashMap<>();
        try (PreparedStatement select = prepare(
                        connection,
                        "SELECT message_id, status, occurred_at, carrier_status, error_code FROM status_history"
                                + " WHERE message_id IN " + ids + " ORDER BY occurred_at, id",
                        values);
                ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                byMessage
                        .computeIfAbsent(rs.getString("message_id"), id -> new ArrayList<>())
                        .add(new StatusChange(
                                MessageStatus.fromWireName(rs.getString("status")),
                                SqlTime.get(rs, "occurred_at"),
                                rs.getString("carrier_status"),
                                rs.getString("error_code")));
            }
        }
        return byMessage;
    }

    private static Message message(ResultSet rs, List<StatusChange> history) throws SQLException {
        String errorCode = rs.getString("error_code");
        String errorMessage = rs.getString("error_message");
        return new Message(
                rs.getString("message_id"),
                rs.getString("conversation_id"),
                Direction.fromWireName(rs.getString("direction")),
                carrier(rs.getString("carrier")),
                rs.getString("sender"),
                rs.getString("sender_name"),
                rs.getString("recipient"),
                JsonText.read(rs.getString("content"), MessageContent.class),
                MessageStatus.fromWireName(rs.getString("status")),
                new Message.Timestamps(
                        SqlTime.get(rs, "created_at"),
                        SqlTime.get(rs, "sent_at"),
                        SqlTime.get(rs, "delivered_at"),
                        SqlTime.get(rs, "read_at")),
                rs.getString("carrier_message_id"),
                errorCode == null && errorMessage == null ? null : new Message.MessageError(errorCode, errorMessage),
                history,
                JsonText.read(rs.getString("metadata"), MessageMetadata.class));
    }

    private List<Conversation> conversations(String sql, List<Object> values) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = prepare(connection, sql, values);
                ResultSet rs = select.executeQuery()) {
            List<Conversation> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> metadata = JsonText.read(rs.getString("metadata"), METADATA_MAP);
                rows.add(new Conversation(
                        rs.getString("id"),
                        List.of(rs.getString("participant")),
                        carrier(rs.getString("carrier")),
                        rs.getString("state"),
                        SqlTime.get(rs, "created_at"),
                        SqlTime.get(rs, "last_message_at"),
                        rs.getLong("message_count"),
                        metadata,
                        tags(rs.getString("tags"))));
            }
            return rows;
        } catch (SQLException e) {
            throw new StorageException("conversations could not be read", e);
        }
    }

    /** Tags are stored as ",a,b," so a rule adds one with a single UPDATE. */
    private static List<String> tags(String stored) {
        return stored == null
                ? List.of()
                : java.util.Arrays.stream(stored.split(","))
                        .filter(t -> !t.isEmpty())
                        .toList();
    }

    private static CarrierType carrier(String wireName) {
        return CarrierType.fromWireName(wireName)
                .orElseThrow(() -> new IllegalStateException("stored carrier is unknown: " + wireName));
    }

    private static PreparedStatement prepare(Connection connection, String sql, List<Object> values)
            throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        try {
            for (int i = 0; i < values.size(); i++) {
                Object value = values.get(i);
                switch (value) {
                    case Instant instant -> SqlTime.set(statement, i + 1, instant);
                    case Integer number -> statement.setInt(i + 1, number);
                    case String text -> statement.setString(i + 1, text);
                    default -> throw new IllegalArgumentException("unsupported parameter " + value.getClass());
                }
            }
            return statement;
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }
}
