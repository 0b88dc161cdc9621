package io.omniservice.core.store.plan;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.NormalizedMessage;
import java.time.Instant;
import java.util.Optional;

/**
 * A message as it is stored ({@link MessagePlacement#place}): in its conversation, whose key is
 * {@code participant}, on {@code carrier}, created at {@code createdAt}.
 */
public record PlacedMessage(NormalizedMessage message, String participant, CarrierType carrier, Instant createdAt) {

    public String messageId() {
        return message.messageId();
    }

    public String conversationId() {
        return message.conversationId();
    }

    /** The carrier's id for it; null for a send no carrier has taken yet. */
    public String carrierMessageId() {
        return message.metadata().carrierMessageId();
    }

    public MessageStatus initialStatus() {
        return MessageProgress.initialStatus(message.direction());
    }

    /**
     * The event of its storing, if it is new: a customer's message is announced as {@code message.received};
     * ours by its status changes.
     */
    public Optional<CommitEvent.MessageReceived> received() {
        return message.direction() == Direction.INBOUND
                ? Optional.of(new CommitEvent.MessageReceived(
                        messageId(),
                        conversationId(),
                        carrier,
                        message.metadata().account(),
                        message.direction()))
                : Optional.empty();
    }
}
