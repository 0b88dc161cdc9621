package io.omniservice.core.outbound;

import java.time.Instant;

/**
 * How an accepted request reaches the sender without a trip through the store: the job is stored
 * already leased to this node, in the transaction that accepts it, and handed over once that commits.
 * A node that cannot take more sends reserves nothing, and the job waits for a lease like any other.
 */
public interface SendHandoff {
    /** The lease a job gets when this node can send it now; null when it cannot. */
    Lease reserve();

    /** The job is stored, leased to this node: send it. */
    void handOff(SendJob job);

    /** The reserved job was not stored (a reused idempotency key, a failed commit). */
    void cancel(Lease lease);

    /** Jobs were stored for the next lease to take (scheduled, or no room here): look for them. */
    void wake();

    record Lease(String owner, Instant until) {}
}
