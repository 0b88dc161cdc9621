package io.omniservice.carriers.whatsapp;

import io.omniservice.core.model.MessageStatus;
import java.util.Map;
import java.util.Optional;

/** The Cloud API's {@code statuses[].status} values and what they mean for us. */
final class WhatsAppStatusMap {
    // "played" is sent when a voice message is played: the user has opened it, so it ranks as read.
    private static final Map<String, MessageStatus> STATUSES = Map.of(
            "sent", MessageStatus.SENT,
            "delivered", MessageStatus.DELIVERED,
            "read", MessageStatus.READ,
            "played", MessageStatus.READ,
            "failed", MessageStatus.FAILED);

    private WhatsAppStatusMap() {}

    /** Our status for a raw one; empty for a value Meta may add later, which we then skip. */
    static Optional<MessageStatus> of(String raw) {
        return Optional.ofNullable(STATUSES.get(raw));
    }
}
