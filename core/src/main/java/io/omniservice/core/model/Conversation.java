package io.omniservice.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A conversation with one customer, as the seed's {@code ConversationTable}: {@code carrier} is the
 * carrier last used, {@code state} starts as {@code open}; rules set it and add {@code tags}.
 */
public record Conversation(
        String conversationId,
        List<String> participants,
        CarrierType carrier,
        String state,
        Instant createdAt,
        Instant lastMessageAt,
        long messageCount,
        Map<String, Object> metadata,
        List<String> tags) {
    public static final String OPEN = "open";

    public Conversation {
        participants = List.copyOf(participants);
        tags = tags == null ? List.of() : List.copyOf(tags);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }
}
