package io.omniservice.core.store.plan;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.notify.Subscription;
import io.omniservice.core.workflow.Effect;
import java.util.ArrayList;
import java.util.List;

/**
 * Which deliveries a workflow's effects queue, and the order each keeps: decided once for every store. A
 * published event goes to each subscription that asked for its type and may see it (an event about one
 * client's message reaches that client's subscriptions and admins' only); a rule's forward goes to its URL.
 * Deliveries of one order key go out one at a time, oldest first: a subscription gets a conversation's
 * events in order, a message's status callbacks go in order, a URL gets a conversation's forwards in order.
 */
public final class EventDeliveries {
    private EventDeliveries() {}

    /**
     * One published event's delivery to one subscription.
     *
     * @param published the index of the event in the list given to {@link #of}
     * @param messageId the message the event is about, or null
     */
    public record ToSubscription(int published, Subscription subscription, String orderKey, String messageId) {}

    /** The deliveries of these published events to these subscriptions, event by event. */
    public static List<ToSubscription> of(List<Effect.Publish> published, List<Subscription> subscriptions) {
        List<ToSubscription> deliveries = new ArrayList<>();
        for (int i = 0; i < published.size(); i++) {
            Effect.Publish publish = published.get(i);
            String type = publish.event().type();
            JsonNode id = publish.event().data() == null
                    ? null
                    : publish.event().data().get("messageId");
            String messageId = id == null || id.isNull() ? null : id.asText();
            String lane = publish.conversationId() != null
                    ? publish.conversationId()
                    : publish.event().id().toString();
            for (Subscription subscription : subscriptions) {
                if (reaches(subscription, type, publish.client())) {
                    deliveries.add(new ToSubscription(i, subscription, subscription.id() + "/" + lane, messageId));
                }
            }
        }
        return deliveries;
    }

    /**
     * Whether an event of {@code type} concerning {@code client} alone (null: every client) goes to the
     * subscription.
     */
    public static boolean reaches(Subscription subscription, String type, String client) {
        return subscription.events().contains(type)
                && (client == null || subscription.seesAll() || client.equals(subscription.client()));
    }

    /** The order key of a rule's forward: its URL gets one conversation's forwards in order. */
    public static String orderOf(Effect.Forward forward) {
        return "forward/" + forward.url() + "/" + forward.conversationId();
    }

    /** The order key of a message's status callbacks. */
    public static String callbackOrder(String messageId) {
        return messageId;
    }
}
