package io.omniservice.aws.queue;

import io.omniservice.core.outbound.Priority;
import java.time.Instant;
import java.util.Objects;

/**
 * What the send queue carries for one send: which message, which run of it, how urgent and since when it
 * is due. Never the message's content: that stays with the send job in DynamoDB, so a ticket stays a few
 * hundred bytes whatever the message (SQS takes at most 256 KB) and no body or phone number sits in SQS.
 *
 * @param attempt which enqueue of the message this is, from 1; the store counts it, and SQS drops a
 *     repeated enqueue of the same attempt inside its five-minute deduplication window
 * @param notBefore when the send became due (its {@code scheduledAt}, or when it was accepted)
 */
public record SendTicket(String messageId, String conversationId, int attempt, Priority priority, Instant notBefore) {
    /** Our ids are UUIDs; the bound keeps the SQS ids built from them inside SQS's 128 characters. */
    static final int MAX_ID_LENGTH = 64;

    public SendTicket {
        requireSqsId("messageId", messageId);
        requireSqsId("conversationId", conversationId);
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be 1 or more, not " + attempt);
        }
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(notBefore, "notBefore");
    }

    /** SQS's deduplication id: one message per message and attempt inside SQS's five-minute window. */
    String deduplicationId() {
        return messageId + "#" + attempt;
    }

    /**
     * SQS's message group: the conversation for a send's first ticket, and a group of its own for each later
     * one. SQS hands out nothing of a group while one of its messages is held, and an earlier ticket of the
     * same send may be held by a node that was killed (its receipt gone with it) until the visibility timeout
     * ends: the send enqueued anew must not wait behind it. Order within a conversation never rests on the
     * group alone: the store enqueues one send per conversation at a time, and the priorities are separate
     * queues that no group spans.
     */
    String messageGroupId() {
        return attempt == 1 ? conversationId : conversationId + "#" + attempt;
    }

    /**
     * An id that SQS takes as a message group or deduplication id: printable ASCII without spaces. The
     * conversation id becomes the group id, which is what keeps a conversation's sends in order.
     */
    private static void requireSqsId(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(field + " is required");
        }
        if (value.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException(
                    field + " is longer than " + MAX_ID_LENGTH + " characters (" + value.length() + ")");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '!' || c > '~') {
                throw new IllegalArgumentException(
                        field + " may hold printable ASCII characters only, without spaces (SQS's rule for"
                                + " group and deduplication ids)");
            }
        }
    }
}
