package io.omniservice.aws.dynamo;

import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Writes one planned transaction, planning it again from fresh reads when DynamoDB cancels it (a condition on
 * what was read failed, another transaction held an item). Each attempt carries its own client request token,
 * so the SDK's own retry of an attempt that did commit is answered as a success instead of writing twice.
 */
final class Transact {
    private static final Logger LOG = LoggerFactory.getLogger(Transact.class);

    /**
     * Enough for the one item every publisher advances (the published log's head) under contention from a
     * handful of nodes: the pauses grow to a second each.
     */
    static final int MAX_ATTEMPTS = 40;

    private Transact() {}

    /** What one attempt writes and what the caller gets once it is written. */
    record Planned<T>(Writes writes, T result) {}

    /**
     * Plans and writes until one attempt commits, and returns its result.
     *
     * @param what what is written, for the error (never the data)
     * @param planner reads what it needs and plans the writes; it may throw to give up (the thing to change
     *     is gone), which ends the loop with that exception
     * @throws io.omniservice.core.store.StorageException when DynamoDB refuses for good, or the attempts run
     *     out; nothing of the transaction was written then
     */
    static <T> T write(DynamoDbClient client, String what, Supplier<Planned<T>> planner) {
        for (int attempt = 1; ; attempt++) {
            Planned<T> planned = planner.get();
            Writes writes = planned.writes();
            if (writes.isEmpty()) {
                return planned.result();
            }
            if (!writes.fitOneTransaction()) {
                throw new io.omniservice.core.store.StorageException(
                        what + " needs " + writes.count() + " writes of about " + writes.bytes()
                                + " bytes, more than one DynamoDB transaction holds (" + Writes.MAX_ACTIONS
                                + " writes, 4 MB); nothing was written",
                        null);
            }
            String token = UUID.randomUUID().toString();
            try {
                client.transactWriteItems(r -> r.clientRequestToken(token).transactItems(writes.actions()));
                return planned.result();
            } catch (SdkException e) {
                Transactions.Verdict verdict = Transactions.verdict(e);
                if (verdict == Transactions.Verdict.FAIL || attempt >= MAX_ATTEMPTS) {
                    throw Transactions.failure(what + " was not written (attempt " + attempt + ")", e);
                }
                LOG.debug("{}: attempt {} ends {}, planning again", what, attempt, verdict);
                if (verdict == Transactions.Verdict.BACK_OFF || attempt > 1) {
                    Transactions.pause(attempt);
                }
            }
        }
    }
}
