package io.omniservice.core.outbound;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.omniservice.core.media.MediaPipeline;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageIds;
import io.omniservice.core.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The send worker: leases due jobs, sends each on a virtual thread through its carriers in selection
 * order — each carrier behind its circuit breaker and a retry with exponential backoff and jitter — and
 * stores the outcome with every attempt. A job is deleted only in the transaction that stores its outcome,
 * so a node that dies mid-send leaves it for a lease to pick up again.
 */
public final class SendDispatcher implements SendHandoff, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SendDispatcher.class);
    private static final int CLAIM_BATCH = 256;

    private final OutboundStore store;
    private final MediaPipeline media;
    private final CarrierSelector selector;
    private final CarrierHealth health;
    private final OutboundSettings settings;
    private final Clock clock;
    private final String nodeId;
    private final Function<CarrierRoute, URI> statusCallbackUrl;
    private final Recipients recipients;
    private final Function<String, Optional<Message>> messages;
    private final SenderPacing pacing;
    private final SenderPools pools;
    private final ConcurrentHashMap<String, Retry> retries = new ConcurrentHashMap<>();
    private final Semaphore slots;
    private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean woken;
    private volatile boolean running;
    private volatile boolean backlog;
    /** Conversations with a job running here, and their jobs waiting behind it. */
    private final Map<String, ArrayDeque<SendJob>> conversations = new HashMap<>();

    private Thread loop;
    private final Tracing tracing;

    /**
     * @param media converts each attachment to the chosen carrier's limits and hands it over its way
     * @param messages reads a stored message, for the receipt deadline of {@code options.fallback}
     * @param pacing spaces each sender's sends to its carrier's rate
     * @param contacts the recipients' other identities, for sends that may go across channels
     * @param tracing each send is a span in its message's trace, each attempt one below it
     */
    public SendDispatcher(
            OutboundStore store,
            Function<String, Optional<Message>> messages,
            SenderPacing pacing,
            CarrierSelector selector,
            CarrierHealth health,
            OutboundSettings settings,
            Clock clock,
            String nodeId,
            Function<CarrierRoute, URI> statusCallbackUrl,
            MediaPipeline media,
            io.omniservice.core.contact.Contacts contacts,
            Tracing tracing) {
        this.tracing = tracing;
        this.media = media;
        this.store = store;
        this.messages = messages;
        this.pacing = pacing;
        this.pools = new SenderPools(pacing);
        this.selector = selector;
        this.health = health;
        this.settings = settings;
        this.clock = clock;
        this.nodeId = nodeId;
        this.statusCallbackUrl = statusCallbackUrl;
        this.recipients = new Recipients(store, contacts);
        this.slots = new Semaphore(settings.maxInFlight());
    }

    /** Takes back this node's leases from before a restart, then starts leasing and sending. */
    public void start() {
        int released = store.releaseLeasesOf(nodeId);
        if (released > 0) {
            LOG.info("{} send jobs leased before the restart are due again", released);
        }
        running = true;
        loop = Thread.ofPlatform()
                .name("omniservice-send-dispatcher")
                .daemon(true)
                .start(this::run);
    }

    /** Jobs wait in the store: look now rather than at the next poll. */
    @Override
    public void wake() {
        lock.lock();
        try {
            woken = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public SendHandoff.Lease reserve() {
        if (!running || !slots.tryAcquire()) {
            return null;
        }
        return new SendHandoff.Lease(nodeId, clock.instant().plus(settings.lease()));
    }

    @Override
    public void cancel(SendHandoff.Lease lease) {
        slots.release();
    }

    @Override
    public void handOff(SendJob job) {
        begin(job);
    }

    private void run() {
        while (running) {
            int claimed = 0;
            int wanted = Math.min(CLAIM_BATCH, slots.availablePermits());
            try {
                if (wanted > 0) {
                    List<SendJob> jobs = store.claimDue(nodeId, clock.instant(), settings.lease(), wanted);
                    claimed = jobs.size();
                    for (SendJob job : jobs) {
                        slots.acquireUninterruptibly();
                        begin(job);
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("cannot lease send jobs: {}", e.toString());
            }
            // more may be waiting in the store once sends finish and free their slots
            backlog = wanted == 0 || claimed == wanted;
            if (claimed < wanted || wanted == 0) {
                awaitWake();
            }
        }
    }

    /**
     * Starts a job that holds a slot, or queues it behind the job of its conversation already running
     * here: a conversation's messages go one at a time, in the order they were accepted.
     */
    private void begin(SendJob job) {
        synchronized (conversations) {
            ArrayDeque<SendJob> waiting = conversations.get(job.conversationId());
            if (waiting != null) {
                waiting.add(job);
                return;
            }
            conversations.put(job.conversationId(), new ArrayDeque<>());
        }
        senders.execute(() -> runJob(job));
    }

    private void runJob(SendJob job) {
        try {
            process(job);
        } catch (RuntimeException e) {
            // the lease runs out and the job is sent again; nothing is lost
            LOG.error("send job {} not finished: {}", job.messageId(), e.toString());
        } finally {
            slots.release();
            SendJob next;
            synchronized (conversations) {
                ArrayDeque<SendJob> waiting = conversations.get(job.conversationId());
                next = waiting.poll();
                if (next == null) {
                    conversations.remove(job.conversationId());
                }
            }
            if (next != null) {
                SendJob following = next;
                senders.execute(() -> runJob(following));
            }
            if (backlog) {
                wake();
            }
        }
    }

    private void awaitWake() {
        lock.lock();
        try {
            if (!woken) {
                wake.await(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
            }
            woken = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    /** The message expired before a carrier took it. */
    private static final class Expired extends RuntimeException {
        Expired() {
            super("expired", null, false, false);
        }
    }

    /**
     * Sends one job already leased by the caller through its carriers, on the caller's thread, and stores the
     * outcome: what the dispatcher's own loop does for each job it leases, for a caller that leases jobs its own
     * way (a Lambda function that SQS hands the sends to). Retries, breakers and fallback are the same.
     */
    public void sendNow(SendJob job) {
        process(job);
    }

    /** Sends one leased job through its carriers and stores the outcome, as a span of its message's trace. */
    void process(SendJob job) {
        Span span = tracing.span("send", SpanKind.INTERNAL, job.plan().traceParent())
                .setAttribute(Tracing.MESSAGE_ID, job.messageId())
                .setAttribute(Tracing.CONVERSATION_ID, job.conversationId())
                .setAttribute("omniservice.send.run", job.runs())
                .startSpan();
        try (Tracing.Active active = Tracing.activate(span, job.messageId())) {
            try {
                send(job);
            } catch (RuntimeException e) {
                active.failed(e);
                throw e;
            }
        }
    }

    /** Stores how the send ended, and tells the send's span. */
    private void finish(SendOutcome outcome) {
        Span span = Span.current();
        switch (outcome) {
            case SendOutcome.Sent sent ->
                span.setAttribute(Tracing.STATUS, "sent")
                        .setAttribute(Tracing.CARRIER, sent.carrier().wireName());
            case SendOutcome.Failed failed ->
                span.setAttribute(Tracing.STATUS, "failed").setStatus(StatusCode.ERROR, failed.errorCode());
            case SendOutcome.WatchEnded ended ->
                span.setAttribute(
                        Tracing.STATUS,
                        ended.timeout() == null
                                ? "delivered_in_time"
                                : ended.timeout().action().wireName());
        }
        store.finish(outcome);
    }

    private void send(SendJob job) {
        List<SendAttempt> attempts = new ArrayList<>();
        SendPlan plan = job.plan();
        if (plan.watch() != null) {
            deadline(job);
            return;
        }
        if (expired(job)) {
            finish(expiredOutcome(job, attempts));
            return;
        }
        // a job handed over at acceptance selects with what acceptance read a moment ago
        RecipientFacts facts = job.facts() != null ? job.facts() : recipients.facts(plan.to());
        Instant now = clock.instant();
        CarrierSelector.Selection selection =
                selector.select(plan, Recipients.recipient(facts, now), recipients.alternatives(plan, facts, now));
        if (selection.isEmpty()) {
            boolean optedOut = "recipient_opted_out".equals(selection.refusal());
            finish(new SendOutcome.Failed(
                    job.messageId(),
                    plan.selectedCarrier(),
                    selection.refusal(),
                    selection.detail(),
                    !optedOut,
                    plan,
                    attempts));
            return;
        }
        List<CarrierSelector.Candidate> candidates = ReceiptDeadline.untried(plan, selection.candidates());
        if (candidates.isEmpty()) {
            finish(new SendOutcome.Failed(
                    job.messageId(),
                    plan.selectedCarrier(),
                    "no_fallback_carrier",
                    "every carrier that can take the message was tried before without a delivery receipt",
                    false,
                    plan,
                    attempts));
            return;
        }
        String lastCode = null;
        String lastMessage = null;
        // addresses whose carrier refused the recipient: another identity of its contact may still take it
        Set<String> refused = new HashSet<>();
        // our side of the conversation, read once and only when a sender pool has to choose
        java.util.function.Supplier<List<NumberUse>> history = SenderPools.readOnce(
                () -> store.numbersUsed(Recipients.conversationOf(plan.to()), SenderPools.HISTORY));
        for (int i = 0; i < candidates.size(); i++) {
            CarrierSelector.Candidate candidate = candidates.get(i);
            if (refused.contains(candidate.to())) {
                continue;
            }
            CarrierRoute route = candidate.route();
            SenderPools.Taken taken = pools.take(route, candidate.to(), plan.from(), history);
            try {
                if (taken.reason() != null) {
                    Span.current()
                            .setAttribute(
                                    "omniservice.sender.choice", taken.reason().wireName());
                }
                OutboundSend send = new OutboundSend(
                        job.messageId(),
                        candidate.to(),
                        taken.from(),
                        withMediaFor(route, candidate.content()),
                        plan.templateLanguage(),
                        statusCallbackUrl.apply(route));
                SendResult result = sendWithRetries(job, route, send, attempts);
                finish(new SendOutcome.Sent(
                        job.messageId(),
                        job.conversationId(),
                        route.carrier(),
                        route.account(),
                        result,
                        attempts,
                        ReceiptDeadline.waiting(plan, route.carrier(), route.account(), clock.instant()),
                        taken.from()));
                return;
            } catch (Expired e) {
                finish(expiredOutcome(job, attempts));
                return;
            } catch (CallNotPermittedException e) {
                lastCode = "circuit_open";
                lastMessage = route.name() + " is not taking sends (circuit breaker open)";
            } catch (SendFailure f) {
                lastCode = f.code();
                lastMessage = route.name() + ": " + f.getMessage();
                if (f.kind() == SendFailure.Kind.RECIPIENT_REJECTED) {
                    refused.add(candidate.to());
                    boolean otherAddress = candidates.subList(i + 1, candidates.size()).stream()
                            .anyMatch(c -> !refused.contains(c.to()));
                    if (!otherAddress) {
                        finish(new SendOutcome.Failed(
                                job.messageId(), route.carrier(), f.code(), f.getMessage(), false, plan, attempts));
                        return;
                    }
                }
            } finally {
                pools.done(taken);
            }
        }
        finish(new SendOutcome.Failed(
                job.messageId(),
                candidates.getLast().route().carrier(),
                lastCode,
                "every carrier failed; last: " + lastMessage,
                true,
                plan,
                attempts));
    }

    /**
     * A watched job's deadline ({@link ReceiptDeadline}): nothing more when the receipt came, otherwise the
     * message is sent again as a new message over the next carrier, or the timeout only announced. The new
     * message is stored first under an idempotency key of the original, then the job ends: run twice (a crash
     * between the two, another node taking an expired lease), it still sends one fallback.
     */
    private void deadline(SendJob job) {
        SendPlan plan = job.plan();
        DeliveryWatch watch = plan.watch();
        Optional<Message> stored = messages.apply(job.messageId());
        if (stored.isEmpty()) {
            finish(new SendOutcome.WatchEnded(job.messageId(), job.conversationId(), null));
            return;
        }
        Message message = stored.get();
        Instant now = clock.instant();
        RecipientFacts facts = recipients.facts(plan.to());
        ReceiptDeadline.Verdict verdict = ReceiptDeadline.decide(
                plan,
                message.status(),
                selector.select(plan, Recipients.recipient(facts, now), recipients.alternatives(plan, facts, now)));
        int after = plan.deliveryFallback().afterSeconds();
        DeliveryTimeout timeout =
                switch (verdict) {
                    case ReceiptDeadline.Verdict.Delivered d -> null;
                    case ReceiptDeadline.Verdict.Notify n ->
                        new DeliveryTimeout(
                                watch.carrier(),
                                watch.account(),
                                after,
                                DeliveryTimeout.Action.NOTIFIED,
                                null,
                                null,
                                now);
                    case ReceiptDeadline.Verdict.NoCarrier n ->
                        new DeliveryTimeout(
                                watch.carrier(),
                                watch.account(),
                                after,
                                DeliveryTimeout.Action.NO_FALLBACK_CARRIER,
                                null,
                                null,
                                now);
                    case ReceiptDeadline.Verdict.Resend resend -> {
                        CarrierRoute next = resend.candidates().getFirst().route();
                        QueuedMessage fallback =
                                ReceiptDeadline.fallbackMessage(job, message, next, MessageIds.next(clock), now);
                        String fallbackId = ReceiptDeadline.acceptedId(store.accept(fallback), fallback);
                        yield new DeliveryTimeout(
                                watch.carrier(),
                                watch.account(),
                                after,
                                DeliveryTimeout.Action.FALLBACK_SENT,
                                fallbackId,
                                next.carrier(),
                                now);
                    }
                };
        finish(new SendOutcome.WatchEnded(job.messageId(), job.conversationId(), timeout));
        if (timeout != null && timeout.fallbackMessageId() != null) {
            wake();
        }
    }

    /**
     * The content with each stored attachment converted to the carrier's types and size and handed over
     * its way (our signed URL, or its own id after an upload). A file that cannot be made to fit fails
     * this carrier, and the next one is tried.
     */
    private MessageContent withMediaFor(CarrierRoute route, MessageContent content) throws SendFailure {
        if (!(content instanceof MessageContent.Media attachments) || media == MediaPipeline.NONE) {
            return content;
        }
        List<MediaItem> items = new ArrayList<>(attachments.items().size());
        for (MediaItem item : attachments.items()) {
            items.add(media.prepare(
                    item, route.adapter().capabilities(), route.adapter().mediaAccess()));
        }
        return new MessageContent.Media(attachments.body(), items);
    }

    private boolean expired(SendJob job) {
        return job.expireAt() != null && !clock.instant().isBefore(job.expireAt());
    }

    private SendOutcome.Failed expiredOutcome(SendJob job, List<SendAttempt> attempts) {
        return new SendOutcome.Failed(
                job.messageId(),
                job.plan().selectedCarrier(),
                "expired",
                "expireAt " + job.expireAt() + " passed before a carrier took the message",
                false,
                job.plan(),
                attempts);
    }

    private SendResult sendWithRetries(SendJob job, CarrierRoute route, OutboundSend send, List<SendAttempt> attempts)
            throws SendFailure {
        CircuitBreaker breaker = health.breaker(route);
        Retry retry = retries.computeIfAbsent(route.name(), name -> Retry.of(name, retryConfig()));
        SenderPacing.Sender sender = pacing.senderOf(route, send.from());
        try {
            return Retry.decorateCheckedSupplier(retry, () -> {
                        pacing.awaitTurn(sender, job.priority());
                        if (expired(job)) {
                            // the turn was taken and goes unused: it counts as a send answered now
                            pacing.answered(sender);
                            throw new Expired();
                        }
                        try {
                            return attemptOnce(route, breaker, send, attempts);
                        } catch (SendFailure f) {
                            if (f.httpStatus() == 429) {
                                pacing.throttled(sender, f.retryAfter());
                            }
                            throw f;
                        } finally {
                            pacing.answered(sender);
                        }
                    })
                    .get();
        } catch (InterruptedException stopping) {
            Thread.currentThread().interrupt();
            throw SendFailure.retryable("interrupted", "the node stopped while the send waited for its turn", 0, null);
        } catch (SendFailure | CallNotPermittedException | Expired e) {
            throw e;
        } catch (Throwable unexpected) {
            throw SendFailure.retryable("internal", "send failed: " + unexpected, 0, null);
        }
    }

    private SendResult attemptOnce(
            CarrierRoute route, CircuitBreaker breaker, OutboundSend send, List<SendAttempt> attempts)
            throws SendFailure {
        Instant at = clock.instant();
        long started = System.nanoTime();
        Span span = tracing.span("send attempt")
                .setAttribute(Tracing.MESSAGE_ID, send.messageId())
                .setAttribute(Tracing.CARRIER, route.carrier().wireName())
                .setAttribute(Tracing.ACCOUNT, route.account())
                .setAttribute(Tracing.ATTEMPT, attempts.size() + 1L)
                .startSpan();
        try (Tracing.Active active = Tracing.activate(span, send.messageId())) {
            try {
                SendResult result = attemptOnce(route, breaker, send, attempts, at, started);
                span.setAttribute(Tracing.STATUS, "sent");
                return result;
            } catch (SendFailure f) {
                span.setAttribute(Tracing.STATUS, f.kind().name().toLowerCase(java.util.Locale.ROOT));
                active.failed(f);
                throw f;
            } catch (RuntimeException e) {
                active.failed(e);
                throw e;
            }
        }
    }

    private SendResult attemptOnce(
            CarrierRoute route,
            CircuitBreaker breaker,
            OutboundSend send,
            List<SendAttempt> attempts,
            Instant at,
            long started)
            throws SendFailure {
        try {
            SendResult result =
                    breaker.executeCheckedSupplier(() -> route.sender().send(send));
            attempts.add(attempt(route, send, at, started, "sent", null, null, null));
            return result;
        } catch (CallNotPermittedException e) {
            attempts.add(
                    attempt(route, send, at, started, "breaker_open", null, "circuit_open", "circuit breaker open"));
            throw e;
        } catch (SendFailure f) {
            attempts.add(attempt(
                    route,
                    send,
                    at,
                    started,
                    f.kind().name().toLowerCase(java.util.Locale.ROOT),
                    f.httpStatus() == 0 ? null : f.httpStatus(),
                    f.code(),
                    f.getMessage()));
            Duration cap = settings.retry().maxRetryAfter();
            if (f.kind() == SendFailure.Kind.RETRYABLE
                    && f.retryAfter() != null
                    && f.retryAfter().compareTo(cap) > 0) {
                // waiting that long would hold the conversation; another carrier may take it now
                throw SendFailure.carrierRejected(f.code(), f.getMessage() + " (Retry-After over " + cap + ")", 429);
            }
            throw f;
        } catch (Throwable unexpected) {
            attempts.add(attempt(route, send, at, started, "retryable", null, "internal", unexpected.toString()));
            throw SendFailure.retryable("internal", unexpected.toString(), 0, null);
        }
    }

    private SendAttempt attempt(
            CarrierRoute route,
            OutboundSend send,
            Instant at,
            long startedNanos,
            String outcome,
            Integer httpStatus,
            String code,
            String message) {
        return new SendAttempt(
                route.carrier(),
                route.account(),
                at,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos),
                outcome,
                httpStatus,
                code,
                message,
                send.to());
    }

    private RetryConfig retryConfig() {
        OutboundSettings.Retry r = settings.retry();
        IntervalBiFunction<Object> interval = (attempt, either) -> {
            if (either.isLeft() && either.getLeft() instanceof SendFailure f && f.retryAfter() != null) {
                return f.retryAfter().toMillis();
            }
            double base = r.initialBackoff().toMillis() * Math.pow(r.multiplier(), attempt - 1);
            double capped = Math.min(base, r.maxBackoff().toMillis());
            return (long) (capped * ThreadLocalRandom.current().nextDouble(0.5, 1.5));
        };
        return RetryConfig.custom()
                .maxAttempts(r.maxAttempts())
                .retryOnException(e -> e instanceof SendFailure f && f.kind() == SendFailure.Kind.RETRYABLE)
                .intervalBiFunction(interval)
                .failAfterMaxAttempts(false)
                .build();
    }

    /** Stops leasing, lets running sends finish for up to {@code grace}; unfinished jobs wait for their lease. */
    public void stop(Duration grace) {
        running = false;
        wake();
        if (loop != null) {
            try {
                loop.join(grace.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        senders.shutdown();
        try {
            senders.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }
}
