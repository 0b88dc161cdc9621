package io.omniservice.aws.dynamo;

import io.omniservice.core.store.StorageException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/** What a failed DynamoDB write says to do next. A transaction is all or nothing: nothing of it was written. */
final class DynamoFailures {
    private static final Set<String> BACK_OFF_CODES = Set.of(
            "ProvisionedThroughputExceededException",
            "ThrottlingException",
            "RequestLimitExceeded",
            "InternalServerError",
            "ServiceUnavailable",
            "TransactionInProgressException",
            "TransactionConflictException");

    private DynamoFailures() {}

    enum Verdict {
        /** A condition failed: what was read changed; read again and plan again. */
        READ_AGAIN,
        /** Another transaction held an item, or DynamoDB throttled: wait, then read and plan again. */
        BACK_OFF,
        /** Writing it again cannot help. */
        FAIL
    }

    static Verdict verdict(SdkException failure) {
        if (failure instanceof TransactionCanceledException cancelled && cancelled.hasCancellationReasons()) {
            Verdict verdict = Verdict.READ_AGAIN;
            for (CancellationReason reason : cancelled.cancellationReasons()) {
                String code = reason.code();
                if (code == null || "None".equals(code) || "ConditionalCheckFailed".equals(code)) {
                    continue;
                }
                if (Set.of("TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded")
                        .contains(code)) {
                    verdict = Verdict.BACK_OFF;
                } else {
                    return Verdict.FAIL;
                }
            }
            return verdict;
        }
        if (!(failure instanceof DynamoDbException dynamo) || dynamo.awsErrorDetails() == null) {
            return Verdict.FAIL;
        }
        String code = dynamo.awsErrorDetails().errorCode();
        if (code != null && BACK_OFF_CODES.contains(code)) {
            return Verdict.BACK_OFF;
        }
        if ("ConditionalCheckFailedException".equals(code) || "TransactionCanceledException".equals(code)) {
            return Verdict.READ_AGAIN;
        }
        // the http4k fake answers a cancelled transaction with a plain 400 and no reasons: reading again tells a
        // failed condition from a request that can never succeed (that one fails until the rounds run out)
        return dynamo.statusCode() == 400 && !"ValidationException".equals(code) ? Verdict.READ_AGAIN : Verdict.FAIL;
    }

    /** A pause before round {@code round}: exponential from 10 ms, capped at a second, with full jitter. */
    static void pause(int round) {
        long ceiling = Math.min(1_000L, 10L << Math.min(round, 16));
        try {
            Thread.sleep(Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling + 1)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while waiting to write again", e);
        }
    }

    /** The exception a caller gets: what failed and DynamoDB's error code, never its message (it quotes items). */
    static StorageException failure(String what, SdkException failure) {
        StringBuilder description =
                new StringBuilder(what).append(": ").append(failure.getClass().getSimpleName());
        if (failure instanceof DynamoDbException dynamo && dynamo.awsErrorDetails() != null) {
            description
                    .append(" ")
                    .append(dynamo.awsErrorDetails().errorCode())
                    .append(" HTTP ")
                    .append(dynamo.statusCode());
        }
        StorageException redacted = new StorageException(description.toString(), null);
        redacted.setStackTrace(failure.getStackTrace());
        return redacted;
    }
}
