package io.omniservice.core.notify;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;
import java.util.Set;

/**
 * An outgoing event webhook: where events of the listed types are POSTed, signed with {@code secret}.
 * {@code client} created it; it gets shared events and those about that client's messages, or every
 * event when {@code seesAll} (created by an admin).
 */
public record Subscription(
        String id,
        String url,
        Set<String> events,
        @JsonIgnore String secret,
        Instant createdAt,
        String client,
        @JsonIgnore boolean seesAll) {
    /** The event types a subscription may ask for. */
    public static final Set<String> EVENT_TYPES = Set.of(
            "message.received",
            "message.status",
            "message.delivery_timeout",
            "message.duplicate_delivery",
            "conversation.created",
            "conversation.merged");
}
