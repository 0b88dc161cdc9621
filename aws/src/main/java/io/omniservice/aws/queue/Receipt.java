package io.omniservice.aws.queue;

import io.omniservice.core.outbound.Priority;
import java.util.Objects;

/**
 * Proof that this node holds one received send until its lease runs out: the lane it came from and SQS's
 * receipt handle for that one receive. Another receive of the same send gets a new receipt, and this one
 * stops working.
 */
public record Receipt(Priority lane, String handle) {
    public Receipt {
        Objects.requireNonNull(lane, "lane");
        if (handle == null || handle.isEmpty()) {
            throw new IllegalArgumentException("receipt handle is required");
        }
    }

    @Override
    public String toString() {
        // handles are long and opaque; a log line needs only where the send came from
        return "Receipt[" + lane.wireName() + "]";
    }
}
