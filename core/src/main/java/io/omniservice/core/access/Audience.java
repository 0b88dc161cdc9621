package io.omniservice.core.access;

/**
 * Whose owned rows a read shows: shared rows (no owner) always, rows owned by {@code client}, or every
 * row when {@code everything} (an admin, or the gateway itself).
 */
public record Audience(String client, boolean everything) {
    public static final Audience EVERYONE = new Audience(null, true);

    public static Audience of(String client) {
        return new Audience(client, false);
    }

    /** Whether a row owned by {@code owner} (null: shared) is shown. */
    public boolean sees(String owner) {
        return everything || owner == null || owner.equals(client);
    }
}
