package io.omniservice.core.store.plan;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.NormalizedMessage;
import java.time.Instant;
import java.util.List;
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
     * The message as a store reads it back right after inserting this row, before anything else changed it: its
     * first status, its creation in the history, no carrier outcome yet. A store hands it to the workflow with the
     * row's event ({@link io.omniservice.core.feed.ChangeEvent#stored}) so that it is not read back.
     */
    public Message asStored() {
        return new Message(
                messageId(),
                conversationId(),
                message.direction(),
                carrier,
                message.sender().address(),
                message.sender().displayName(),
                message.recipient(),
                message.content(),
                initialStatus(),
                new Message.Timestamps(createdAt, null, null, null),
                carrierMessageId(),
                null,
                MessageHistory.withCreation(message.direction(), createdAt, List.of()),
                message.metadata());
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
