package io.omniservice.core.contact;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;

/**
 * One person known on several channels: the identities (addresses) that are theirs, in the order they were
 * linked. An identity belongs to at most one contact.
 */
public record Contact(String id, String displayName, List<Identity> identities, Instant createdAt) {
    public static final int MAX_DISPLAY_NAME = 255;
    /** Most identities one contact holds: one person's numbers and accounts, not a list of customers. */
    public static final int MAX_IDENTITIES = 20;

    public Contact {
        identities = List.copyOf(identities);
        if (new HashSet<>(identities).size() != identities.size()) {
            throw new IllegalArgumentException("a contact lists each identity once");
        }
    }

    public boolean holds(Identity identity) {
        return identities.contains(identity);
    }

    /** The same contact with one more identity (last); itself when it already holds it. */
    public Contact linking(Identity identity) {
        if (holds(identity)) {
            return this;
        }
        var more = new java.util.ArrayList<>(identities);
        more.add(identity);
        return new Contact(id, displayName, more, createdAt);
    }

    /** The same contact without {@code identity}. */
    public Contact unlinking(Identity identity) {
        return new Contact(
                id,
                displayName,
                identities.stream().filter(i -> !i.equals(identity)).toList(),
                createdAt);
    }
}
