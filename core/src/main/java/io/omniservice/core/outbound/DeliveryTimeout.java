package io.omniservice.core.outbound;

import io.omniservice.core.model.CarrierType;
import java.time.Instant;

/**
 * What a watched message's deadline found and did: no receipt from {@code carrier} within {@code afterSeconds},
 * so it was sent again as {@code fallbackMessageId} over {@code fallbackCarrier} ({@link Action#FALLBACK_SENT}),
 * only announced ({@link Action#NOTIFIED}), or announced because no other carrier could take it
 * ({@link Action#NO_FALLBACK_CARRIER}).
 */
public record DeliveryTimeout(
        CarrierType carrier,
        String account,
        int afterSeconds,
        Action action,
        String fallbackMessageId,
        CarrierType fallbackCarrier,
        Instant at) {

    public enum Action {
        FALLBACK_SENT,
        NOTIFIED,
        NO_FALLBACK_CARRIER;

        @com.fasterxml.jackson.annotation.JsonValue
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
