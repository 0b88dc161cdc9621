package io.omniservice.core.store.plan;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.NormalizedMessage;
import io.omniservice.core.store.InboundBatch.NewMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * Where new messages go: the links between the keys one person is known by that they reveal, the conversation
 * each joins (a key linked to another joins that one's), and the values each is stored with.
 */
public final class MessagePlacement {
    private MessagePlacement() {}

    /** A link to record: the person known as {@code alias} is {@code participant}, whose conversation it joins. */
    public record Link(ConversationKey alias, ConversationKey participant) {}

    /**
     * The links a group of messages reveals, in the order to record them, and where each key leads once they
     * are recorded (only keys that lead elsewhere are in {@code leadsTo}).
     */
    public record Links(List<Link> toRecord, Map<String, String> leadsTo) {
        public Links {
            toRecord = List.copyOf(toRecord);
            leadsTo = Map.copyOf(leadsTo);
        }
    }

    /** The keys whose stored links a placement needs ({@link #links}'s {@code known}), sorted. */
    public static Set<String> keysToResolve(List<NewMessage> messages) {
        Set<String> keys = new TreeSet<>();
        messages.forEach(m -> keys.add(m.conversation().participant()));
        return keys;
    }

    /**
     * The links to record for these messages, given the stored links of their keys ({@code known}: key → the
     * participant it is linked to). A message that shows its sender's other key links that alias to where the
     * sender's key leads, unless it leads there already; later messages under the alias, this group's too,
     * then join that conversation.
     */
    public static Links links(List<NewMessage> messages, Map<String, String> known) {
        Map<String, String> leadsTo = new HashMap<>(known);
        List<Link> toRecord = new ArrayList<>();
        for (NewMessage item : messages) {
            if (item.alias() == null) {
                continue;
            }
            String participant = item.conversation().participant();
            String target = leadsTo.getOrDefault(participant, participant);
            if (target.equals(item.alias().participant())) {
                continue;
            }
            leadsTo.put(item.alias().participant(), target);
            toRecord.add(new Link(item.alias(), new ConversationKey(target)));
        }
        return new Links(toRecord, leadsTo);
    }

    /**
     * The message as it is stored: in the conversation its key leads to, created when we received it (or
     * {@code now}), at the store's precision ({@code stored}: the instant as the store keeps it).
     *
     * @throws IllegalArgumentException when the message names another conversation than its key gives
     */
    public static PlacedMessage place(
            NewMessage item, Map<String, String> leadsTo, Instant now, UnaryOperator<Instant> stored) {
        NormalizedMessage message = item.message();
        ConversationKey key = item.conversation();
        if (!key.conversationId().equals(message.conversationId())) {
            throw new IllegalArgumentException("message " + message.messageId() + " names conversation "
                    + message.conversationId() + " but its key gives " + key.conversationId());
        }
        String linked = leadsTo.get(key.participant());
        if (linked != null) {
            // the person is known under another key now: the message joins that conversation
            key = new ConversationKey(linked);
            message = new NormalizedMessage(
                    message.messageId(),
                    key.conversationId(),
                    message.direction(),
                    message.sender(),
                    message.recipient(),
                    message.content(),
                    message.metadata());
        }
        CarrierType carrier = Objects.requireNonNull(message.metadata().carrier(), "metadata.carrier");
        Objects.requireNonNull(message.metadata().account(), "metadata.account");
        Instant created =
                message.metadata().receivedAt() != null ? message.metadata().receivedAt() : now;
        return new PlacedMessage(message, key.participant(), carrier, stored.apply(created));
    }
}
