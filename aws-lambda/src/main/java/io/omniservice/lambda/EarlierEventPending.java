package io.omniservice.lambda;

/**
 * A step's event waits behind an earlier pending event of its conversation: the workflow retries the step (its
 * Retry on this class's name), so a conversation's events are processed in order.
 */
public final class EarlierEventPending extends RuntimeException {
    public EarlierEventPending(String message) {
        super(message, null, false, false);
    }
}
