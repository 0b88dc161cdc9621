package io.omniservice.core.store.plan;

import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.MessageStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A change event a commit appends to the outbox, as its payload: the record's components are the JSON that
 * workers, subscribers and callbacks get. The store gives it its id and position when it writes it.
 */
public sealed interface CommitEvent {
    /** The event's type, one of {@link ChangeEvent}'s. */
    String type();

    /** The message the event is about; null for a conversation's event. */
    String messageId();

    /** The conversation whose order the event keeps. */
    String conversationId();

    /**
     * The events in the order they are written: a conversation's own events (created, merged) before the
     * messages', so a consumer meets a conversation before its first message; otherwise as they came.
     */
    static List<CommitEvent> inWriteOrder(List<? extends CommitEvent> events) {
        List<CommitEvent> ordered = new ArrayList<>(events.size());
        events.stream().filter(e -> e.messageId() == null).forEach(ordered::add);
        events.stream().filter(e -> e.messageId() != null).forEach(ordered::add);
        return ordered;
    }

    /** A customer's message was stored (ours are announced by their status changes). */
    record MessageReceived(
            String messageId, String conversationId, CarrierType carrier, String account, Direction direction)
            implements CommitEvent {
        @Override
        public String type() {
            return ChangeEvent.MESSAGE_RECEIVED;
        }
    }

    /** A message's status moved from {@code previousStatus} to {@code status}, because of the report named. */
    record MessageStatusChanged(
            String messageId,
            String conversationId,
            CarrierType carrier,
            String carrierMessageId,
            MessageStatus previousStatus,
            MessageStatus status,
            String carrierStatus,
            String errorCode,
            String errorMessage,
            Instant occurredAt)
            implements CommitEvent {
        /** The change {@code cause} made; a report with no carrier message id (our own, unsent) names none. */
        public static MessageStatusChanged of(
                String messageId,
                String conversationId,
                MessageStatus previous,
                MessageStatus status,
                StatusUpdate cause) {
            return new MessageStatusChanged(
                    messageId,
                    conversationId,
                    cause.carrier(),
                    cause.carrierMessageId().isEmpty() ? null : cause.carrierMessageId(),
                    previous,
                    status,
                    cause.carrierStatus(),
                    cause.errorCode(),
                    cause.errorMessage(),
                    cause.occurredAt());
        }

        @Override
        public String type() {
            return ChangeEvent.MESSAGE_STATUS;
        }
    }

    /**
     * No {@code delivered} or {@code read} came from {@code carrier} within {@code afterSeconds} of it taking the
     * message: the message was sent again as {@code fallbackMessageId} over {@code fallbackCarrier}, or this
     * event is the only consequence ({@code action} says which).
     */
    record DeliveryTimedOut(
            String messageId,
            String conversationId,
            CarrierType carrier,
            int afterSeconds,
            io.omniservice.core.outbound.DeliveryTimeout.Action action,
            String fallbackMessageId,
            CarrierType fallbackCarrier,
            Instant occurredAt)
            implements CommitEvent {
        @Override
        public String type() {
            return ChangeEvent.MESSAGE_DELIVERY_TIMEOUT;
        }
    }

    /** A conversation was stored for the first time, with the carrier of its first messages. */
    record ConversationCreated(String conversationId, String participant, CarrierType carrier) implements CommitEvent {
        @Override
        public String type() {
            return ChangeEvent.CONVERSATION_CREATED;
        }

        @Override
        public String messageId() {
            return null;
        }
    }

    /**
     * The conversation held under {@code alias} ({@code mergedFrom}) went into {@code conversationId}, the
     * conversation of {@code participant}.
     */
    record ConversationMerged(String conversationId, String participant, String mergedFrom, String alias)
            implements CommitEvent {
        @Override
        public String type() {
            return ChangeEvent.CONVERSATION_MERGED;
        }

        @Override
        public String messageId() {
            return null;
        }
    }
}
