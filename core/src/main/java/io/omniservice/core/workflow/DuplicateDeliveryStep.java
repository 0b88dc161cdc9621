package io.omniservice.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.notify.EventEnvelope;
import io.omniservice.core.outbound.ReceiptDeadline;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The status workflow's guard for {@code options.fallback}: a delivery reported for a message that was already
 * sent again over another carrier reached the recipient twice (and is billed twice). The receipt itself is in
 * the message's history like any other; this step publishes {@code message.duplicate_delivery} and counts it.
 */
public final class DuplicateDeliveryStep implements WorkflowStep.Action {
    private final Runnable counted;

    /** @param counted told of each duplicate delivery found (the metric) */
    public DuplicateDeliveryStep(Runnable counted) {
        this.counted = counted;
    }

    @Override
    public StepResult run(StepInput input) {
        ChangeEvent event = input.event();
        JsonNode payload = event.payload();
        if (event.messageId() == null || !payload.hasNonNull("status") || !payload.hasNonNull("previousStatus")) {
            return StepResult.NOTHING;
        }
        MessageStatus previous =
                MessageStatus.fromWireName(payload.get("previousStatus").asText());
        MessageStatus status = MessageStatus.fromWireName(payload.get("status").asText());
        if (status != MessageStatus.DELIVERED && status != MessageStatus.READ) {
            return StepResult.NOTHING;
        }
        Message message = input.message();
        if (!ReceiptDeadline.duplicateDelivery(message, previous, status)) {
            return StepResult.NOTHING;
        }
        ObjectNode data = Json.MAPPER.createObjectNode();
        data.put("messageId", message.messageId());
        data.put("conversationId", message.conversationId());
        data.set("receipt", payload);
        // the same id each time the step runs for this status change: a subscriber sees one event
        UUID id = UUID.nameUUIDFromBytes(
                (event.eventId() + ChangeEvent.MESSAGE_DUPLICATE_DELIVERY).getBytes(StandardCharsets.UTF_8));
        EventEnvelope envelope = new EventEnvelope(id, ChangeEvent.MESSAGE_DUPLICATE_DELIVERY, event.createdAt(), data);
        counted.run();
        return StepResult.of(new Effect.Publish(
                envelope, event.conversationId(), message.metadata().client()));
    }
}
