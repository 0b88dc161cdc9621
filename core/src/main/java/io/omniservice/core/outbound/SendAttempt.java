package io.omniservice.core.outbound;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.omniservice.core.model.CarrierType;
import java.time.Instant;

/**
 * One call to one carrier for one message, kept so a message shows every try.
 *
 * @param outcome {@code sent}, {@code retryable}, {@code carrier_rejected}, {@code recipient_rejected},
 *     or {@code breaker_open} (the call was not made)
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
        String errorMessage) {}
