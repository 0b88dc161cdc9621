package io.omniservice.aws.queue;

/** SQS did not do what the send queue asked; the message names the queue and the operation. */
public final class SendQueueException extends RuntimeException {

    /** What went wrong, for a caller that reacts differently to each. */
    public enum Kind {
        /** A queue does not exist (not created, deleted, or a wrong name). */
        QUEUE_MISSING,
        /** A queue exists but is not set up as the send queue needs (its redrive policy). */
        MISCONFIGURED,
        /** SQS throttled the call (after whatever retries the client is set up for): try again later. */
        THROTTLED,
        /** The receipt no longer holds the send: its lease ran out (another node may have it) or it is done. */
        LEASE_LOST,
        /** SQS could not be reached. */
        UNREACHABLE,
        /** SQS refused the call for another reason, given in the message. */
        REFUSED
    }

    private final Kind kind;

    SendQueueException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
