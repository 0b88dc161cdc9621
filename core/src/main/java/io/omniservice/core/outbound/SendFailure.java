package io.omniservice.core.outbound;

import java.time.Duration;
import java.util.Objects;

/**
 * Why a carrier did not take a message, classified for the pipeline. Each carrier maps its own error
 * codes; the {@link #code()} and {@link #getMessage()} are the carrier's, kept for the message's error.
 */
public final class SendFailure extends Exception {
    /** What the pipeline does next. */
    public enum Kind {
        /** Try the same carrier again after a backoff: 429, 5xx, timeouts, connection errors, carrier throttling. */
        RETRYABLE,
        /**
         * This carrier will not carry this message but another may: outside WhatsApp's 24-hour window, a
         * template the account lacks, a content type it refuses, our credentials refused. Not retried here;
         * the next eligible carrier is tried.
         */
        CARRIER_REJECTED,
        /**
         * No carrier will deliver it: an invalid or unreachable number, a recipient who unsubscribed.
         * Neither retried nor sent elsewhere; the message fails.
         */
        RECIPIENT_REJECTED
    }

    private final Kind kind;
    private final String code;
    private final int httpStatus;
    private final Duration retryAfter;

    public SendFailure(Kind kind, String code, String message, int httpStatus, Duration retryAfter) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.code = Objects.requireNonNull(code, "code");
        this.httpStatus = httpStatus;
        this.retryAfter = retryAfter;
    }

    public static SendFailure retryable(String code, String message, int httpStatus, Duration retryAfter) {
        return new SendFailure(Kind.RETRYABLE, code, message, httpStatus, retryAfter);
    }

    public static SendFailure carrierRejected(String code, String message, int httpStatus) {
        return new SendFailure(Kind.CARRIER_REJECTED, code, message, httpStatus, null);
    }

    public static SendFailure recipientRejected(String code, String message, int httpStatus) {
        return new SendFailure(Kind.RECIPIENT_REJECTED, code, message, httpStatus, null);
    }

    /**
     * The class every carrier gives an HTTP status it has no specific code for: 408, 429 and 5xx are worth
     * retrying, 401/403 mean this account cannot send, and any other 4xx is this request refused here.
     */
    public static SendFailure fromHttpStatus(int status, String code, String message, Duration retryAfter) {
        if (status == 408 || status == 429 || status >= 500) {
            return retryable(code, message, status, retryAfter);
        }
        return carrierRejected(code, message, status);
    }

    public Kind kind() {
        return kind;
    }

    /** The carrier's error code ({@code 21211}, {@code 131047}, ...) or ours ({@code timeout}, {@code connection}). */
    public String code() {
        return code;
    }

    /** The HTTP status of the carrier's answer; 0 when there was no answer. */
    public int httpStatus() {
        return httpStatus;
    }

    /** How long the carrier asked us to wait ({@code Retry-After}); null when it did not say. */
    public Duration retryAfter() {
        return retryAfter;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        // a refusal is an answer, not a bug: the trace would cost more than the send
        return this;
    }
}
