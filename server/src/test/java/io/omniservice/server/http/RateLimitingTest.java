package io.omniservice.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.proxy.ClientSideConfig;
import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.AbstractCompareAndSwapBasedProxyManager;
import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.AsyncCompareAndSwapOperation;
import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.CompareAndSwapOperation;
import io.github.bucket4j.distributed.remote.RemoteBucketState;
import io.omniservice.server.config.GatewayConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The shared buckets' round trips: a node's concurrent requests for one client go to the shared store together,
 * and each still gets its own exact answer.
 */
class RateLimitingTest {
    private static final String CLIENT = "client-a";

    /**
     * The first request's read is held at the store while 31 more arrive: they reach the store together, in one
     * read and one write, instead of one each (which would also make them retry against each other's writes).
     */
    @Test
    void concurrentRequestsOfOneClientShareARoundTripToTheSharedBucket() throws Exception {
        HeldStore store = new HeldStore();
        RateLimiting limiting = new RateLimiting(new GatewayConfig.RateLimit(1, 100), Map.of(), Optional.of(store));
        int requests = 32;
        // one request first, alone: the bucket exists and every class on the way is loaded (a thread waiting for
        // a class to be initialised would look parked below)
        long began = System.nanoTime();
        assertThat(limiting.take(CLIENT).isConsumed()).isTrue();
        store.reads.set(0);
        store.holding = true;
        List<ConsumptionProbe> answers = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread first = Thread.ofPlatform().start(() -> answers.add(limiting.take(CLIENT)));
        assertThat(store.firstReadHeld.await(10, TimeUnit.SECONDS)).isTrue();
        List<Thread> others = new ArrayList<>();
        for (int i = 1; i < requests; i++) {
            others.add(Thread.ofPlatform().start(() -> answers.add(limiting.take(CLIENT))));
        }
        // each of the others is either parked behind the held read (batched) or went to the store alone and is done
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!others.stream()
                        .allMatch(t -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TERMINATED)
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        store.release.countDown();
        first.join(10_000);
        for (Thread other : others) {
            other.join(10_000);
        }
        assertThat(answers).hasSize(requests).allSatisfy(probe -> assertThat(probe.isConsumed())
                .isTrue());
        assertThat(store.reads.get())
                .as("reads of the shared bucket for %d requests", requests)
                .isLessThanOrEqualTo(4);
        assertThat(store.builder()
                        .build(CLIENT, () -> RateLimitingTest.configuration(100))
                        .getAvailableTokens())
                .as("tokens left of 100 after the first request and %d more (one a second comes back)", requests)
                .isBetween(
                        100L - requests - 1,
                        100L - requests - 1 + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began) + 1);
    }

    /** Batched or not, a budget of 5 admits 5 of 40 concurrent requests, and the rest are told when to retry. */
    @Test
    void concurrentRequestsStillGetExactlyTheBudget() throws Exception {
        HeldStore store = new HeldStore();
        store.release.countDown();
        RateLimiting limiting = new RateLimiting(new GatewayConfig.RateLimit(1, 5), Map.of(), Optional.of(store));
        List<Future<ConsumptionProbe>> answers = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 40; i++) {
                answers.add(threads.submit(() -> limiting.take(CLIENT)));
            }
        }
        int admitted = 0;
        for (Future<ConsumptionProbe> answer : answers) {
            ConsumptionProbe probe = answer.get();
            if (probe.isConsumed()) {
                admitted++;
            } else {
                assertThat(probe.getNanosToWaitForRefill()).isPositive();
            }
        }
        assertThat(admitted).isEqualTo(5);
    }

    private static io.github.bucket4j.BucketConfiguration configuration(long burst) {
        return io.github.bucket4j.BucketConfiguration.builder()
                .addLimit(io.github.bucket4j.Bandwidth.builder()
                        .capacity(burst)
                        .refillGreedy(1, java.time.Duration.ofSeconds(1))
                        .build())
                .build();
    }

    /**
     * A shared store in memory, as DynamoDB's buckets work (read, then write only if unchanged): it counts reads,
     * and holds the first one after {@code holding} is set until released.
     */
    private static final class HeldStore extends AbstractCompareAndSwapBasedProxyManager<String> {
        final Map<String, byte[]> states = new ConcurrentHashMap<>();
        final AtomicInteger reads = new AtomicInteger();
        final CountDownLatch firstReadHeld = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        /** Whether the first read counted from now is held. */
        volatile boolean holding;

        HeldStore() {
            super(ClientSideConfig.getDefault());
        }

        @Override
        protected CompareAndSwapOperation beginCompareAndSwapOperation(String key) {
            return new CompareAndSwapOperation() {
                @Override
                public Optional<byte[]> getStateData(Optional<Long> timeoutNanos) {
                    if (reads.incrementAndGet() == 1 && holding) {
                        firstReadHeld.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return Optional.ofNullable(states.get(key));
                }

                @Override
                public boolean compareAndSwap(
                        byte[] originalData, byte[] newData, RemoteBucketState newState, Optional<Long> timeoutNanos) {
                    synchronized (states) {
                        byte[] now = states.get(key);
                        if (!(originalData == null ? now == null : Arrays.equals(now, originalData))) {
                            return false;
                        }
                        states.put(key, newData);
                        return true;
                    }
                }
            };
        }

        @Override
        protected AsyncCompareAndSwapOperation beginAsyncCompareAndSwapOperation(String key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void removeProxy(String key) {
            states.remove(key);
        }

        @Override
        protected CompletableFuture<Void> removeAsync(String key) {
            removeProxy(key);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public boolean isAsyncModeSupported() {
            return false;
        }
    }
}
