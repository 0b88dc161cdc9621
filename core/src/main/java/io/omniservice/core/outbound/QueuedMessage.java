package io.omniservice.core.outbound;

import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.NormalizedMessage;
import java.time.Instant;

/**
 * An accepted outbound request, stored in one transaction: the message (status queued), its send job,
 * and with an {@code Idempotency-Key} the answer a repeat gets.
 *
 * @param notBefore {@code scheduledAt}, or when it was accepted
 * @param response the 202 body, kept for repeats of the same idempotency key
 * @param lease the node that sends it at once and until when, or null for the next lease to take it
 */
public record QueuedMessage(
        NormalizedMessage message,
        ConversationKey conversation,
        SendPlan plan,
        Priority priority,
        Instant notBefore,
        Instant expireAt,
        String callbackUrl,
        IdempotencyKey idempotencyKey,
        String response,
        SendHandoff.Lease lease) {

    /** Who sent the key (API key name or JWT subject), the key, and a digest of the request body. */
    public record IdempotencyKey(String principal, String key, String requestHash) {}
}
