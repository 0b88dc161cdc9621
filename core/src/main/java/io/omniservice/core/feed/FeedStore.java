package io.omniservice.core.feed;

import io.omniservice.core.workflow.StepRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The change feed as the processing workers see it (the seed's DynamoDB stream): events are leased,
 * never deleted before their workflow's last step is stored, so a worker that dies leaves them to be
 * leased again.
 */
public interface FeedStore {
    /**
     * From now on, events committed by this node are written already leased to {@code owner} and given
     * to {@code listener} right after their commit, so they run without waiting for a poll — except
     * events of a conversation that still has an event pending: those are written free, and the
     * listener is told their conversation has more waiting, so order is kept.
     */
    void handOffTo(String owner, Duration lease, Committed listener);

    /** Told after each commit that wrote change events. */
    @FunctionalInterface
    interface Committed {
        /**
         * @param handedOver events leased to this node, in commit order
         * @param waiting conversations whose new events wait in the store behind an older pending one
         */
        void committed(List<ChangeEvent> handedOver, java.util.Set<String> waiting);
    }

    /**
     * Leases a conversation's pending events from its oldest on, as long as each is due and nobody
     * holds it: the ones that waited behind an event this node just finished.
     */
    List<ChangeEvent> claimConversation(String owner, String conversationId, Instant now, Duration lease);

    /** Events committed from now on are written free for any node to lease (this node's worker stops). */
    void stopHandOff();

    /**
     * Leases up to {@code max} due events that nobody holds and that are the earliest pending event of
     * their conversation, oldest first.
     */
    List<ChangeEvent> claim(String owner, Instant now, Duration lease, int max);

    /** Frees the events a node had leased when it stopped (it starts again now). */
    int releaseLeasesOf(String owner);

    /** Gives leased events back untouched, due now (their conversation's earlier event must run first). */
    void release(Collection<Long> seqs);

    /**
     * Stores a workflow's progress and the effects of the steps it covers in one durable transaction;
     * a record with {@code done} deletes the event.
     */
    CompletableFuture<Void> record(StepRecord record);

    /** The step at {@code step} failed: it runs again at {@code retryAt}, with {@code attempts} failures so far. */
    void retryLater(long seq, int step, int attempts, String error, Instant retryAt);

    /** The step at {@code step} ran out of attempts: the event becomes a dead letter a person can replay. */
    void deadLetter(ChangeEvent event, String workflow, int step, int attempts, String error);
}
