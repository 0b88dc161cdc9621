package io.omniservice.core.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.notify.EventEnvelope;
import java.net.URI;

/**
 * A change a workflow step makes to the world, stored in the same transaction as the step's progress,
 * so a step that is run again after a crash cannot make it twice.
 */
public sealed interface Effect {
    /**
     * Publishes an event: the SSE log, and a delivery for every subscription to its type. {@code json} is
     * the envelope as sent, written once by the step's thread so the store's single writer does not.
     */
    record Publish(EventEnvelope event, String conversationId, String json, String client) implements Effect {
        /**
         * @param client the API client the event concerns alone (a status change of its message), or null
         *     when it concerns every client that reads events
         */
        public Publish(EventEnvelope event, String conversationId, String client) {
            this(event, conversationId, io.omniservice.core.json.Json.text(event), client);
        }
    }

    /**
     * Queues a signed POST of {@code body} to {@code url} (a rule's forward), retried like subscriptions,
     * signed with the secret of {@code client}, the rule's owner (null: the gateway's own).
     */
    record Forward(URI url, String messageId, String conversationId, String body, String client) implements Effect {}

    record TagConversation(String conversationId, String tag) implements Effect {}

    record SetConversationState(String conversationId, String state) implements Effect {}

    /**
     * The message's attachments after the media step: each one stored (key, detected type, thumbnail) or
     * marked refused, quarantined or unavailable. Replaces the message's content, caption unchanged.
     */
    record MediaStored(String messageId, io.omniservice.core.model.MessageContent.Media content) implements Effect {}

    /** Which rules fired for the message and what they did, shown with the message. */
    record RulesFired(String messageId, JsonNode rules) implements Effect {}
}
