package io.omniservice.core.model;

import java.util.Objects;

/** A message in the unified schema of the seed, with our ids assigned. */
public record NormalizedMessage(
        String messageId,
        String conversationId,
        Direction direction,
        Sender sender,
        String recipient,
        MessageContent content,
        MessageMetadata metadata) {
    public NormalizedMessage {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(metadata, "metadata");
    }
}
