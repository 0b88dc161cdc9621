package io.omniservice.aws.dynamo;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code seq} of change events and deliveries: from the clock (epoch microseconds), times 1024, plus a
 * number this store instance drew at random (its low ten bits), and always above the partition's head, which
 * the writing transaction advances conditionally. So seqs grow in commit order within a partition whatever
 * the nodes' clocks say, and two nodes give the same seq only when they drew the same number and wrote in the
 * same microsecond.
 */
final class EventSequence {
    private static final int NODE_BITS = 10;
    private static final long NODE_MASK = (1L << NODE_BITS) - 1;

    private final Clock clock;
    private final long node;
    private final AtomicLong last = new AtomicLong();

    EventSequence(Clock clock) {
        this(clock, new SecureRandom().nextInt(1 << NODE_BITS));
    }

    EventSequence(Clock clock, long node) {
        this.clock = clock;
        this.node = node & NODE_MASK;
    }

    /** The next seq after {@code head}, the last one the partition holds (0: none). */
    long after(long head) {
        Instant now = clock.instant();
        long micros = Math.multiplyExact(now.getEpochSecond(), 1_000_000L) + now.getNano() / 1_000;
        while (true) {
            long previous = last.get();
            long tick = Math.max(micros, (Math.max(head, previous) >>> NODE_BITS) + 1);
            long seq = (tick << NODE_BITS) | node;
            // unique within this instance too, so concurrent commits here never share one
            if (last.compareAndSet(previous, seq)) {
                return seq;
            }
        }
    }
}
