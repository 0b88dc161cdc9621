package io.omniservice.aws.dynamo;

import io.omniservice.core.store.StorageException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * What to do when a write to DynamoDB did not happen. A transaction is all or nothing, so whatever the
 * answer, nothing of it was written; the question is only whether to read again and write again.
 */
final class Transactions {
    /** Error codes after which writing the same thing again cannot help. */
    private static final Set<String> FINAL_CODES = Set.of(
            "ValidationException",
            "ResourceNotFoundException",
            "AccessDeniedException",
            "UnrecognizedClientException",
            "IncompleteSignatureException",
            "MissingAuthenticationTokenException",
            "InvalidSignatureException",
            "IdempotentParameterMismatchException",
            "SerializationException",
            "ItemCollectionSizeLimitExceededException");

    /** Error codes of a request DynamoDB refused for now (throughput, capacity, its own trouble). */
    private static final Set<String> THROTTLING_CODES = Set.of(
            "ProvisionedThroughputExceededException",
            "ThrottlingException",
            "RequestLimitExceeded",
            "LimitExceededException",
            "InternalServerError",
            "ServiceUnavailable",
            "TransactionInProgressException");

    private static final Duration BASE = Duration.ofMillis(10);
    private static final Duration CAP = Duration.ofMillis(1_000);

    private Transactions() {}

    /** What a failure says to do. */
    enum Verdict {
        /**
         * A condition failed: what was read changed (a carrier's retry stored the message meanwhile, another
         * node counted a message into the conversation). Read again and plan again.
         */
        READ_AGAIN,
        /** Another transaction held an item, or DynamoDB throttled: wait a little, then read and plan again. */
        BACK_OFF,
        /** Writing it again cannot help (a bad request, a missing table, no permission). */
        FAIL
    }

    /** The verdict on a failed request. */
    static Verdict verdict(SdkException failure) {
        if (failure instanceof TransactionCanceledException cancelled && cancelled.hasCancellationReasons()) {
            return verdict(cancelled.cancellationReasons());
        }
        if (!(failure instanceof DynamoDbException dynamo) || dynamo.awsErrorDetails() == null) {
            // no answer at all (connection, timeout): the SDK retried already; a transaction's outcome may be
            // unknown, so the caller must not pretend it was written
            return Verdict.FAIL;
        }
        String code = dynamo.awsErrorDetails().errorCode();
        if (code != null && THROTTLING_CODES.contains(code)) {
            return Verdict.BACK_OFF;
        }
        if ("TransactionConflictException".equals(code)) {
            return Verdict.BACK_OFF;
        }
        if ("ConditionalCheckFailedException".equals(code) || "TransactionCanceledException".equals(code)) {
            return Verdict.READ_AGAIN;
        }
        if (code != null && FINAL_CODES.contains(code)) {
            return Verdict.FAIL;
        }
        // A 400 that is none of DynamoDB's documented codes: the http4k fake answers a cancelled transaction
        // so, without reasons. Reading again tells a failed condition (it plans something else) from a request
        // that can never succeed (it fails again, until the attempts run out).
        return dynamo.statusCode() == 400 ? Verdict.READ_AGAIN : Verdict.FAIL;
    }

    /**
     * The verdict on a transaction's cancellation reasons, one per action: a failed condition means read
     * again; a conflict or throttling, back off; any other reason, fail.
     */
    static Verdict verdict(List<CancellationReason> reasons) {
        Verdict verdict = Verdict.READ_AGAIN;
        boolean any = false;
        for (CancellationReason reason : reasons) {
            String code = reason.code();
            if (code == null || "None".equals(code)) {
                continue;
            }
            any = true;
            switch (code) {
                case "ConditionalCheckFailed" -> {}
                case "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded" ->
                    verdict = Verdict.BACK_OFF;
                default -> {
                    return Verdict.FAIL;
                }
            }
        }
        return any ? verdict : Verdict.BACK_OFF;
    }

    /** A pause before attempt {@code attempt} (2 and up): exponential, capped, with full jitter. */
    static Duration backoff(int attempt) {
        long ceiling = Math.min(CAP.toMillis(), BASE.toMillis() << Math.min(attempt, 16));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling + 1));
    }

    static void pause(int attempt) {
        try {
            Thread.sleep(backoff(attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while waiting to write again", e);
        }
    }

    /**
     * The exception a caller gets: what failed, by class and DynamoDB's error code, never the message text
     * (DynamoDB quotes items and expression values, which hold message bodies and phone numbers).
     */
    static StorageException failure(String what, Throwable failure) {
        StringBuilder description = new StringBuilder(what).append(": ");
        Throwable current = failure;
        for (int depth = 0; current != null && depth < 6; depth++) {
            if (depth > 0) {
                description.append(" <- ");
            }
            description.append(current.getClass().getName());
            if (current instanceof DynamoDbException dynamo && dynamo.awsErrorDetails() != null) {
                description
                        .append(" ")
                        .append(dynamo.awsErrorDetails().errorCode())
                        .append(" HTTP ")
                        .append(dynamo.statusCode());
                if (dynamo instanceof TransactionCanceledException cancelled && cancelled.hasCancellationReasons()) {
                    description
                            .append(" reasons ")
                            .append(cancelled.cancellationReasons().stream()
                                    .map(CancellationReason::code)
                                    .toList());
                }
            }
            current = current.getCause() == current ? null : current.getCause();
        }
        StorageException redacted = new StorageException(description.toString(), null);
        redacted.setStackTrace(failure.getStackTrace());
        return redacted;
    }
}
