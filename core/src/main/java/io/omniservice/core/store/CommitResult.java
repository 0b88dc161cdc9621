package io.omniservice.core.store;

import java.util.List;

/**
 * What a commit changed. {@code storedMessageIds} are the ids of messages new to the store;
 * {@code duplicateMessages} were already stored (a carrier's retry); {@code statusesApplied} moved
 * a known message's status or history; {@code statusesUnmatched} name a carrier message id we do not
 * (yet) know and were kept for when it appears; {@code duplicateStatuses} were already recorded.
 */
public record CommitResult(
        List<String> storedMessageIds,
        int duplicateMessages,
        int statusesApplied,
        int statusesUnmatched,
        int duplicateStatuses) {
    public CommitResult {
        storedMessageIds = List.copyOf(storedMessageIds);
    }
}
