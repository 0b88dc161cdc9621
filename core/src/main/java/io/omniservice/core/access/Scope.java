package io.omniservice.core.access;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** What an API client may do; {@link #ADMIN} may do everything, over every client's resources. */
public enum Scope {
    /** {@code POST /v1/messages}, and reading the messages it sent. */
    MESSAGES_SEND("messages:send"),
    /** The shared inbox: inbound messages and conversations, and the client's own outbound messages. */
    MESSAGES_READ("messages:read"),
    /** Its own subscriptions and the event stream: shared events and those about its own messages. */
    EVENTS_READ("events:read"),
    /** Its own business rules (config rules are shown read-only). */
    RULES_WRITE("rules:write"),
    /** Carriers, routing rules, dead letters, and every client's messages, subscriptions and rules. */
    ADMIN("admin");

    private final String wireName;

    Scope(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<Scope> fromWireName(String name) {
        return Arrays.stream(values()).filter(s -> s.wireName.equals(name)).findFirst();
    }

    /** What a client gets when its key or token names no scopes: everything but {@link #ADMIN}. */
    public static Set<Scope> standard() {
        return EnumSet.complementOf(EnumSet.of(ADMIN));
    }
}
