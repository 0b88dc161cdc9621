package io.omniservice.core.feed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.model.Message;
import java.time.Instant;
import java.util.UUID;

/**
 * One committed change (a new message, a status change, a new conversation) as the processing workers
 * get it: the outbox row with how far its workflow got ({@code step}, {@code context}) and how often the
 * step at {@code step} has failed ({@code attempts}).
 *
 * @param seq the store's order of events; a conversation's events are processed in this order
 * @param eventId the event's stable id, the same in every delivery and on the SSE stream
 * @param stored the event's message as the commit that wrote the event stored it, when the store handed the event
 *     over from that commit and nothing else in it changed the message: the workflow then need not read it
 *     back; null for events read from the store
 */
public record ChangeEvent(
        long seq,
        UUID eventId,
        String type,
        String messageId,
        String conversationId,
        JsonNode payload,
        Instant createdAt,
        int step,
        int attempts,
        ObjectNode context,
        Message stored) {

    /** An event as read from the store (no message alongside). */
    public ChangeEvent(
            long seq,
            UUID eventId,
            String type,
            String messageId,
            String conversationId,
            JsonNode payload,
            Instant createdAt,
            int step,
            int attempts,
            ObjectNode context) {
        this(seq, eventId, type, messageId, conversationId, payload, createdAt, step, attempts, context, null);
    }

    public static final String MESSAGE_RECEIVED = "message.received";
    public static final String MESSAGE_STATUS = "message.status";
    public static final String CONVERSATION_CREATED = "conversation.created";
    /** A sent message's receipt did not come in time ({@code options.fallback}): sent again, or announced. */
    public static final String MESSAGE_DELIVERY_TIMEOUT = "message.delivery_timeout";
    /**
     * A receipt for a message that was already sent again over another carrier: it reached the recipient twice.
     * Published by the status workflow, not written by a commit.
     */
    public static final String MESSAGE_DUPLICATE_DELIVERY = "message.duplicate_delivery";
    /** A conversation held under a WhatsApp user id (or an old number) joined the person's other conversation. */
    public static final String CONVERSATION_MERGED = "conversation.merged";

    /** The lane that keeps order: the conversation, or the event alone when it has none. */
    public String orderKey() {
        return conversationId != null ? conversationId : "event:" + seq;
    }
}
