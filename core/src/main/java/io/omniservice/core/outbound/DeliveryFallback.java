package io.omniservice.core.outbound;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import io.omniservice.core.model.CarrierType;
import java.util.List;
import java.util.Locale;

/**
 * A request's {@code options.fallback}: when neither {@code delivered} nor {@code read} is reported within
 * {@code afterSeconds} of the carrier taking the message, send it again over the next carrier in selection
 * order ({@link OnTimeout#SEND}), or only announce it ({@link OnTimeout#NOTIFY}).
 *
 * @param carriers the carriers a fallback may use; empty: any that can carry the message
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record DeliveryFallback(int afterSeconds, List<CarrierType> carriers, OnTimeout onTimeout) {
    /** Below this a receipt hardly has time to come back from a handset. */
    public static final int MIN_AFTER_SECONDS = 5;
    /** Past a day a second message is no longer a fallback but news. */
    public static final int MAX_AFTER_SECONDS = 86_400;

    public DeliveryFallback {
        if (afterSeconds < MIN_AFTER_SECONDS || afterSeconds > MAX_AFTER_SECONDS) {
            throw new IllegalArgumentException(
                    "afterSeconds must be from " + MIN_AFTER_SECONDS + " to " + MAX_AFTER_SECONDS);
        }
        carriers = carriers == null ? List.of() : List.copyOf(carriers);
        onTimeout = onTimeout == null ? OnTimeout.SEND : onTimeout;
    }

    /** What the deadline does when no receipt came. */
    public enum OnTimeout {
        /** Sends the message again over the next carrier. */
        SEND,
        /** Publishes {@code message.delivery_timeout} and sends nothing. */
        NOTIFY;

        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static OnTimeout fromWireName(String name) {
            for (OnTimeout o : values()) {
                if (o.wireName().equals(name)) {
                    return o;
                }
            }
            throw new IllegalArgumentException("unknown onTimeout: " + name);
        }
    }
}
