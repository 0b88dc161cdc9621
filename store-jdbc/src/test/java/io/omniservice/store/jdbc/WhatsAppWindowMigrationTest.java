package io.omniservice.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.outbound.RecipientFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Set;
import java.util.function.Function;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteDataSource;

/**
 * V11 gives each conversation the time its customer last wrote on WhatsApp, filled from the messages already
 * stored: a database migrated by a release before it keeps its open WhatsApp windows after the upgrade.
 */
class WhatsAppWindowMigrationTest {
    private static final Instant T1 = Instant.parse("2026-12-01T10:00:00Z");
    private static final Instant T2 = Instant.parse("2026-12-01T11:00:00Z");
    private static final Instant T3 = Instant.parse("2026-12-01T12:00:00Z");
    private static final Instant T4 = Instant.parse("2026-12-01T13:00:00Z");

    @Test
    void sqliteConversationsTakeTheirLastInboundWhatsAppMessageFromTheStoredOnes() throws Exception {
        upgradedFromV10(
                directory -> {
                    SQLiteDataSource dataSource = new SQLiteDataSource();
                    dataSource.setUrl("jdbc:sqlite:" + directory.resolve(JdbcMessageStore.SQLITE_FILE));
                    return dataSource;
                },
                SqlDialect.SQLITE,
                JdbcMessageStore::sqlite);
    }

    @Test
    void h2ConversationsTakeTheirLastInboundWhatsAppMessageFromTheStoredOnes() throws Exception {
        upgradedFromV10(
                directory -> {
                    org.h2.jdbcx.JdbcDataSource dataSource = new org.h2.jdbcx.JdbcDataSource();
                    dataSource.setURL(JdbcMessageStore.embeddedUrl("file", directory.toAbsolutePath()));
                    dataSource.setUser("sa");
                    dataSource.setPassword("");
                    return dataSource;
                },
                SqlDialect.POSTGRESQL,
                JdbcMessageStore::embedded);
    }

    private static void upgradedFromV10(
            Function<Path, DataSource> before, SqlDialect dialect, Function<Path, JdbcMessageStore> after)
            throws Exception {
        Path directory = Files.createTempDirectory("omniservice-v11");
        try {
            DataSource v10 = before.apply(directory);
            JdbcMessageStore.flyway(v10, dialect, false, 1).target("10").load().migrate();
            try (Connection connection = v10.getConnection()) {
                // the customer wrote on WhatsApp at T1 and T2; our WhatsApp reply at T3 and their SMS at T4 open
                // no window
                conversation(connection, "+14155550101", T4);
                message(connection, "m1", "+14155550101", "inbound", "whatsapp", T1);
                message(connection, "m2", "+14155550101", "inbound", "whatsapp", T2);
                message(connection, "m3", "+14155550101", "outbound", "whatsapp", T3);
                message(connection, "m4", "+14155550101", "inbound", "twilio", T4);
                // only SMS here
                conversation(connection, "+14155550102", T1);
                message(connection, "m5", "+14155550102", "inbound", "twilio", T1);
            }
            try (JdbcMessageStore store = after.apply(directory)) {
                assertThat(store.outbound().recipientFacts(new ConversationKey("+14155550101")))
                        .isEqualTo(new RecipientFacts(io.omniservice.core.model.CarrierType.TWILIO, Set.of(), T2));
                assertThat(store.outbound()
                                .recipientFacts(new ConversationKey("+14155550102"))
                                .lastWhatsAppInbound())
                        .isNull();
            }
        } finally {
            EmbeddedStoreContract.deleteTree(directory);
        }
    }

    private static void conversation(Connection connection, String participant, Instant last) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO conversations (id, participant, carrier, created_at, last_message_at, message_count)"
                        + " VALUES (?, ?, 'twilio', ?, ?, 1)")) {
            insert.setString(1, new ConversationKey(participant).conversationId());
            insert.setString(2, participant);
            SqlTime.set(insert, 3, T1);
            SqlTime.set(insert, 4, last);
            insert.executeUpdate();
        }
    }

    private static void message(
            Connection connection, String id, String participant, String direction, String carrier, Instant at)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO messages (message_id, conversation_id, direction, carrier, account, sender, content,"
                        + " status, created_at, metadata) VALUES (?, ?, ?, ?, 'default', ?, '{}', 'received', ?, '{}')")) {
            insert.setString(1, id);
            insert.setString(2, new ConversationKey(participant).conversationId());
            insert.setString(3, direction);
            insert.setString(4, carrier);
            insert.setString(5, participant);
            SqlTime.set(insert, 6, at);
            insert.executeUpdate();
        }
    }
}
