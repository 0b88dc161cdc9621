package io.omniservice.store.jdbc;

import io.omniservice.core.contact.Contact;
import io.omniservice.core.contact.ContactStore;
import io.omniservice.core.contact.Identity;
import io.omniservice.core.contact.IdentityLinkedException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Contacts in {@code contacts} and {@code contact_identities}. The identity is the primary key of its row, so
 * of two transactions linking one identity the second inserts nothing and finds the first's contact; a
 * contact's links are serialized on its row ({@code FOR UPDATE}), which also numbers them in order.
 */
final class JdbcContactStore implements ContactStore {
    private final JdbcAccess jdbc;
    private final Clock clock;

    JdbcContactStore(JdbcAccess jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @Override
    public void createContact(Contact contact) {
        jdbc.inTransaction(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO contacts (id, display_name, created_at) VALUES (?, ?, ?)")) {
                insert.setString(1, contact.id());
                insert.setString(2, contact.displayName());
                SqlTime.set(insert, 3, contact.createdAt());
                insert.executeUpdate();
            }
            int position = 0;
            for (Identity identity : contact.identities()) {
                claim(connection, contact.id(), identity, ++position, contact.createdAt());
            }
            return null;
        });
    }

    @Override
    public Optional<Contact> contact(String contactId) {
        return jdbc.inTransaction(connection -> read(connection, contactId, false));
    }

    @Override
    public Optional<Contact> contactOf(Identity identity) {
        return jdbc.inTransaction(connection -> {
            Optional<String> holder = holder(connection, identity);
            return holder.isEmpty() ? Optional.empty() : read(connection, holder.get(), false);
        });
    }

    @Override
    public Optional<Contact> link(String contactId, Identity identity) {
        return jdbc.inTransaction(connection -> {
            Optional<Contact> current = read(connection, contactId, true);
            if (current.isEmpty() || current.get().holds(identity)) {
                return current;
            }
            int position = 1;
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT COALESCE(MAX(position), 0) + 1 FROM contact_identities WHERE contact_id = ?")) {
                select.setString(1, contactId);
                try (ResultSet rs = select.executeQuery()) {
                    if (rs.next()) {
                        position = rs.getInt(1);
                    }
                }
            }
            claim(connection, contactId, identity, position, SqlTime.stored(clock.instant()));
            return Optional.of(current.get().linking(identity));
        });
    }

    @Override
    public Optional<Contact> unlink(String contactId, Identity identity) {
        return jdbc.inTransaction(connection -> {
            Optional<Contact> current = read(connection, contactId, true);
            if (current.isEmpty() || !current.get().holds(identity)) {
                return current;
            }
            try (PreparedStatement delete = connection.prepareStatement(
                    "DELETE FROM contact_identities WHERE identity = ? AND contact_id = ?")) {
                delete.setString(1, identity.value());
                delete.setString(2, contactId);
                delete.executeUpdate();
            }
            return Optional.of(current.get().unlinking(identity));
        });
    }

    /** Inserts the identity's row for this contact; another contact's row stands and is reported. */
    private static void claim(Connection connection, String contactId, Identity identity, int position, Instant at)
            throws SQLException {
        int inserted;
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO contact_identities (identity, contact_id, position, linked_at) VALUES (?, ?, ?, ?)"
                        + " ON CONFLICT DO NOTHING")) {
            insert.setString(1, identity.value());
            insert.setString(2, contactId);
            insert.setInt(3, position);
            SqlTime.set(insert, 4, at);
            inserted = insert.executeUpdate();
        }
        if (inserted == 0) {
            // read committed: the row that stood in the way is visible to this statement
            String holder = holder(connection, identity).orElse("(unlinked meanwhile)");
            throw new IdentityLinkedException(identity, holder);
        }
    }

    private static Optional<String> holder(Connection connection, Identity identity) throws SQLException {
        try (PreparedStatement select =
                connection.prepareStatement("SELECT contact_id FROM contact_identities WHERE identity = ?")) {
            select.setString(1, identity.value());
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private static Optional<Contact> read(Connection connection, String contactId, boolean forUpdate)
            throws SQLException {
        String displayName;
        Instant createdAt;
        try (PreparedStatement select =
                connection.prepareStatement("SELECT display_name, created_at FROM contacts WHERE id = ?"
                        + (forUpdate ? SqlDialect.of(connection).forUpdate() : ""))) {
            select.setString(1, contactId);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                displayName = rs.getString("display_name");
                createdAt = SqlTime.get(rs, "created_at");
            }
        }
        List<Identity> identities = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT identity FROM contact_identities WHERE contact_id = ? ORDER BY position")) {
            select.setString(1, contactId);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    identities.add(new Identity(rs.getString(1)));
                }
            }
        }
        return Optional.of(new Contact(contactId, displayName, identities, createdAt));
    }
}
