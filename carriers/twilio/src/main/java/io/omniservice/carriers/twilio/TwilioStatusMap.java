package io.omniservice.carriers.twilio;

import io.omniservice.core.model.MessageStatus;
import java.util.Map;
import java.util.Optional;

/**
 * Twilio's {@code MessageStatus} values (the Message resource's status enum) in our terms. The less
 * obvious ones: {@code accepted} and {@code scheduled} are still waiting at Twilio, so queued;
 * {@code canceled} (a scheduled message called off) never goes out, so failed; {@code partially_delivered}
 * reached only some recipients, so it counts as sent, not delivered, and a later full delivery still
 * advances it; {@code receiving} and {@code received} describe inbound messages, which Twilio is still
 * taking in (queued) or has handed to us (received).
 */
final class TwilioStatusMap {
    private static final Map<String, MessageStatus> STATUSES = Map.ofEntries(
            Map.entry("accepted", MessageStatus.QUEUED),
            Map.entry("scheduled", MessageStatus.QUEUED),
            Map.entry("queued", MessageStatus.QUEUED),
            Map.entry("sending", MessageStatus.SENT),
            Map.entry("sent", MessageStatus.SENT),
            Map.entry("partially_delivered", MessageStatus.SENT),
            Map.entry("delivered", MessageStatus.DELIVERED),
            Map.entry("read", MessageStatus.READ),
            Map.entry("undelivered", MessageStatus.FAILED),
            Map.entry("failed", MessageStatus.FAILED),
            Map.entry("canceled", MessageStatus.FAILED),
            Map.entry("receiving", MessageStatus.QUEUED),
            Map.entry("received", MessageStatus.RECEIVED));

    private TwilioStatusMap() {}

    /** Our status for a Twilio status value; empty for a value Twilio may add later. */
    static Optional<MessageStatus> of(String twilioStatus) {
        return Optional.ofNullable(STATUSES.get(twilioStatus));
    }
}
