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

    /**
     * The {@code message.status} values of a Conversations message we sent (as MessageBird's Go SDK lists them).
     * The e-mail channel's engagement statuses ({@code clicked}, {@code opened}, {@code bounce}, ...) and
     * {@code received}, {@code deleted}, {@code unknown} say nothing about delivery and are not tracked.
     */
    private static final Map<String, MessageStatus> CONVERSATIONS = Map.ofEntries(
            Map.entry("accepted", MessageStatus.QUEUED),
            Map.entry("pending", MessageStatus.QUEUED),
            Map.entry("sent", MessageStatus.SENT),
            Map.entry("transmitted", MessageStatus.SENT),
            Map.entry("buffered", MessageStatus.SENT),
            Map.entry("delivered", MessageStatus.DELIVERED),
            Map.entry("read", MessageStatus.READ),
            Map.entry("failed", MessageStatus.FAILED),
            Map.entry("rejected", MessageStatus.FAILED),
            Map.entry("delivery_failed", MessageStatus.FAILED),
            Map.entry("expired", MessageStatus.FAILED));

    private MessageBirdStatusMap() {}

    /** Empty for a status we do not track, so that a new carrier status is ignored rather than refused. */
    static Optional<MessageStatus> sms(String raw) {
        return Optional.ofNullable(SMS.get(raw));
    }

    static Optional<MessageStatus> conversations(String raw) {
        return Optional.ofNullable(CONVERSATIONS.get(raw));
    }
}
