package io.omniservice.core.model;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;

/** Our message ids: UUID version 7, so ids sort by creation time (RFC 9562). */
public final class MessageIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private MessageIds() {}

    public static String next(Clock clock) {
        long millis = clock.millis();
        long randA = RANDOM.nextInt(1 << 12);
        long msb = (millis << 16) | (0x7L << 12) | randA;
        long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
