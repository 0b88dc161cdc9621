package io.omniservice.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Where a message is on its way: queued &lt; sent &lt; delivered &lt; read, or failed.
 *
 * <p>Carriers retry and reorder callbacks, so a status only ever moves forward: a late {@code sent} never
 * moves a delivered message back. {@code failed} is terminal for everything but a later {@code delivered}
 * or {@code read} from the carrier, which is evidence the message arrived after all (carriers do send that).
 * A {@code failed} after {@code delivered} is kept in the history but does not change the status.
 * {@code received} is the status of an inbound message: it reached us, ranked as delivered, and only
 * {@code read} follows it.
 */
public enum MessageStatus {
    QUEUED(0),
    SENT(1),
    DELIVERED(2),
    READ(3),
    RECEIVED(2),
    FAILED(-1);

    private final int rank;

    MessageStatus(int rank) {
        this.rank = rank;
    }

    /** Whether a message now in {@code this} status moves to {@code next} when the carrier reports it. */
    public boolean canAdvanceTo(MessageStatus next) {
        if (next == this) {
            return false;
        }
        if (this == FAILED) {
            return next == DELIVERED || next == READ;
        }
        if (next == FAILED) {
            return rank < DELIVERED.rank;
        }
        return next.rank > rank;
    }

    /** The status after applying {@code next}: {@code next} if it advances, otherwise this one. */
    public MessageStatus advance(MessageStatus next) {
        return canAdvanceTo(next) ? next : this;
    }

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static MessageStatus fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
