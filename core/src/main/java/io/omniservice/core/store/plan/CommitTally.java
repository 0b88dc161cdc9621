package io.omniservice.core.store.plan;

import io.omniservice.core.store.CommitResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts what one batch's commit changed, as the store learns it, into the {@link CommitResult} its caller
 * gets. Statuses that a newly stored message takes over from its history count in the commit that brought
 * them, not in this one.
 */
public final class CommitTally {
    private final List<String> stored = new ArrayList<>();
    private int duplicateMessages;
    private int statusesApplied;
    private int statusesUnmatched;
    private int duplicateStatuses;

    /** What becomes of one status report of the batch. */
    public enum StatusOutcome {
        /** Recorded before (a carrier's retry), whether its message is stored or not: nothing changes. */
        DUPLICATE,
        /** New, for a message not stored yet: kept in the history until the message arrives. */
        UNMATCHED,
        /** New, for a stored message: recorded and applied to it. */
        APPLIED
    }

    /** A message of the batch was new to the store. */
    public void stored(String messageId) {
        stored.add(messageId);
    }

    /** A message of the batch was stored already. */
    public void duplicateMessage() {
        duplicateMessages++;
    }

    /**
     * Counts a status report: {@code recorded} whether it is new to the message's history, {@code messageStored}
     * whether its message is stored. Returns what becomes of it.
     */
    public StatusOutcome status(boolean recorded, boolean messageStored) {
        if (!recorded) {
            duplicateStatuses++;
            return StatusOutcome.DUPLICATE;
        }
        if (!messageStored) {
            statusesUnmatched++;
            return StatusOutcome.UNMATCHED;
        }
        statusesApplied++;
        return StatusOutcome.APPLIED;
    }

    public CommitResult result() {
        return new CommitResult(stored, duplicateMessages, statusesApplied, statusesUnmatched, duplicateStatuses);
    }
}
