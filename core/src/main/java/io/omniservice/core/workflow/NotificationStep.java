package io.omniservice.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.json.Json;
import io.omniservice.core.notify.EventEnvelope;
import io.omniservice.core.notify.EventPublisher;
import java.util.List;

/**
 * Every workflow's notification: publishes the event to subscribers and the SSE stream (a deferrable effect,
 * stored with the workflow's next write, so exactly once) and to the push-notification publishers (at least
 * once: a crash before that write publishes it again, with the same event id). A new
 * message's data is the message as {@code GET /v1/messages/{id}} shows it, without the carrier's original
 * payload, and with the rules that fired.
 */
public final class NotificationStep implements WorkflowStep.Action {
    private final List<EventPublisher> publishers;

    public NotificationStep(List<EventPublisher> publishers) {
        this.publishers = List.copyOf(publishers);
    }

    /**
     * A message as events carry it (to subscribers, on the SSE stream, in a rule's forward). The carrier's
     * raw payload stays with the stored message ({@code GET /v1/messages/{id}}): it would double every
     * event's size, and receivers get the normalized message.
     */
    static ObjectNode eventData(io.omniservice.core.model.Message stored) {
        ObjectNode message = Json.MAPPER.valueToTree(stored);
        if (message.path("metadata") instanceof ObjectNode metadata) {
            metadata.remove("originalPayload");
        }
        return message;
    }

    @Override
    public StepResult run(StepInput input) throws Exception {
        ChangeEvent event = input.event();
        JsonNode data;
        if (ChangeEvent.MESSAGE_RECEIVED.equals(event.type())) {
            ObjectNode message = eventData(input.messageAsShown());
            JsonNode fired = input.context().get("rules");
            if (fired != null) {
                message.set("rulesFired", fired);
            }
            data = message;
        } else {
            data = event.payload();
        }
        EventEnvelope envelope = new EventEnvelope(event.eventId(), event.type(), event.createdAt(), data);
        for (EventPublisher publisher : publishers) {
            publisher.publish(envelope);
        }
        // a status change or timeout concerns the client that sent the message alone; everything else is shared
        boolean aboutOneMessage = ChangeEvent.MESSAGE_STATUS.equals(event.type())
                || ChangeEvent.MESSAGE_DELIVERY_TIMEOUT.equals(event.type());
        String client = aboutOneMessage && event.messageId() != null ? input.messageClient() : null;
        return StepResult.deferred(new Effect.Publish(envelope, event.conversationId(), client));
    }
}
