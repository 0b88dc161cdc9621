package io.omniservice.core.store;

/** A page to read: at most {@code limit} items (1..500) after the opaque {@code cursor} (null: first page). */
public record PageRequest(int limit, String cursor) {
    public static final int MAX_LIMIT = 500;

    public PageRequest {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
        }
    }
}
