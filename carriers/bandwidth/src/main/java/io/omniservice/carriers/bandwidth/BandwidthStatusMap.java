package io.omniservice.carriers.bandwidth;

import io.omniservice.core.model.MessageStatus;
import java.util.Map;
import java.util.Optional;

/** Bandwidth's status callback types and what they mean for us. */
final class BandwidthStatusMap {
    // message-queued and message-sending come for MMS only (with the MMS delivery-receipt feature);
    // message-read for RBM messages. For MMS and group messages "delivered" means handed to the carrier.
    private static final Map<String, MessageStatus> STATUSES = Map.of(
            "message-queued", MessageStatus.QUEUED,
            "message-sending", MessageStatus.SENT,
            "message-delivered", MessageStatus.DELIVERED,
            "message-read", MessageStatus.READ,
            "message-failed", MessageStatus.FAILED);

    private BandwidthStatusMap() {}

    static Optional<MessageStatus> of(String type) {
        return Optional.ofNullable(STATUSES.get(type));
    }
}
