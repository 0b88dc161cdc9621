package io.omniservice.core.store.plan;

import io.omniservice.core.json.Json;
import io.omniservice.core.notify.EventEnvelope;
import java.time.Instant;
import java.util.UUID;

/**
 * Which of a commit's change events are POSTed to their message's {@code callbackUrl}, and with what body.
 * Queued in the commit that writes the event, so a crash can neither lose nor invent a callback.
 */
public final class StatusCallbacks {
    private StatusCallbacks() {}

    /**
     * Whether the event is due to its message's {@code callbackUrl}, for a message that names one: each status
     * change is; a message's arrival and conversations' events are not.
     */
    public static boolean due(CommitEvent event) {
        return event instanceof CommitEvent.MessageStatusChanged;
    }

    /** The body POSTed: the event as subscribers get it, under the change event's id. */
    public static EventEnvelope body(UUID eventId, CommitEvent event, Instant createdAt) {
        return new EventEnvelope(eventId, event.type(), createdAt, Json.MAPPER.valueToTree(event));
    }
}
