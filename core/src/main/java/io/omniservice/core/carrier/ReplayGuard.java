package io.omniservice.core.carrier;

import java.time.Instant;

/** Remembers one-time tokens (a signed JWT's {@code jti}) until they expire, so a replay is refused. */
public interface ReplayGuard {
    /**
     * Records {@code id} in {@code scope} until {@code expiresAt}.
     *
     * @return true the first time an id is seen before it expires, false for a replay
     */
    boolean firstUse(String scope, String id, Instant expiresAt);
}
