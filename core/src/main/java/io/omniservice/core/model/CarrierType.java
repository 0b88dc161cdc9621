package io.omniservice.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The carriers Omniservice speaks to; {@link #wireName()} is the name used in URLs, config and JSON. */
public enum CarrierType {
    WHATSAPP,
    TWILIO,
    BANDWIDTH,
    LIVECHAT,
    MESSAGEBIRD,
    INTELIQUENT;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The channel a customer reaches us on through this carrier: {@code whatsapp}, {@code livechat} or
     * {@code sms}. Opt-outs and WhatsApp's 24-hour window are kept per channel: a STOP by SMS does not
     * silence WhatsApp.
     */
    public String channel() {
        return switch (this) {
            case WHATSAPP -> "whatsapp";
            case LIVECHAT -> "livechat";
            default -> "sms";
        };
    }

    /** The carrier with this wire name, if any (case-sensitive, as in URLs). */
    public static Optional<CarrierType> fromWireName(String name) {
        return Arrays.stream(values()).filter(c -> c.wireName().equals(name)).findFirst();
    }

    @JsonCreator
    static CarrierType parse(String name) {
        return fromWireName(name).orElseThrow(() -> new IllegalArgumentException("unknown carrier: " + name));
    }
}
