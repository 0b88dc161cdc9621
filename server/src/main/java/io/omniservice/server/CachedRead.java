package io.omniservice.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Something read from the store on every message (routing rules, business rules): cached for a second,
 * dropped at once when this node changes it (other nodes see a change within the second).
 */
final class CachedRead<T> {
    private static final Duration TTL = Duration.ofSeconds(1);

    private final Supplier<T> load;
    private final Clock clock;
    private volatile T value;
    private volatile Instant loadedAt = Instant.MIN;

    CachedRead(Supplier<T> load, Clock clock) {
        this.load = load;
        this.clock = clock;
    }

    T current() {
        Instant now = clock.instant();
        T cached = value;
        if (cached == null || now.isAfter(loadedAt.plus(TTL))) {
            cached = load.get();
            value = cached;
            loadedAt = now;
        }
        return cached;
    }

    void invalidate() {
        value = null;
    }
}
