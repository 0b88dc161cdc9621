package io.omniservice.core.store.plan;

import io.omniservice.core.model.Direction;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.MessageStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * A stored message's status, the times of its steps and its last error, as reports move it. The status only
 * moves as {@link MessageStatus#advance} allows; a step's time is kept once known; the error is the one of
 * the report that made the message fail.
 */
public record MessageProgress(
        MessageStatus status,
        Instant sentAt,
        Instant deliveredAt,
        Instant readAt,
        String errorCode,
        String errorMessage) {
    public MessageProgress {
        Objects.requireNonNull(status, "status");
    }

    /** The status a message is stored with: what a customer sent is received, what we send starts queued. */
    public static MessageStatus initialStatus(Direction direction) {
        return direction == Direction.INBOUND ? MessageStatus.RECEIVED : MessageStatus.QUEUED;
    }

    /** A message as it is first stored: its initial status, no step reached, no error. */
    public static MessageProgress initial(Direction direction) {
        return new MessageProgress(initialStatus(direction), null, null, null, null, null);
    }

    /** {@link #apply(MessageStatus, Instant, String, String)} with the report's status, time and error. */
    public MessageProgress apply(StatusUpdate report) {
        return apply(report.status(), report.occurredAt(), report.errorCode(), report.errorMessage());
    }

    /**
     * The progress after one report; equal to this one when the report changes nothing stored about the
     * message (a repeat, a late step whose time is already known, a failure after delivery).
     */
    public MessageProgress apply(
            MessageStatus reported, Instant at, String reportedErrorCode, String reportedErrorMessage) {
        MessageStatus next = status.advance(reported);
        Instant sent = sentAt;
        Instant delivered = deliveredAt;
        Instant read = readAt;
        String code = errorCode;
        String text = errorMessage;
        // a report that does not move the status still tells when that step happened (a late "sent")
        switch (reported) {
            case SENT -> sent = sent == null ? at : sent;
            case DELIVERED -> delivered = delivered == null ? at : delivered;
            case READ -> read = read == null ? at : read;
            case FAILED -> {
                if (next == MessageStatus.FAILED && status != MessageStatus.FAILED) {
                    code = reportedErrorCode;
                    text = reportedErrorMessage;
                }
            }
            default -> {}
        }
        return new MessageProgress(next, sent, delivered, read, code, text);
    }
}
