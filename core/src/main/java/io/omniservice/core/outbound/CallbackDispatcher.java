package io.omniservice.core.outbound;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs the queued deliveries, signed ({@link EventSignature}): a message's status changes to its
 * {@code callbackUrl} in order, retried with doubling waits up to the last attempt; events to
 * subscriptions and rule forwards in order per subscription and conversation, retried for a day (by
 * default). Then a dead letter. A 2xx is delivered; anything else, or no answer, is tried again.
 */
public final class CallbackDispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CallbackDispatcher.class);

    private final OutboundStore store;
    /** Names this node's delivery leases, so a restart takes them back at once. */
    private final String nodeId;

    private final OutboundSettings.Callbacks settings;
    private final Duration pollInterval;
    private final Clock clock;
    private final HttpClient http;
    private final io.omniservice.core.access.SigningSecrets signing;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    /** Deliveries running at once: each is a virtual thread waiting on a receiver. */
    private final java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(128);

    /** Released when new deliveries are committed, so they go out without waiting for the next poll. */
    private final java.util.concurrent.Semaphore wakeUp = new java.util.concurrent.Semaphore(0);

    private volatile boolean running;
    private Thread loop;

    /** @param signing the secrets of the clients whose callbacks and forwards are signed */
    public CallbackDispatcher(
            OutboundStore store,
            OutboundSettings settings,
            io.omniservice.core.access.SigningSecrets signing,
            Clock clock,
            String nodeId) {
        this.nodeId = nodeId;
        this.signing = signing;
        this.store = store;
        this.settings = settings.callbacks();
        this.pollInterval = settings.pollInterval();
        this.clock = clock;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(this.settings.timeout())
                .build();
    }

    public void start() {
        int released = store.releaseCallbackLeasesOf(nodeId);
        if (released > 0) {
            LOG.info("{} deliveries leased before the restart are due again", released);
        }
        running = true;
        store.handOffDeliveries(nodeId, settings.timeout().multipliedBy(2), this::deliverAll);
        loop = Thread.ofPlatform().name("omniservice-callbacks").daemon(true).start(this::run);
    }

    private void run() {
        while (running) {
            try {
                // a delivery holds its lease (twice the timeout) while it runs, so a slow receiver delays
                // only its own message's callbacks, never the next round's
                int room = slots.availablePermits();
                List<CallbackDelivery> due = room == 0
                        ? List.of()
                        : store.claimCallbacks(
                                nodeId, clock.instant(), settings.timeout().multipliedBy(2), room);
                for (CallbackDelivery delivery : due) {
                    slots.acquire();
                    workers.execute(() -> {
                        try {
                            deliver(delivery);
                        } finally {
                            slots.release();
                        }
                    });
                }
                if (due.size() < room || room == 0) {
                    if (wakeUp.tryAcquire(pollInterval.toMillis(), TimeUnit.MILLISECONDS)) {
                        wakeUp.drainPermits();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                LOG.warn("callback delivery round failed: {}", e.toString());
                sleepQuietly();
            }
        }
    }

    /** Deliveries handed over right after their commit, already leased to this node. */
    void deliverAll(List<CallbackDelivery> deliveries) {
        for (CallbackDelivery delivery : deliveries) {
            workers.execute(() -> {
                try {
                    slots.acquire();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                try {
                    deliver(delivery);
                } finally {
                    slots.release();
                }
            });
        }
    }

    /** New deliveries were committed: look now rather than at the next poll. */
    public void wake() {
        if (wakeUp.availablePermits() == 0) {
            wakeUp.release();
        }
    }

    private void sleepQuietly() {
        try {
            if (wakeUp.tryAcquire(pollInterval.toMillis(), TimeUnit.MILLISECONDS)) {
                wakeUp.drainPermits();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void deliver(CallbackDelivery delivery) {
        byte[] body = delivery.payload().getBytes(StandardCharsets.UTF_8);
        long now = clock.instant().getEpochSecond();
        String error;
        // an event is signed with its subscription's secret; a callback or forward with its client's
        List<String> secrets = CallbackDelivery.EVENT.equals(delivery.kind())
                ? List.of(delivery.secret())
                : signing.of(delivery.client());
        if (secrets.isEmpty()) {
            store.callbackFailed(
                    delivery.id(),
                    "client " + delivery.client() + " has no signing secret",
                    retryAt(delivery, delivery.attempts() + 1));
            return;
        }
        try {
            HttpResponse<Void> response = http.send(
                    HttpRequest.newBuilder(URI.create(delivery.url()))
                            .timeout(settings.timeout())
                            .header("Content-Type", "application/json")
                            .header("User-Agent", "Omniservice")
                            .header(EventSignature.HEADER, EventSignature.header(secrets, now, body))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() / 100 == 2) {
                // the next delivery of the same order can be claimed once this one is forgotten
                store.callbackDelivered(delivery.id()).whenComplete((ok, failure) -> wake());
                return;
            }
            error = "HTTP " + response.statusCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        store.callbackFailed(delivery.id(), error, retryAt(delivery, delivery.attempts() + 1));
    }

    /** When to try again after {@code attempts} failures, or null when the delivery gives up. */
    Instant retryAt(CallbackDelivery delivery, int attempts) {
        Instant now = clock.instant();
        if (CallbackDelivery.CALLBACK.equals(delivery.kind())) {
            return attempts >= settings.maxAttempts()
                    ? null
                    : now.plus(backoff(settings.initialBackoff(), settings.maxBackoff(), attempts));
        }
        OutboundSettings.Events events = settings.events();
        Instant next = now.plus(backoff(events.initialBackoff(), events.maxBackoff(), attempts));
        return next.isAfter(delivery.createdAt().plus(events.retryFor())) ? null : next;
    }

    private static Duration backoff(Duration initial, Duration max, int attempts) {
        long millis = initial.toMillis() << Math.min(attempts - 1, 30);
        return Duration.ofMillis(Math.min(millis, max.toMillis()));
    }

    @Override
    public void close() {
        store.handOffDeliveries(nodeId, null, null);
        running = false;
        if (loop != null) {
            // woken, never interrupted: H2 closes its database file under a thread interrupted in I/O
            wakeUp.release();
            try {
                loop.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.shutdown();
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
