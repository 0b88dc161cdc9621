package io.omniservice.core.outbound;

import io.omniservice.core.model.ConversationKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where outbound work lives beside the messages: send jobs (leased, never deleted before their outcome
 * is stored), attempts, idempotency keys, routing rules, opt-outs, status callbacks and dead letters.
 * Every write returns only once it is durable.
 */
public interface OutboundStore {

    /** Stores the message as queued, its send job and its idempotency key in one transaction. */
    AcceptResult accept(QueuedMessage queued);

    /** The answer stored for an idempotency key, if the key was used. */
    Optional<AcceptResult.KeyUsed> idempotentAnswer(String principal, String key, String requestHash);

    /**
     * Leases up to {@code max} due jobs to {@code owner}: not scheduled later, not leased by anyone, and the
     * earliest due job of their conversation (one in flight per conversation keeps its order), high
     * priority first, then in the order they were accepted; and receipt deadlines that came due, as jobs whose
     * plan carries the {@link DeliveryWatch}.
     */
    List<SendJob> claimDue(String owner, Instant now, Duration lease, int max);

    /**
     * Stores how a job ended and removes it; a sent message waiting for its receipt ({@link SendOutcome.Sent#waiting})
     * leaves a receipt deadline, unleased, that {@link #claimDue} hands out as a job when it is due. The deadline is
     * kept where a node of a release before receipt deadlines, leasing sends, never finds it.
     */
    void finish(SendOutcome outcome);

    /** Gives a leased job back to run again at {@code notBefore} (the node is stopping, or no carrier was up). */
    void release(String messageId, Instant notBefore);

    /** Frees the jobs a node had leased when it stopped without finishing them (it starts again now). */
    int releaseLeasesOf(String owner);

    /** The attempts recorded for a message, oldest first. */
    List<SendAttempt> attempts(String messageId);

    /** The conversation's last carrier, the participant's opt-outs and last WhatsApp message, in one read. */
    RecipientFacts recipientFacts(ConversationKey conversation);

    /**
     * Our side of the conversation's latest {@code max} messages that the recipient saw, newest first: each
     * inbound message's {@code to} and each outbound message's sender once a carrier took it (sent, delivered or
     * read; a queued or failed one is left out), with its carrier and account. A linked WhatsApp user id or
     * old number reads the conversation it is linked to. What a sender pool's sticky choice reads.
     */
    List<NumberUse> numbersUsed(ConversationKey conversation, int max);

    List<RoutingRule> routingRules();

    RoutingRule addRoutingRule(RoutingRule rule);

    boolean deleteRoutingRule(String id);

    /** Leases deliveries that are due, the earliest of each order key (message, subscription + conversation) first. */
    List<CallbackDelivery> claimCallbacks(String owner, Instant now, Duration lease, int max);

    /** Frees the deliveries a node had leased when it stopped (it starts again now). */
    int releaseCallbackLeasesOf(String owner);

    /** Forgets a delivery its receiver took; durable when the future completes. */
    java.util.concurrent.CompletableFuture<Void> callbackDelivered(long id);

    /**
     * From now on, new subscription deliveries that are first in their order are written leased for
     * {@code lease} and given to {@code listener} after their commit, so they go out without a claim;
     * a null listener stops that.
     */
    void handOffDeliveries(String owner, Duration lease, java.util.function.Consumer<List<CallbackDelivery>> listener);

    /** Records a failed delivery: tried again at {@code retryAt}, or dead-lettered when it is null. */
    void callbackFailed(long id, String error, Instant retryAt);

    /**
     * The first waiting delivery of each order of subscription events (a subscription and a conversation), up to
     * {@code max}: what {@link io.omniservice.core.notify.DeliveryState} is made of.
     */
    List<io.omniservice.core.notify.DeliveryState.Waiting> waitingEventDeliveries(int max);

    List<DeadLetter> deadLetters(int limit);

    /**
     * Puts a dead letter's work back: a send gets a new job (the message is queued again), a callback
     * another round of attempts. Empty when there is no such dead letter or it was already replayed.
     */
    Optional<DeadLetter> replay(String id);
}
