package io.omniservice.core.outbound;

import java.time.Instant;

/**
 * A leased send job: the message to send, how, and until when the lease holds it for this node.
 *
 * @param facts what selection knew of the recipient when the job was accepted on this node and handed
 *     straight to its dispatcher; null for a job leased from the store, whose facts are read again
 */
public record SendJob(
        String messageId,
        String conversationId,
        SendPlan plan,
        Priority priority,
        Instant expireAt,
        int runs,
        Instant leaseUntil,
        RecipientFacts facts) {}
