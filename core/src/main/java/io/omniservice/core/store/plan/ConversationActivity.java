package io.omniservice.core.store.plan;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Conversation;
import io.omniservice.core.model.Direction;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What new messages do to their conversations: each counts once, the conversation's last activity is its
 * newest message and its carrier that message's carrier, its last WhatsApp message from the customer is the
 * newest of those (WhatsApp's customer-service window opens there), and a conversation seen for the first time
 * is created open, with the time of its oldest message, and announced.
 *
 * <p>The conversation keeps its last WhatsApp message from the customer so that choosing a carrier for a send
 * reads one row: found among the conversation's messages, that read grew with the conversation (every message of
 * it read on every send) and was the costliest read of a send.
 */
public final class ConversationActivity {
    private ConversationActivity() {}

    /**
     * What a group's new messages add to one conversation: {@code count} messages, the oldest at {@code first},
     * the newest at {@code last} on {@code carrier} (of messages at the same time, the later one's), the newest
     * inbound WhatsApp message at {@code lastWhatsAppInbound} (null: none among them).
     */
    public record Added(
            String conversationId,
            String participant,
            long count,
            Instant first,
            Instant last,
            CarrierType carrier,
            Instant lastWhatsAppInbound) {}

    /**
     * A stored conversation's activity: what {@link Added} changes. {@code lastWhatsAppInbound} is null while the
     * conversation has no inbound WhatsApp message.
     */
    public record Counters(long messageCount, Instant lastMessageAt, CarrierType carrier, Instant lastWhatsAppInbound) {
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
            long messageCount,
            Instant lastWhatsAppInbound) {
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
                    new Added(
                            m.conversationId(),
                            m.participant(),
                            1,
                            m.createdAt(),
                            m.createdAt(),
                            m.carrier(),
                            opensWhatsAppWindow(m) ? m.createdAt() : null),
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
                newest ? next.carrier() : so.carrier(),
                later(so.lastWhatsAppInbound(), next.lastWhatsAppInbound()));
    }

    /** A message from the customer on WhatsApp: it opens (or reopens) WhatsApp's customer-service window. */
    private static boolean opensWhatsAppWindow(PlacedMessage m) {
        return m.carrier() == CarrierType.WHATSAPP && m.message().direction() == Direction.INBOUND;
    }

    /** The later of two instants, either of which may be null (none). */
    static Instant later(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || !b.isAfter(a) ? a : b;
    }

    /**
     * A stored conversation's activity after {@code added}: the count adds up; the last activity and carrier
     * become the new messages' unless the conversation already had a newer message (a late message from the
     * past counts but does not move them); the last inbound WhatsApp message is the later of the two.
     */
    public static Counters apply(Counters stored, Added added) {
        boolean newest = !added.last().isBefore(stored.lastMessageAt());
        return new Counters(
                stored.messageCount() + added.count(),
                newest ? added.last() : stored.lastMessageAt(),
                newest ? added.carrier() : stored.carrier(),
                later(stored.lastWhatsAppInbound(), added.lastWhatsAppInbound()));
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
                added.count(),
                added.lastWhatsAppInbound());
    }
}
