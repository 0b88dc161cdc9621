package io.omniservice.core.outbound;

import java.time.Instant;

/**
 * One signed POST waiting to be delivered: a message's status change to its {@code callbackUrl}
 * ({@code callback}), an event to a subscription ({@code event}, signed with the subscription's
 * {@code secret}), or a message a rule forwards ({@code forward}); {@code attempts} made so far.
 * {@code client} is the API client whose secret signs a callback or forward (null: the gateway's own).
 */
public record CallbackDelivery(
        long id,
        String kind,
        String messageId,
        String url,
        String payload,
        int attempts,
        String secret,
        Instant createdAt,
        String client) {
    public static final String CALLBACK = "callback";
    public static final String EVENT = "event";
    public static final String FORWARD = "forward";
}
