package io.omniservice.aws.queue;

import io.omniservice.core.outbound.Priority;
import java.util.regex.Pattern;

/**
 * Where the send queue lives: {@code name} names the FIFO queues {@code <name>-high.fifo},
 * {@code <name>-normal.fifo}, {@code <name>-low.fifo} and their dead-letter queue {@code <name>-dead.fifo}.
 *
 * @param maxReceiveCount how often a send may be received without being finished before SQS moves it to the
 *     dead-letter queue (SQS allows 1 to 1,000). Every receive counts, including those after {@code later}
 *     and {@code release}, so it must exceed the rounds a send is expected to take.
 * @param create create missing queues (tests, a first start); false when the deployment made them, and a
 *     missing one is then a start-up error naming it
 */
public record SendQueueSettings(String name, int maxReceiveCount, boolean create) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
    /** SQS queue names are at most 80 characters, the longest suffix ours adds is {@code -normal.fifo}. */
    private static final int MAX_NAME_LENGTH = 80 - "-normal.fifo".length();

    public SendQueueSettings {
        if (name == null || !NAME.matcher(name).matches() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("send queue name must be 1 to " + MAX_NAME_LENGTH
                    + " letters, digits, '-' or '_', not " + (name == null ? "null" : "'" + name + "'"));
        }
        if (maxReceiveCount < 1 || maxReceiveCount > 1000) {
            throw new IllegalArgumentException(
                    "send queue maxReceiveCount must be between 1 and 1000, not " + maxReceiveCount);
        }
    }

    /** The FIFO queue sends of one priority wait in. */
    public String queueName(Priority lane) {
        return name + "-" + lane.wireName() + ".fifo";
    }

    public String deadLetterQueueName() {
        return name + "-dead.fifo";
    }
}
