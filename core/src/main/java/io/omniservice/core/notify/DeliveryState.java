package io.omniservice.core.notify;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.omniservice.core.outbound.CallbackDelivery;
import io.omniservice.core.outbound.DeadLetter;
import io.omniservice.core.store.plan.DeadLetterPayloads;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How a subscription's events are getting through, as an operator reads it: in how many conversations events
 * wait for it ({@code waiting}; each conversation's events go in order, so only the first of each is tried),
 * how many of those firsts failed at least once and wait for a retry ({@code retrying}), the earliest retry, the
 * error of the most tried one, and its events that ran out of attempts and were not replayed ({@code deadLettered}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeliveryState(int waiting, int retrying, Instant nextRetryAt, String lastError, int deadLettered) {
    /** Nothing waits and nothing was given up: every event so far was taken. */
    public static final DeliveryState CLEAR = new DeliveryState(0, 0, null, null, 0);

    /**
     * The first waiting event delivery of one order (a subscription and a conversation), as a store lists them:
     * the attempts made, when the next one is due when it failed before, and its last error.
     */
    public record Waiting(String subscriptionId, int attempts, Instant nextAttemptAt, String lastError) {}

    /**
     * Each subscription's state from the first waiting deliveries and the dead letters (those of kind
     * {@code event}, not replayed, count for the subscription their payload names). A subscription absent from
     * the answer is {@link #CLEAR}.
     */
    public static Map<String, DeliveryState> of(List<Waiting> firsts, List<DeadLetter> deadLetters) {
        Map<String, DeliveryState> states = new HashMap<>();
        Map<String, Integer> mostAttempts = new HashMap<>();
        for (Waiting first : firsts) {
            if (first.subscriptionId() == null) {
                continue;
            }
            DeliveryState was = states.getOrDefault(first.subscriptionId(), CLEAR);
            boolean failed = first.attempts() > 0;
            Instant retry = failed ? first.nextAttemptAt() : null;
            boolean mostTried = failed && first.attempts() > mostAttempts.getOrDefault(first.subscriptionId(), 0);
            if (mostTried) {
                mostAttempts.put(first.subscriptionId(), first.attempts());
            }
            states.put(
                    first.subscriptionId(),
                    new DeliveryState(
                            was.waiting + 1,
                            was.retrying + (failed ? 1 : 0),
                            retry != null && (was.nextRetryAt == null || retry.isBefore(was.nextRetryAt))
                                    ? retry
                                    : was.nextRetryAt,
                            mostTried ? first.lastError() : was.lastError,
                            was.deadLettered));
        }
        for (DeadLetter letter : deadLetters) {
            if (!CallbackDelivery.EVENT.equals(letter.kind())
                    || letter.replayedAt() != null
                    || letter.payload() == null) {
                continue;
            }
            String subscriptionId =
                    DeadLetterPayloads.Delivery.from(letter.payload()).subscriptionId();
            if (subscriptionId == null) {
                continue;
            }
            DeliveryState was = states.getOrDefault(subscriptionId, CLEAR);
            states.put(
                    subscriptionId,
                    new DeliveryState(
                            was.waiting,
                            was.retrying,
                            was.nextRetryAt,
                            was.lastError != null ? was.lastError : letter.lastError(),
                            was.deadLettered + 1));
        }
        return states;
    }
}
