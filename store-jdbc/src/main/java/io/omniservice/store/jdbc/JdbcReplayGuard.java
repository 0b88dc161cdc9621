package io.omniservice.store.jdbc;

import io.omniservice.core.carrier.ReplayGuard;
import io.omniservice.core.store.StorageException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * One-time tokens kept in the database ({@code replay_tokens}), so every node sharing it refuses a token
 * another node has seen. The primary key decides: the first insert of a token wins, a later one finds it.
 * Expired tokens are deleted by whichever node passes a minute since its last sweep: the delete is the
 * same on every node, so no leader is needed and two sweeps at once do no harm.
 */
final class JdbcReplayGuard implements ReplayGuard {
    private static final Duration SWEEP_EVERY = Duration.ofMinutes(1);

    private final DataSource dataSource;
    private final Clock clock;
    private final AtomicReference<Instant> lastSweep = new AtomicReference<>(Instant.MIN);

    JdbcReplayGuard(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    @Override
    public boolean firstUse(String scope, String id, Instant expiresAt) {
        Instant now = clock.instant();
        try (Connection connection = dataSource.getConnection()) {
            sweep(connection, now);
            String token = sha256(id);
            try (PreparedStatement stale = connection.prepareStatement(
                    "DELETE FROM replay_tokens WHERE scope = ? AND token = ? AND expires_at <= ?")) {
                stale.setString(1, scope);
                stale.setString(2, token);
                SqlTime.set(stale, 3, now);
                stale.executeUpdate();
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO replay_tokens (scope, token, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
                insert.setString(1, scope);
                insert.setString(2, token);
                SqlTime.set(insert, 3, expiresAt);
                return insert.executeUpdate() == 1;
            }
        } catch (SQLException e) {
            throw new StorageException("the replay guard could not be consulted", e);
        }
    }

    private void sweep(Connection connection, Instant now) throws SQLException {
        Instant last = lastSweep.get();
        if (now.isBefore(last.plus(SWEEP_EVERY)) || !lastSweep.compareAndSet(last, now)) {
            return;
        }
        try (PreparedStatement delete =
                connection.prepareStatement("DELETE FROM replay_tokens WHERE expires_at <= ?")) {
            SqlTime.set(delete, 1, now);
            delete.executeUpdate();
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
