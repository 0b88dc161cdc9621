package io.omniservice.core.outbound;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The order sends are taken in across conversations: high before normal before low. */
public enum Priority {
    HIGH,
    NORMAL,
    LOW;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Priority fromWireName(String name) {
        for (Priority p : values()) {
            if (p.wireName().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown priority: " + name);
    }
}
