package io.omniservice.core.store.plan;

import io.omniservice.core.model.ConversationKey;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Joining the conversation held under an alias into the conversation of the participant the alias is now
 * linked to: its messages move, its counts add up, its opt-outs carry over where the participant has none on
 * that channel, and the join is announced as {@code conversation.merged}. When the participant has no
 * conversation yet, the alias's becomes it, keeping its state, tags and carrier.
 */
public final class ConversationJoin {
    private ConversationJoin() {}

    /**
     * A stored conversation's size and span, and its last inbound WhatsApp message (null: none), which the
     * joined conversation keeps the later of ({@link ConversationActivity}).
     */
    public record Span(long messageCount, Instant createdAt, Instant lastMessageAt, Instant lastWhatsAppInbound) {}

    /** An opt-out kept for a participant on a channel. */
    public record OptOut(String channel, String keyword, Instant optedOutAt) {}

    /**
     * What a join writes: the messages of {@code fromConversationId} move to {@code intoConversationId}; then
     * either the participant's conversation takes {@code into} (and the alias's is deleted) or, when
     * {@code into} is null, the alias's conversation becomes the participant's; {@code carriedOptOuts} are
     * kept for the participant and the alias's are deleted.
     */
    public record Plan(
            String fromConversationId,
            String intoConversationId,
            String alias,
            String participant,
            Span into,
            List<OptOut> carriedOptOuts) {
        public Plan {
            carriedOptOuts = List.copyOf(carriedOptOuts);
        }

        /** Whether the alias's conversation is renamed into the participant's (there was none). */
        public boolean renames() {
            return into == null;
        }

        public CommitEvent.ConversationMerged event() {
            return new CommitEvent.ConversationMerged(intoConversationId, participant, fromConversationId, alias);
        }
    }

    /**
     * The join of {@code alias}'s conversation ({@code from}, null when none is stored) into
     * {@code participant}'s ({@code into}, null when none is stored); nothing when the alias has no
     * conversation or is the participant. {@code aliasOptOuts} are the alias's, {@code participantChannels}
     * the channels the participant is opted out of already (their own standing wins).
     */
    public static Optional<Plan> plan(
            ConversationKey alias,
            ConversationKey participant,
            Span from,
            Span into,
            List<OptOut> aliasOptOuts,
            Set<String> participantChannels) {
        if (from == null || alias.equals(participant)) {
            return Optional.empty();
        }
        Span joined = into == null
                ? null
                : new Span(
                        into.messageCount() + from.messageCount(),
                        earlier(into.createdAt(), from.createdAt()),
                        ConversationActivity.later(into.lastMessageAt(), from.lastMessageAt()),
                        ConversationActivity.later(into.lastWhatsAppInbound(), from.lastWhatsAppInbound()));
        List<OptOut> carried = aliasOptOuts.stream()
                .filter(o -> !participantChannels.contains(o.channel()))
                .toList();
        return Optional.of(new Plan(
                alias.conversationId(),
                participant.conversationId(),
                alias.participant(),
                participant.participant(),
                joined,
                carried));
    }

    private static Instant earlier(Instant a, Instant b) {
        return b.isBefore(a) ? b : a;
    }
}
