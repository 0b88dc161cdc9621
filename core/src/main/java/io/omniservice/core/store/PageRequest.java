package io.omniservice.core.store;

import io.omniservice.core.access.Audience;
import java.util.Objects;

/**
 * A page to read: at most {@code limit} items (1..500) after the opaque {@code cursor} (null: first page),
 * of the rows {@code audience} sees.
 */
public record PageRequest(int limit, String cursor, Audience audience) {
    public static final int MAX_LIMIT = 500;

    public PageRequest {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
        }
        Objects.requireNonNull(audience, "audience");
    }

    /** A page of every row: the gateway's own reads. */
    public PageRequest(int limit, String cursor) {
        this(limit, cursor, Audience.EVERYONE);
    }
}
