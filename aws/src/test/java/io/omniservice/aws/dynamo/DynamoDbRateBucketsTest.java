package io.omniservice.aws.dynamo;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** API clients' rate buckets on the http4k fake: two nodes share one budget, and each item expires for TTL. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DynamoDbRateBucketsTest {
    /** Ten requests, and then one an hour: what a test takes does not come back while it runs. */
    private static final BucketConfiguration TEN_THEN_SLOW = BucketConfiguration.builder()
            .addLimit(Bandwidth.builder()
                    .capacity(10)
                    .refillGreedy(1, Duration.ofHours(1))
                    .build())
            .build();

    private FakeDynamo dynamo;
    private Tables tables;

    @BeforeAll
    void start() {
        dynamo = FakeDynamo.start();
        tables = new Tables(FakeDynamo.uniquePrefix("rates"), 1);
        tables.create(dynamo.client(), Tables.TimeToLive.SKIP);
    }

    @AfterAll
    void stop() {
        dynamo.close();
    }

    private DynamoDbRateBuckets node() {
        return new DynamoDbRateBuckets(dynamo.client(), tables, Clock.systemUTC(), Duration.ofMinutes(1));
    }

    private static Bucket bucket(DynamoDbRateBuckets node, String client) {
        return node.builder().build(client, () -> TEN_THEN_SLOW);
    }

    @Test
    void twoNodesTakeFromOneBudget() {
        String client = "client-" + UUID.randomUUID();
        Bucket onFirst = bucket(node(), client);
        Bucket onSecond = bucket(node(), client);

        for (int i = 0; i < 6; i++) {
            assertThat(onFirst.tryConsume(1))
                    .as("request %d on the first node", i)
                    .isTrue();
        }
        for (int i = 0; i < 4; i++) {
            assertThat(onSecond.tryConsume(1))
                    .as("request %d on the second node", i)
                    .isTrue();
        }
        assertThat(onSecond.tryConsume(1))
                .as("the eleventh request, on either node")
                .isFalse();
        assertThat(onFirst.tryConsume(1)).isFalse();
        assertThat(bucket(node(), "client-" + UUID.randomUUID()).tryConsume(1))
                .as("another client's budget")
                .isTrue();
    }

    @Test
    void concurrentRequestsOnSeveralNodesTakeEachTokenOnce() throws Exception {
        String client = "client-" + UUID.randomUUID();
        AtomicInteger admitted = new AtomicInteger();
        List<Thread> nodes = new ArrayList<>();
        for (int n = 0; n < 4; n++) {
            Bucket bucket = bucket(node(), client);
            nodes.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 8; i++) {
                    if (bucket.tryConsume(1)) {
                        admitted.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread node : nodes) {
            node.join();
        }
        assertThat(admitted.get())
                .as("requests admitted of 32 against a budget of 10")
                .isEqualTo(10);
    }

    @Test
    void aBucketsItemExpiresAWhileAfterItWouldBeFullAgainAndRemovingItStartsItFull() {
        String client = "client-" + UUID.randomUUID();
        DynamoDbRateBuckets node = node();
        Bucket bucket = bucket(node, client);
        assertThat(bucket.tryConsume(10)).isTrue();

        var item = dynamo.client()
                .getItem(r -> r.tableName(tables.name(Tables.KEYS))
                        .key(Map.of(Tables.Keys.KEY, Items.s(Tables.Keys.rateBucket(client))))
                        .consistentRead(true))
                .item();
        long expiresAt = Long.parseLong(item.get(Tables.Keys.EXPIRES_AT).n());
        // ten tokens at one an hour refill in ten hours; the item stays a minute more
        Instant full = Instant.now().plus(Duration.ofHours(10));
        assertThat(Instant.ofEpochSecond(expiresAt)).isBetween(full.plusSeconds(50), full.plus(Duration.ofMinutes(2)));

        node.removeProxy(client);
        assertThat(bucket(node(), client).tryConsume(10))
                .as("a missing bucket starts full")
                .isTrue();
    }
}
