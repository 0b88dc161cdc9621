package io.omniservice.store.jdbc;

import io.omniservice.core.model.MessageStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * A stored message's status, status times and last error while carrier reports are applied to it. The
 * status only moves as {@link MessageStatus#advance} allows; a time is kept once known.
 */
final class MessageProgress {
    MessageStatus status;
    Instant sentAt;
    Instant deliveredAt;
    Instant readAt;
    String errorCode;
    String errorMessage;

    MessageProgress(
            MessageStatus status,
            Instant sentAt,
            Instant deliveredAt,
            Instant readAt,
            String errorCode,
            String errorMessage) {
        this.status = status;
        this.sentAt = sentAt;
        this.deliveredAt = deliveredAt;
        this.readAt = readAt;
        this.errorCode = errorCode;
        this.errorMessage = errorMessage;
    }

    /** Applies one carrier report; returns whether anything stored about the message changed. */
    boolean apply(MessageStatus reported, Instant at, String reportedErrorCode, String reportedErrorMessage) {
        MessageStatus before = status;
        Instant sent = sentAt;
        Instant delivered = deliveredAt;
        Instant read = readAt;
        String code = errorCode;
        String text = errorMessage;
        status = status.advance(reported);
        // a report that does not move the status still tells when that step happened (a late "sent")
        switch (reported) {
            case SENT -> sentAt = sentAt == null ? at : sentAt;
            case DELIVERED -> deliveredAt = deliveredAt == null ? at : deliveredAt;
            case READ -> readAt = readAt == null ? at : readAt;
            case FAILED -> {
                if (status == MessageStatus.FAILED && before != MessageStatus.FAILED) {
                    errorCode = reportedErrorCode;
                    errorMessage = reportedErrorMessage;
                }
            }
            default -> {}
        }
        return before != status
                || !Objects.equals(sent, sentAt)
                || !Objects.equals(delivered, deliveredAt)
                || !Objects.equals(read, readAt)
                || !Objects.equals(code, errorCode)
                || !Objects.equals(text, errorMessage);
    }
}
