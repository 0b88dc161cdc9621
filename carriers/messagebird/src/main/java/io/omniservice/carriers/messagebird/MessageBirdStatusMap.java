package io.omniservice.carriers.messagebird;

import io.omniservice.core.model.MessageStatus;
import java.util.Map;
import java.util.Optional;

/** MessageBird's raw statuses (SMS status reports and Conversations messages) as our {@link MessageStatus}. */
final class MessageBirdStatusMap {
    /** The {@code status} values of an SMS status report. */
    private static final Map<String, MessageStatus> SMS = Map.of(
            "scheduled", MessageStatus.QUEUED,
            "sent", MessageStatus.SENT,
            "buffered", MessageStatus.SENT,
            "delivered", MessageStatus.DELIVERED,
            "expired", MessageStatus.FAILED,
            "delivery_failed", MessageStatus.FAILED);

    /** The {@code message.status} values of a Conversations message we sent. */
    private static final Map<String, MessageStatus> CONVERSATIONS = Map.of(
            "pending", MessageStatus.QUEUED,
            "sent", MessageStatus.SENT,
            "delivered", MessageStatus.DELIVERED,
            "read", MessageStatus.READ,
            "failed", MessageStatus.FAILED);

    private MessageBirdStatusMap() {}

    /** Empty for a status we do not track, so that a new carrier status is ignored rather than refused. */
    static Optional<MessageStatus> sms(String raw) {
        return Optional.ofNullable(SMS.get(raw));
    }

    static Optional<MessageStatus> conversations(String raw) {
        return Optional.ofNullable(CONVERSATIONS.get(raw));
    }
}
