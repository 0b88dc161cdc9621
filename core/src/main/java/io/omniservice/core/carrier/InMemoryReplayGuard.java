package io.omniservice.core.carrier;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The replay guard of one process. Tokens live minutes at most, so memory stays small; expired entries
 * are swept as new ones arrive. With several nodes a replay sent to another node is not caught here,
 * which is why the signature's own expiry stays short.
 */
public final class InMemoryReplayGuard implements ReplayGuard {
    private static final int SWEEP_EVERY = 1024;

    private final Clock clock;
    private final ConcurrentHashMap<String, Instant> seen = new ConcurrentHashMap<>();

    public InMemoryReplayGuard(Clock clock) {
        this.clock = clock;
    }

    @Override
    public boolean firstUse(String scope, String id, Instant expiresAt) {
        Instant now = clock.instant();
        if (seen.size() % SWEEP_EVERY == SWEEP_EVERY - 1) {
            seen.values().removeIf(expiry -> expiry.isBefore(now));
        }
        String key = scope + '\n' + id;
        Instant previous = seen.putIfAbsent(key, expiresAt);
        if (previous == null) {
            return true;
        }
        if (previous.isBefore(now)) {
            // An expired entry not yet swept: the token it stood for is refused by its own expiry anyway.
            return seen.replace(key, previous, expiresAt);
        }
        return false;
    }
}
