package io.omniservice.core.outbound;

import java.time.Instant;

/** A leased send job: the message to send, how, and until when the lease holds it for this node. */
public record SendJob(
        String messageId,
        String conversationId,
        SendPlan plan,
        Priority priority,
        Instant expireAt,
        int runs,
        Instant leaseUntil) {}
