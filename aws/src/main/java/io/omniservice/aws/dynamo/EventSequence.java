package io.omniservice.aws.dynamo;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code seq} of change events and deliveries: from the clock (epoch microseconds), times 1024, plus this
 * store instance's number (its low ten bits), and always above the partition's head, which the writing
 * transaction advances conditionally. So seqs grow in commit order within a partition whatever the nodes'
 * clocks say. A deployment's instances take their numbers from one counter ({@link #numbered}), so two of
 * them share a number only when more than 1,024 started since (the older one long gone in practice); a
 * store made without the counter draws its number at random.
 */
public final class EventSequence {
    /** The counter instances take their numbers from, in the settings table. */
    static final String NODE_COUNTER = "event-sequence-nodes";

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

    /** A sequence numbered from the deployment's counter: one atomic addition, at start. */
    public static EventSequence numbered(
            software.amazon.awssdk.services.dynamodb.DynamoDbClient client, Tables tables, Clock clock) {
        var drawn = client.updateItem(r -> r.tableName(tables.name(Tables.SETTINGS))
                .key(java.util.Map.of(
                        Tables.Settings.KIND, Items.s(Tables.Settings.COUNTER),
                        Tables.Settings.ID, Items.s(NODE_COUNTER)))
                .updateExpression("ADD #v :one")
                .expressionAttributeNames(java.util.Map.of("#v", Tables.Settings.VALUE))
                .expressionAttributeValues(java.util.Map.of(
                        ":one", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromN("1")))
                .returnValues(software.amazon.awssdk.services.dynamodb.model.ReturnValue.UPDATED_NEW));
        return new EventSequence(
                clock,
                Long.parseLong(drawn.attributes().get(Tables.Settings.VALUE).n()));
    }

    /** This instance's number, 0 to 1,023. */
    long node() {
        return node;
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
