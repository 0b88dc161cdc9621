package io.omniservice.core.outbound;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.omniservice.core.model.CarrierType;
import java.time.Instant;

/**
 * One call to one carrier for one message, kept so a message shows every try.
 *
 * @param outcome {@code sent}, {@code retryable}, {@code carrier_rejected}, {@code recipient_rejected},
 *     or {@code breaker_open} (the call was not made)
 * @param to the address the call went to: the message's recipient, or another identity of its contact when
 *     selection went across channels; null for attempts recorded before addresses were
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SendAttempt(
        CarrierType carrier,
        String account,
        Instant at,
        long durationMs,
        String outcome,
        Integer httpStatus,
        String errorCode,
        String errorMessage,
        String to) {}
