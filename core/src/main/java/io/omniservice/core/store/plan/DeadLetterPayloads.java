package io.omniservice.core.store.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.json.Json;
import java.time.Instant;
import java.util.UUID;

/**
 * What a dead letter keeps of the work it stands for (its {@code payload}, as the API shows it), so that a replay
 * puts the same work back: one shape for every store.
 */
public final class DeadLetterPayloads {
    private DeadLetterPayloads() {}

    /** A change event whose workflow step ran out of attempts: replayed, it resumes at {@code step}. */
    public record Workflow(
            UUID eventId,
            String type,
            String workflow,
            int step,
            String conversationId,
            Instant createdAt,
            JsonNode event,
            ObjectNode context) {

        public static Workflow of(ChangeEvent event, String workflow, int step) {
            return new Workflow(
                    event.eventId(),
                    event.type(),
                    workflow,
                    step,
                    event.conversationId(),
                    event.createdAt(),
                    event.payload(),
                    event.context());
        }

        public ObjectNode toJson() {
            ObjectNode payload = Json.MAPPER.createObjectNode();
            payload.put("eventId", eventId.toString());
            payload.put("type", type);
            payload.put("workflow", workflow);
            payload.put("step", step);
            payload.put("conversationId", conversationId);
            payload.put("createdAt", createdAt.toString());
            payload.set("event", event);
            payload.set("context", context);
            return payload;
        }

        /** @throws IllegalArgumentException when the payload is not a workflow's */
        public static Workflow from(JsonNode payload) {
            JsonNode context = payload.get("context");
            if (!payload.hasNonNull("eventId") || !payload.hasNonNull("type") || !payload.hasNonNull("createdAt")) {
                throw new IllegalArgumentException("the dead letter's payload is not a workflow's");
            }
            return new Workflow(
                    UUID.fromString(payload.path("eventId").asText()),
                    payload.path("type").asText(),
                    text(payload, "workflow"),
                    payload.path("step").asInt(),
                    text(payload, "conversationId"),
                    Instant.parse(payload.path("createdAt").asText()),
                    payload.path("event"),
                    context instanceof ObjectNode object ? object : null);
        }
    }

    /**
     * A delivery its URL never took (a status callback, a subscription's event, a rule's forward): replayed, it
     * gets another round of attempts in the same order.
     *
     * @param subscriptionId the subscription of an event delivery, or null
     * @param orderKey the order it keeps
     * @param event the body POSTed, or null when it was no longer kept
     * @param client the API client whose secret signs it (null: the gateway's own)
     */
    public record Delivery(String url, String subscriptionId, String orderKey, JsonNode event, String client) {
        public ObjectNode toJson() {
            ObjectNode payload = Json.MAPPER.createObjectNode();
            payload.put("url", url);
            payload.put("subscriptionId", subscriptionId);
            payload.put("orderKey", orderKey);
            payload.set("event", event);
            if (client != null) {
                payload.put("client", client);
            }
            return payload;
        }

        public static Delivery from(JsonNode payload) {
            return new Delivery(
                    text(payload, "url"),
                    text(payload, "subscriptionId"),
                    text(payload, "orderKey"),
                    payload.get("event") == null || payload.get("event").isNull() ? null : payload.get("event"),
                    text(payload, "client"));
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
