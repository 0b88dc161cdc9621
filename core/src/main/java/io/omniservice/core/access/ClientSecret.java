package io.omniservice.core.access;

import java.time.Instant;
import java.util.List;

/**
 * A client's secret for signing its status callbacks and rule forwards. After a rotation the previous
 * secret still signs until {@code previousUntil}, so receivers can switch without losing a delivery.
 */
public record ClientSecret(String secret, String previous, Instant previousUntil, Instant rotatedAt) {
    /** The secrets a delivery made at {@code now} is signed with: the current one, then the previous one. */
    public List<String> signingAt(Instant now) {
        return previous != null && previousUntil != null && now.isBefore(previousUntil)
                ? List.of(secret, previous)
                : List.of(secret);
    }
}
