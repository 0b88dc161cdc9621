package io.omniservice.core.outbound;

import io.omniservice.core.net.AddressRefused;
import io.omniservice.core.store.MessageStore;
import io.omniservice.core.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs the queued deliveries, signed ({@link EventSignature}): a message's status changes to its
 * {@code callbackUrl} in order, retried with doubling waits up to the last attempt; events to
 * subscriptions and rule forwards in order per subscription and conversation, retried for a day (by
 * default). Then a dead letter. A 2xx is delivered; anything else (a redirect too: it is not followed), no
 * answer, or an address the {@link DeliveryClient}'s guard refuses at connect time, is tried again. At most
 * {@code outbound.callbacks.concurrency} deliveries run at once, so one event fanned out to many
 * subscriptions becomes a queue, not a burst.
 */
public final class CallbackDispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CallbackDispatcher.class);

    private final OutboundStore store;
    /** Names this node's delivery leases, so a restart takes them back at once. */
    private final String nodeId;

    private final OutboundSettings.Callbacks settings;
    private final Duration pollInterval;
    private final Clock clock;
    private final DeliveryClient http;
    private final io.omniservice.core.access.SigningSecrets signing;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    /** Deliveries running at once: each is a virtual thread waiting on a receiver. */
    private final java.util.concurrent.Semaphore slots;

    /** Released when new deliveries are committed, so they go out without waiting for the next poll. */
    private final java.util.concurrent.Semaphore wakeUp = new java.util.concurrent.Semaphore(0);

    private volatile boolean running;
    private Thread loop;
    private final Tracing tracing;
    /** Where a delivery's message keeps its trace; null without tracing. */
    private final MessageStore messages;

    /**
     * @param signing the secrets of the clients whose callbacks and forwards are signed
     * @param http the guarded client every delivery goes through; closed with this dispatcher
     */
    public CallbackDispatcher(
            OutboundStore store,
            OutboundSettings settings,
            io.omniservice.core.access.SigningSecrets signing,
            DeliveryClient http,
            Clock clock,
            String nodeId) {
        this(store, settings, signing, http, clock, nodeId, Tracing.OFF, null);
    }

    /**
     * With {@code tracing}: each delivery is a client span in its message's trace (read from {@code messages})
     * and sends that span's {@code traceparent} to the receiver.
     */
    public CallbackDispatcher(
            OutboundStore store,
            OutboundSettings settings,
            io.omniservice.core.access.SigningSecrets signing,
            DeliveryClient http,
            Clock clock,
            String nodeId,
            Tracing tracing,
            MessageStore messages) {
        this.tracing = tracing;
        this.messages = messages;
        this.nodeId = nodeId;
        this.signing = signing;
        this.store = store;
        this.settings = settings.callbacks();
        this.pollInterval = settings.pollInterval();
        this.clock = clock;
        this.http = http;
        this.slots = new java.util.concurrent.Semaphore(this.settings.concurrency());
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

    /**
     * Deliveries handed over right after their commit, already leased to this node for twice the timeout.
     * They queue for a slot; one that waited longer than the timeout is left alone, since its lease might
     * run out mid-delivery and another round claim it again: the lease ends and the poll takes it then.
     */
    void deliverAll(List<CallbackDelivery> deliveries) {
        long handedOver = System.nanoTime();
        long maxWait = settings.timeout().toNanos();
        for (CallbackDelivery delivery : deliveries) {
            workers.execute(() -> {
                try {
                    if (!slots.tryAcquire(maxWait - (System.nanoTime() - handedOver), TimeUnit.NANOSECONDS)) {
                        return;
                    }
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

    /**
     * One round on the caller's thread, for a caller that has no loop (a scheduled Lambda function): leases up to
     * {@code max} due deliveries, posts them concurrently and returns once each is delivered or failed; returns
     * how many were leased.
     */
    public int deliverDue(int max) throws InterruptedException {
        List<CallbackDelivery> due =
                store.claimCallbacks(nodeId, clock.instant(), settings.timeout().multipliedBy(2), max);
        List<java.util.concurrent.Future<?>> running = new java.util.ArrayList<>();
        for (CallbackDelivery delivery : due) {
            slots.acquire();
            running.add(workers.submit(() -> {
                try {
                    deliver(delivery);
                } finally {
                    slots.release();
                }
            }));
        }
        for (java.util.concurrent.Future<?> delivery : running) {
            try {
                delivery.get();
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.warn("delivery failed: {}", e.getCause().toString());
            }
        }
        return due.size();
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

    /** Delivers one, as a client span of its message's trace (a conversation's event starts its own). */
    void deliver(CallbackDelivery delivery) {
        String parent = messages == null ? null : tracing.traceParentOf(messages, delivery.messageId());
        Span span = tracing.span(delivery.kind() + " delivery", SpanKind.CLIENT, parent)
                .setAttribute("http.request.method", "POST")
                .setAttribute(Tracing.ATTEMPT, delivery.attempts() + 1L)
                .startSpan();
        if (delivery.messageId() != null) {
            span.setAttribute(Tracing.MESSAGE_ID, delivery.messageId());
        }
        try (Tracing.Active active = Tracing.activate(span, delivery.messageId())) {
            String failure = deliverNow(delivery);
            if (failure != null) {
                span.setStatus(StatusCode.ERROR, failure);
            }
        }
    }

    /** @return why the delivery failed, or null when it was delivered (or the thread was interrupted) */
    private String deliverNow(CallbackDelivery delivery) {
        byte[] body = delivery.payload().getBytes(StandardCharsets.UTF_8);
        long now = clock.instant().getEpochSecond();
        String error;
        // an event is signed with its subscription's secret; a callback or forward with its client's
        List<String> secrets = CallbackDelivery.EVENT.equals(delivery.kind())
                ? List.of(delivery.secret())
                : signing.of(delivery.client());
        if (secrets.isEmpty()) {
            String missing = "client " + delivery.client() + " has no signing secret";
            store.callbackFailed(delivery.id(), missing, retryAt(delivery, delivery.attempts() + 1));
            return missing;
        }
        try {
            Map<String, String> headers = new java.util.LinkedHashMap<>();
            headers.put("Content-Type", "application/json");
            headers.put("User-Agent", "Omniservice");
            headers.put(EventSignature.HEADER, EventSignature.header(secrets, now, body));
            Tracing.inject(headers::put);
            int status = http.post(URI.create(delivery.url()), headers, body, settings.timeout());
            Span.current().setAttribute("http.response.status_code", status);
            if (status / 100 == 2) {
                // the next delivery of the same order can be claimed once this one is forgotten
                store.callbackDelivered(delivery.id()).whenComplete((ok, failure) -> wake());
                return null;
            }
            error = "HTTP " + status + (status / 100 == 3 ? " (redirects are not followed)" : "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (AddressRefused e) {
            LOG.warn("delivery {} ({}) refused: {}", delivery.id(), delivery.kind(), e.getMessage());
            error = "refused: " + e.getMessage();
        } catch (Exception e) {
            error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        store.callbackFailed(delivery.id(), error, retryAt(delivery, delivery.attempts() + 1));
        return error;
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
        if (http != null) {
            http.close();
        }
    }
}
