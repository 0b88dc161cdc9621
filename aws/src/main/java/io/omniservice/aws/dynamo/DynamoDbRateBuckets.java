package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.Items.n;
import static io.omniservice.aws.dynamo.Items.s;

import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ClientSideConfig;
import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.AbstractCompareAndSwapBasedProxyManager;
import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.AsyncCompareAndSwapOperation;
import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.CompareAndSwapOperation;
import io.github.bucket4j.distributed.remote.RemoteBucketState;
import io.omniservice.aws.dynamo.Tables.Keys;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * API clients' rate buckets shared by every node of the AWS mode, as {@code rate#<client>} items of the keys table:
 * Bucket4j reads a bucket's state, takes its tokens locally and writes the new state only if the item still holds
 * what it read (a conditional put), trying again when another node wrote first. So a client has one budget however
 * many nodes or Lambda instances serve it. An item carries {@code expiresAt} for TTL, a while after its bucket
 * would be full again: DynamoDB deletes it then, and a bucket read as missing starts full, which it would be.
 */
public final class DynamoDbRateBuckets extends AbstractCompareAndSwapBasedProxyManager<String> {
    private final DynamoDbClient client;
    private final Tables tables;
    private final Clock clock;
    private final ExpirationAfterWriteStrategy expiry;

    /** @param keepWhenFull how long an item stays after its bucket would be full again */
    public DynamoDbRateBuckets(DynamoDbClient client, Tables tables, Clock clock, Duration keepWhenFull) {
        this(client, tables, clock, ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(keepWhenFull));
    }

    private DynamoDbRateBuckets(
            DynamoDbClient client, Tables tables, Clock clock, ExpirationAfterWriteStrategy expiry) {
        super(ClientSideConfig.getDefault().withExpirationAfterWriteStrategy(expiry));
        this.client = client;
        this.tables = tables;
        this.clock = clock;
        this.expiry = expiry;
    }

    @Override
    protected CompareAndSwapOperation beginCompareAndSwapOperation(String bucket) {
        Map<String, AttributeValue> key = Map.of(Keys.KEY, s(Keys.rateBucket(bucket)));
        return new CompareAndSwapOperation() {
            @Override
            public Optional<byte[]> getStateData(Optional<Long> timeoutNanos) {
                try {
                    Map<String, AttributeValue> item = client.getItem(
                                    r -> r.tableName(keys()).key(key).consistentRead(true))
                            .item();
                    AttributeValue state = item == null ? null : item.get(Keys.STATE);
                    return state == null
                            ? Optional.empty()
                            : Optional.of(state.b().asByteArray());
                } catch (SdkException e) {
                    throw Transactions.failure("a rate bucket could not be read", e);
                }
            }

            @Override
            public boolean compareAndSwap(
                    byte[] originalData, byte[] newData, RemoteBucketState newState, Optional<Long> timeoutNanos) {
                long ttlMillis = expiry.calculateTimeToLiveMillis(newState, currentTimeNanos());
                long expiresAt =
                        clock.instant().plusMillis(Math.max(0, ttlMillis)).getEpochSecond() + 1;
                try {
                    client.putItem(r -> {
                        r.tableName(keys())
                                .item(Map.of(
                                        Keys.KEY, key.get(Keys.KEY),
                                        Keys.STATE, AttributeValue.fromB(SdkBytes.fromByteArray(newData)),
                                        Keys.EXPIRES_AT, n(expiresAt)));
                        if (originalData == null) {
                            r.conditionExpression("attribute_not_exists(#key)")
                                    .expressionAttributeNames(Map.of("#key", Keys.KEY));
                        } else {
                            r.conditionExpression("#state = :read")
                                    .expressionAttributeNames(Map.of("#state", Keys.STATE))
                                    .expressionAttributeValues(Map.of(
                                            ":read", AttributeValue.fromB(SdkBytes.fromByteArray(originalData))));
                        }
                    });
                    return true;
                } catch (ConditionalCheckFailedException e) {
                    return false; // another node wrote first: Bucket4j reads again and retries
                } catch (SdkException e) {
                    throw Transactions.failure("a rate bucket could not be written", e);
                }
            }
        };
    }

    @Override
    protected AsyncCompareAndSwapOperation beginAsyncCompareAndSwapOperation(String bucket) {
        throw new UnsupportedOperationException("the DynamoDB rate buckets are used synchronously");
    }

    @Override
    public void removeProxy(String bucket) {
        try {
            client.deleteItem(r -> r.tableName(keys()).key(Map.of(Keys.KEY, s(Keys.rateBucket(bucket)))));
        } catch (SdkException e) {
            throw Transactions.failure("a rate bucket could not be removed", e);
        }
    }

    @Override
    protected CompletableFuture<Void> removeAsync(String bucket) {
        return CompletableFuture.runAsync(() -> removeProxy(bucket));
    }

    @Override
    public boolean isAsyncModeSupported() {
        return false;
    }

    @Override
    public boolean isExpireAfterWriteSupported() {
        return true;
    }

    private String keys() {
        return tables.name(Tables.KEYS);
    }
}
