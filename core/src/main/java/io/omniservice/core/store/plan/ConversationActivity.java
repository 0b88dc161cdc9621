package io.omniservice.core.store.plan;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Conversation;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What new messages do to their conversations: each counts once, the conversation's last activity is its
 * newest message and its carrier that message's carrier, and a conversation seen for the first time is
 * created open, with the time of its oldest message, and announced.
 */
public final class ConversationActivity {
    private ConversationActivity() {}

    /**
     * What a group's new messages add to one conversation: {@code count} messages, the oldest at {@code first},
     * the newest at {@code last} on {@code carrier} (of messages at the same time, the later one's).
     */
    public record Added(
            String conversationId, String participant, long count, Instant first, Instant last, CarrierType carrier) {}

    /** A stored conversation's activity: what {@link Added} changes. */
    public record Counters(long messageCount, Instant lastMessageAt, CarrierType carrier) {
        public Counters {
            Objects.requireNonNull(lastMessageAt, "lastMessageAt");
            Objects.requireNonNull(carrier, "carrier");
        }
    }

    /** A conversation to create: its row's values and the event that announces it. */
    public record Created(
            String conversationId,
            String participant,
            CarrierType carrier,
            String state,
            Instant createdAt,
            Instant lastMessageAt,
            long messageCount) {
        public CommitEvent.ConversationCreated event() {
            return new CommitEvent.ConversationCreated(conversationId, participant, carrier);
        }
    }

    /** The activity of newly stored messages, one per conversation, in conversation id order. */
    public static List<Added> of(List<PlacedMessage> stored) {
        Map<String, Added> byConversation = new TreeMap<>();
        for (PlacedMessage m : stored) {
            byConversation.merge(
                    m.conversationId(),
                    new Added(m.conversationId(), m.participant(), 1, m.createdAt(), m.createdAt(), m.carrier()),
                    ConversationActivity::andThen);
        }
        return List.copyOf(byConversation.values());
    }

    private static Added andThen(Added so, Added next) {
        boolean newest = !next.last().isBefore(so.last());
        return new Added(
                so.conversationId(),
                so.participant(),
                so.count() + next.count(),
                next.first().isBefore(so.first()) ? next.first() : so.first(),
                newest ? next.last() : so.last(),
                newest ? next.carrier() : so.carrier());
    }

    /**
     * A stored conversation's activity after {@code added}: the count adds up; the last activity and carrier
     * become the new messages' unless the conversation already had a newer message (a late message from the
     * past counts but does not move them).
     */
    public static Counters apply(Counters stored, Added added) {
        boolean newest = !added.last().isBefore(stored.lastMessageAt());
        return new Counters(
                stored.messageCount() + added.count(),
                newest ? added.last() : stored.lastMessageAt(),
                newest ? added.carrier() : stored.carrier());
    }

    /** The conversation that {@code added} starts, when none is stored. */
    public static Created create(Added added) {
        return new Created(
                added.conversationId(),
                added.participant(),
                added.carrier(),
                Conversation.OPEN,
                added.first(),
                added.last(),
                added.count());
    }
}
