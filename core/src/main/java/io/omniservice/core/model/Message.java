package io.omniservice.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * A stored message as the query API shows it: the seed's {@code MessageTable} fields, its status history,
 * and the normalized metadata. {@code sender} and {@code recipient} are E.164 numbers where there is one,
 * otherwise the carrier's id for that side.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Message(
        String messageId,
        String conversationId,
        Direction direction,
        CarrierType carrier,
        String sender,
        String senderName,
        String recipient,
        MessageContent content,
        MessageStatus status,
        Timestamps timestamps,
        String carrierMessageId,
        MessageError error,
        List<StatusChange> statusHistory,
        MessageMetadata metadata) {

    /** The same message with other content (the media step's stored attachments, a view's signed URLs). */
    public Message withContent(MessageContent newContent) {
        return new Message(
                messageId,
                conversationId,
                direction,
                carrier,
                sender,
                senderName,
                recipient,
                newContent,
                status,
                timestamps,
                carrierMessageId,
                error,
                statusHistory,
                metadata);
    }

    /** When the message reached each status; {@code created} is when we stored it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Timestamps(Instant created, Instant sent, Instant delivered, Instant read) {}

    /** The last error a carrier reported for the message: its code and text as the carrier gave them. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MessageError(String code, String message) {}
}
