package io.omniservice.core.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Whether a message came from a customer (inbound) or is sent to one (outbound). */
public enum Direction {
    INBOUND,
    OUTBOUND;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Direction fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
