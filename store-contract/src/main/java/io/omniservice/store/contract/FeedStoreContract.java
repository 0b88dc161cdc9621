package io.omniservice.store.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.access.Audience;
import io.omniservice.core.access.ClientSecret;
import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.feed.FeedSettings;
import io.omniservice.core.feed.FeedStore;
import io.omniservice.core.feed.FeedWorker;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Sender;
import io.omniservice.core.notify.EventEnvelope;
import io.omniservice.core.notify.NotificationStore;
import io.omniservice.core.notify.PublishedEvent;
import io.omniservice.core.notify.Subscription;
import io.omniservice.core.outbound.CallbackDelivery;
import io.omniservice.core.outbound.DeadLetter;
import io.omniservice.core.store.InboundBatch;
import io.omniservice.core.workflow.Effect;
import io.omniservice.core.workflow.StepRecord;
import io.omniservice.core.workflow.StepResult;
import io.omniservice.core.workflow.StepRetry;
import io.omniservice.core.workflow.Workflow;
import io.omniservice.core.workflow.WorkflowEngine;
import io.omniservice.core.workflow.WorkflowStep;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The change feed's contract on every store adapter: hand-off, leases, workflow progress that survives
 * a worker's death, retries, dead letters and their replay, and publishing to subscriptions. Tests
 * share one store; workflows here handle every event type, so events other tests left behind pass
 * through, and each test looks only at its own messages.
 */
public abstract class FeedStoreContract extends ContactStoreContract {
    private static final StepRetry QUICK = new StepRetry(2, Duration.ofMillis(10), Duration.ofMillis(10));

    private FeedStore feed() {
        return storage.feed();
    }

    private NotificationStore notifications() {
        return storage.notifications();
    }

    /** A workflow for new messages of the given steps, and a publishing step for the other events. */
    private WorkflowEngine engine(List<WorkflowStep> messageSteps, Runnable published) {
        return engine(messageSteps, published, event -> null);
    }

    /** As above, with the client each published event concerns alone (null: every client). */
    private WorkflowEngine engine(
            List<WorkflowStep> messageSteps,
            Runnable published,
            java.util.function.Function<ChangeEvent, String> owner) {
        return engine(messageSteps, published, owner, feed());
    }

    /** As above, recording progress through {@code feed}. */
    private WorkflowEngine engine(
            List<WorkflowStep> messageSteps,
            Runnable published,
            java.util.function.Function<ChangeEvent, String> owner,
            FeedStore feed) {
        WorkflowStep publish = new WorkflowStep(
                "notification",
                QUICK,
                input -> StepResult.of(new Effect.Publish(
                        new EventEnvelope(
                                input.event().eventId(),
                                input.event().type(),
                                input.event().createdAt(),
                                input.event().payload()),
                        input.event().conversationId(),
                        owner.apply(input.event()))));
        List<WorkflowStep> steps = new ArrayList<>(messageSteps);
        steps.add(publish);
        return new WorkflowEngine(
                Map.of(
                        ChangeEvent.MESSAGE_RECEIVED, new Workflow("message-processing", steps),
                        ChangeEvent.MESSAGE_STATUS, new Workflow("status-handling", List.of(publish)),
                        ChangeEvent.CONVERSATION_CREATED, new Workflow("conversation-notification", List.of(publish))),
                feed,
                store,
                Clock.systemUTC(),
                published);
    }

    private FeedWorker worker(String node, WorkflowEngine engine) {
        return worker(node, engine, Duration.ofMillis(20));
    }

    private FeedWorker worker(String node, WorkflowEngine engine, Duration poll) {
        return new FeedWorker(
                feed(), engine, new FeedSettings(node, Duration.ofSeconds(30), 16, poll), Clock.systemUTC());
    }

    private static InboundBatch.NewMessage message(String body) {
        return inbound(CarrierType.BANDWIDTH, carrierId(), Sender.phone(phone(), null), now(), text(body));
    }

    private boolean published(String messageId) {
        return notifications()
                .publishedAfter(0, Set.of(ChangeEvent.MESSAGE_RECEIVED), 100_000, Audience.EVERYONE)
                .stream()
                .anyMatch(e -> e.envelope().contains(messageId));
    }

    private long publishedCount(String messageId) {
        return notifications()
                .publishedAfter(0, Set.of(ChangeEvent.MESSAGE_RECEIVED), 100_000, Audience.EVERYONE)
                .stream()
                .filter(e -> e.envelope().contains(messageId))
                .count();
    }

    /**
     * Waits for {@code condition}, up to a minute: the DynamoDB fake serves one request at a time for the whole JVM,
     * so while another test class floods it with concurrent commits a worker's few requests wait their turn (15 s
     * was not enough on a 2-core machine running the suite's classes four at a time).
     */
    private static void await(BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("condition not met in time");
            }
            Thread.sleep(10);
        }
    }

    @Test
    void committedEventsAreHandedOverLeasedSoNoOtherNodeClaimsThem() throws Exception {
        List<ChangeEvent> handed = new CopyOnWriteArrayList<>();
        feed().handOffTo("hand-off-node", Duration.ofMinutes(5), (events, waiting) -> handed.addAll(events));
        InboundBatch.NewMessage item = message("hello");
        try {
            store.commit(batch(item));
        } finally {
            feed().stopHandOff();
        }
        String id = item.message().messageId();
        assertThat(handed)
                .filteredOn(e -> id.equals(e.messageId()))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.type()).isEqualTo(ChangeEvent.MESSAGE_RECEIVED);
                    assertThat(e.conversationId()).isEqualTo(item.message().conversationId());
                    assertThat(e.payload().path("messageId").asText()).isEqualTo(id);
                    assertThat(e.step()).isZero();
                });
        // a conversation's first message also announces the conversation, before the message
        assertThat(handed.getFirst().type()).isEqualTo(ChangeEvent.CONVERSATION_CREATED);
        assertThat(feed().claim("other-node", Instant.now(), Duration.ofMinutes(1), 10_000))
                .noneMatch(e -> id.equals(e.messageId()));
        assertThat(feed().releaseLeasesOf("hand-off-node")).isGreaterThanOrEqualTo(2);
        List<ChangeEvent> claimed = feed().claim("other-node", Instant.now(), Duration.ofMinutes(1), 10_000);
        // the message waits behind its conversation's earlier event, which comes first
        assertThat(claimed).noneMatch(e -> id.equals(e.messageId()));
        assertThat(claimed)
                .anyMatch(e -> e.type().equals(ChangeEvent.CONVERSATION_CREATED)
                        && item.message().conversationId().equals(e.conversationId()));
        feed().release(claimed.stream().map(ChangeEvent::seq).toList());
    }

    /** Whether this store hands a new message over with its event ({@link ChangeEvent#stored}); JDBC stores do. */
    protected boolean handsOverStoredMessages() {
        return false;
    }

    @Test
    void aMessageHandedOverWithItsEventIsTheMessageTheStoreReadsBack() throws Exception {
        // a carrier's payload as the gateway parses it: nested, numbers of each kind, text beyond ASCII
        com.fasterxml.jackson.databind.JsonNode payload = io.omniservice.core.json.Json.MAPPER.readTree("""
                {"entry":[{"id":"1029384756","changes":[{"value":{"messages":[{"timestamp":"1765000000",
                 "text":{"body":"¿Está abierto? 👋"}}],"metadata":{"ratio":0.125,"big":12345678901234,"ok":true,
                 "none":null}}}]}]}""");
        InboundBatch.NewMessage plain = message("plain");
        InboundBatch.NewMessage whatsApp = inbound(
                CarrierType.WHATSAPP,
                carrierId(),
                Sender.phone(phone(), "Ana María"),
                now(),
                text("¿Está abierto? 👋"));
        InboundBatch.NewMessage rich = amended(
                whatsApp,
                whatsApp.conversation(),
                null,
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                payload);
        // a receipt that came before its message changes the message in the commit that stores it
        InboundBatch.NewMessage receipted = message("receipted");
        store.commit(statuses(status(
                CarrierType.BANDWIDTH,
                receipted.message().metadata().carrierMessageId(),
                io.omniservice.core.model.MessageStatus.READ,
                "message-read",
                now())));
        List<ChangeEvent> handed = new CopyOnWriteArrayList<>();
        feed().handOffTo("stored-node", Duration.ofMinutes(5), (events, waiting) -> handed.addAll(events));
        try {
            store.commit(new InboundBatch(List.of(plain, rich, receipted), List.of()));
        } finally {
            feed().stopHandOff();
        }
        List<ChangeEvent> received = handed.stream()
                .filter(e -> ChangeEvent.MESSAGE_RECEIVED.equals(e.type()))
                .toList();
        for (ChangeEvent event : received) {
            if (event.stored() != null) {
                assertThat(event.stored())
                        .as("message %s as handed over", event.messageId())
                        .isEqualTo(store.message(event.messageId()).orElseThrow());
            }
        }
        if (handsOverStoredMessages()) {
            assertThat(received)
                    .filteredOn(e -> e.stored() != null)
                    .extracting(ChangeEvent::messageId)
                    .containsExactlyInAnyOrder(
                            plain.message().messageId(), rich.message().messageId());
        }
        feed().releaseLeasesOf("stored-node");
    }

    @Test
    void newEventOfAConversationWithAnOlderPendingOneIsNotHandedOverButWaitsBehindIt() throws Exception {
        String sender = phone();
        InboundBatch.NewMessage older =
                inbound(CarrierType.BANDWIDTH, carrierId(), Sender.phone(sender, null), now(), text("first"));
        store.commit(batch(older)); // no worker: it stays pending, free for any node
        List<ChangeEvent> handed = new CopyOnWriteArrayList<>();
        Set<String> waiting = ConcurrentHashMap.newKeySet();
        feed().handOffTo("order-node", Duration.ofMinutes(5), (events, conversations) -> {
            handed.addAll(events);
            waiting.addAll(conversations);
        });
        InboundBatch.NewMessage newer =
                inbound(CarrierType.BANDWIDTH, carrierId(), Sender.phone(sender, null), now(), text("second"));
        try {
            store.commit(batch(newer));
        } finally {
            feed().stopHandOff();
        }
        String conversation = older.message().conversationId();
        assertThat(handed).noneMatch(e -> conversation.equals(e.conversationId()));
        assertThat(waiting).contains(conversation);

        List<ChangeEvent> claimed =
                feed().claimConversation("order-node", conversation, Instant.now(), Duration.ofMinutes(1));
        assertThat(claimed)
                .extracting(ChangeEvent::type, ChangeEvent::messageId)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(ChangeEvent.CONVERSATION_CREATED, null),
                        org.assertj.core.groups.Tuple.tuple(
                                ChangeEvent.MESSAGE_RECEIVED, older.message().messageId()),
                        org.assertj.core.groups.Tuple.tuple(
                                ChangeEvent.MESSAGE_RECEIVED, newer.message().messageId()));
        assertThat(feed().claimConversation("other-node", conversation, Instant.now(), Duration.ofMinutes(1)))
                .as("held now")
                .isEmpty();
        feed().release(claimed.stream().map(ChangeEvent::seq).toList());
    }

    @Test
    void inAGroupOfManyConversationsOnlyThoseWithPendingEventsWait() throws Exception {
        // 70 senders in one commit; the first, the ninth and the last already have an event pending
        List<String> senders = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            senders.add(phone());
        }
        List<Integer> busy = List.of(0, 8, 69);
        for (int i : busy) {
            store.commit(batch(inbound(
                    CarrierType.BANDWIDTH, carrierId(), Sender.phone(senders.get(i), null), now(), text("earlier"))));
        }
        List<ChangeEvent> handed = new CopyOnWriteArrayList<>();
        Set<String> waiting = ConcurrentHashMap.newKeySet();
        feed().handOffTo("group-node", Duration.ofMinutes(5), (events, conversations) -> {
            handed.addAll(events);
            waiting.addAll(conversations);
        });
        List<InboundBatch.NewMessage> items = senders.stream()
                .map(sender ->
                        inbound(CarrierType.BANDWIDTH, carrierId(), Sender.phone(sender, null), now(), text("now")))
                .toList();
        try {
            store.commit(new InboundBatch(items, List.of()));
        } finally {
            feed().stopHandOff();
        }
        Set<String> busyConversations = Set.copyOf(
                busy.stream().map(i -> items.get(i).message().conversationId()).toList());
        assertThat(waiting).containsAll(busyConversations);
        assertThat(handed)
                .filteredOn(e -> ChangeEvent.MESSAGE_RECEIVED.equals(e.type()))
                .extracting(ChangeEvent::conversationId)
                .hasSize(67)
                .doesNotContainAnyElementsOf(busyConversations);
        feed().releaseLeasesOf("group-node");
    }

    @Test
    void aTagIsAddedOnceAndAnUnderscoreInItMatchesOnlyItself() throws Exception {
        Set<String> ours = ConcurrentHashMap.newKeySet();
        List<WorkflowStep> steps = List.of(new WorkflowStep("tag", QUICK, input -> {
            if (!ours.contains(input.event().messageId())) {
                return StepResult.NOTHING;
            }
            String conversation = input.event().conversationId();
            // "vip_" is a tag of its own, not a pattern that "vip1" matches
            return StepResult.noted(List.of(
                    new Effect.TagConversation(conversation, "vip1"),
                    new Effect.TagConversation(conversation, "vip_"),
                    new Effect.TagConversation(conversation, "vip1")));
        }));
        InboundBatch.NewMessage item = message("tag me");
        ours.add(item.message().messageId());
        FeedWorker worker = worker("tag-node", engine(steps, () -> {}));
        worker.start();
        try {
            store.commit(batch(item));
            await(() -> published(item.message().messageId()));
        } finally {
            worker.close();
        }
        assertThat(store.conversation(item.message().conversationId())
                        .orElseThrow()
                        .tags())
                .containsExactly("vip1", "vip_");
    }

    @Test
    void workflowKilledMidStepResumesAtThatStepWithNothingDoneTwice() throws Exception {
        AtomicInteger tagRuns = new AtomicInteger();
        AtomicInteger slowRuns = new AtomicInteger();
        CountDownLatch slowStarted = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        Set<String> ours = ConcurrentHashMap.newKeySet();
        List<WorkflowStep> steps = List.of(
                new WorkflowStep("tag", QUICK, input -> {
                    if (!ours.contains(input.event().messageId())) {
                        return StepResult.NOTHING;
                    }
                    tagRuns.incrementAndGet();
                    input.context().put("tagged", true);
                    return StepResult.noted(
                            List.of(new Effect.TagConversation(input.event().conversationId(), "vip")));
                }),
                new WorkflowStep("slow", QUICK, input -> {
                    if (ours.contains(input.event().messageId()) && slowRuns.incrementAndGet() == 1) {
                        slowStarted.countDown();
                        never.await(); // the first worker dies here
                    }
                    assertThat(input.context().path("tagged").asBoolean())
                            .as("the resumed run sees what the earlier step stored")
                            .isEqualTo(ours.contains(input.event().messageId()));
                    return StepResult.NOTHING;
                }));
        InboundBatch.NewMessage item = message("resume me");
        ours.add(item.message().messageId());
        // it polls once, at start: once stuck it must not lease the event again, as a killed process would not
        FeedWorker first = worker("crash-node", engine(steps, () -> {}), Duration.ofHours(1));
        first.start();
        FeedWorker second = null;
        try {
            store.commit(batch(item));
            assertThat(slowStarted.await(15, java.util.concurrent.TimeUnit.SECONDS))
                    .isTrue();
            // the first worker is stuck mid-step, as if its process were killed: a new one starts on the node
            second = worker("crash-node", engine(steps, () -> {}));
            second.start();
            await(() -> published(item.message().messageId()));
        } finally {
            if (second != null) {
                second.close();
            }
        }
        assertThat(tagRuns).as("the finished step is not run again").hasValue(1);
        assertThat(slowRuns).as("the interrupted step runs again").hasValue(2);
        assertThat(publishedCount(item.message().messageId())).isEqualTo(1);
        assertThat(store.conversation(item.message().conversationId())
                        .orElseThrow()
                        .tags())
                .containsExactly("vip");
    }

    @Test
    void failingStepIsRetriedThenDeadLetteredAndReplayResumesAtThatStep() throws Exception {
        AtomicBoolean broken = new AtomicBoolean(true);
        AtomicInteger firstStepRuns = new AtomicInteger();
        Set<String> ours = ConcurrentHashMap.newKeySet();
        List<WorkflowStep> steps = List.of(
                new WorkflowStep("remember", QUICK, input -> {
                    if (!ours.contains(input.event().messageId())) {
                        return StepResult.NOTHING;
                    }
                    firstStepRuns.incrementAndGet();
                    input.context().put("remembered", true);
                    return StepResult.noted(List.of());
                }),
                new WorkflowStep("flaky", QUICK, input -> {
                    if (ours.contains(input.event().messageId()) && broken.get()) {
                        throw new IllegalStateException("downstream is down");
                    }
                    return StepResult.NOTHING;
                }));
        InboundBatch.NewMessage item = message("fail me");
        String id = item.message().messageId();
        ours.add(id);
        FeedWorker worker = worker("retry-node", engine(steps, () -> {}));
        worker.start();
        try {
            store.commit(batch(item));
            await(() -> storage.outbound().deadLetters(1_000).stream().anyMatch(d -> id.equals(d.messageId())));
            DeadLetter letter = storage.outbound().deadLetters(1_000).stream()
                    .filter(d -> id.equals(d.messageId()))
                    .findFirst()
                    .orElseThrow();
            assertThat(letter.kind()).isEqualTo("workflow");
            assertThat(letter.attempts()).isEqualTo(2);
            assertThat(letter.lastError()).contains("flaky").contains("downstream is down");
            assertThat(letter.payload().path("step").asInt()).isEqualTo(1);
            assertThat(published(id)).isFalse();

            broken.set(false);
            assertThat(storage.outbound().replay(letter.id())).isPresent();
            await(() -> published(id));
        } finally {
            worker.close();
        }
        assertThat(firstStepRuns).as("replay resumes at the failed step").hasValue(1);
    }

    @Test
    void anEventWhoseProgressWasNotStoredRunsAgainAtOnceNotWhenItsLeaseEnds() throws Exception {
        InboundBatch.NewMessage item = message("stored on the second try");
        String id = item.message().messageId();
        AtomicInteger failed = new AtomicInteger();
        // the store fails this event's first record, as a timed-out write would: the worker's lease is 30 s, the
        // wait below 15 s
        FeedStore failingOnce = new DelegatingFeedStore(feed()) {
            @Override
            public CompletableFuture<Void> record(StepRecord record) {
                if (record.done()
                        && failed.get() == 0
                        && record.effects().stream()
                                .anyMatch(e -> e instanceof Effect.Publish p
                                        && p.json().contains(id))) {
                    failed.incrementAndGet();
                    return CompletableFuture.failedFuture(
                            new io.omniservice.core.store.StorageException("the write timed out", null));
                }
                return super.record(record);
            }
        };
        WorkflowEngine engine = engine(List.of(), () -> {}, event -> null, failingOnce);
        FeedWorker worker = new FeedWorker(
                failingOnce,
                engine,
                new FeedSettings("record-fails-node", Duration.ofSeconds(30), 16, Duration.ofMillis(20)),
                Clock.systemUTC());
        worker.start();
        try {
            store.commit(batch(item));
            await(() -> published(id));
        } finally {
            worker.close();
        }
        assertThat(failed).as("records that failed").hasValue(1);
        assertThat(publishedCount(id)).isEqualTo(1);
    }

    /** A subscription of client-a (an admin's: it sees every event) to {@code url}. */
    private Subscription subscribed(String url, String type, String secret) {
        return notifications()
                .addSubscription(new Subscription(null, url, Set.of(type), secret, null, "client-a", true));
    }

    /** Commits a new inbound message and runs a worker of {@code node} until its event is published; its id. */
    private String publishedMessage(String node, String text) throws Exception {
        FeedWorker worker = worker(node, engine(List.of(), () -> {}));
        worker.start();
        InboundBatch.NewMessage item = message(text);
        String id = item.message().messageId();
        try {
            store.commit(batch(item));
            await(() -> published(id));
        } finally {
            worker.close();
        }
        return id;
    }

    @Test
    void publishedEventGoesToTheLogAndToEachSubscriptionOfItsType() throws Exception {
        Subscription received =
                subscribed("http://localhost:1/received", ChangeEvent.MESSAGE_RECEIVED, "secret-one-0123456789");
        Subscription statuses =
                subscribed("http://localhost:1/status", ChangeEvent.MESSAGE_STATUS, "secret-two-0123456789");
        long before = notifications().lastPosition();
        String id = publishedMessage("publish-node", "publish me");
        List<PublishedEvent> log = notifications().publishedAfter(before, Set.of(), 100_000, Audience.EVERYONE);
        assertThat(log).extracting(PublishedEvent::position).isSorted().allMatch(p -> p > before);
        assertThat(log)
                .filteredOn(e -> e.envelope().contains(id))
                .singleElement()
                .satisfies(e -> assertThat(e.type()).isEqualTo(ChangeEvent.MESSAGE_RECEIVED));

        List<CallbackDelivery> due =
                storage.outbound().claimCallbacks("test-node", Instant.now(), Duration.ofSeconds(1), 10_000);
        assertThat(due)
                .filteredOn(d -> d.payload().contains(id))
                .singleElement()
                .satisfies(d -> {
                    assertThat(d.kind()).isEqualTo(CallbackDelivery.EVENT);
                    assertThat(d.url()).isEqualTo("http://localhost:1/received");
                    assertThat(d.secret()).isEqualTo("secret-one-0123456789");
                });
        assertThat(notifications().subscription(received.id())).isPresent();
        assertThat(notifications().deleteSubscription(received.id())).isTrue();
        assertThat(notifications().deleteSubscription(statuses.id())).isTrue();
        assertThat(storage.outbound()
                        .claimCallbacks("test-node", Instant.now().plusSeconds(5), Duration.ofSeconds(1), 10_000))
                .noneMatch(d -> d.payload().contains(id));
    }

    @Test
    void aSubscriptionsWaitingEventIsListedWithItsAttemptsUntilItIsTaken() throws Exception {
        Subscription subscription =
                subscribed("http://localhost:1/waiting", ChangeEvent.MESSAGE_RECEIVED, "secret-waiting-0123456789");
        String id = publishedMessage("waiting-node", "wait for me");
        // other tests' messages publish events to this subscription too, each conversation its own order
        assertThat(storage.outbound().waitingEventDeliveries(100_000))
                .filteredOn(w -> subscription.id().equals(w.subscriptionId()))
                .isNotEmpty()
                .allSatisfy(w -> assertThat(w.attempts()).isZero());

        CallbackDelivery delivery =
                storage.outbound().claimCallbacks("test-node", Instant.now(), Duration.ofSeconds(1), 10_000).stream()
                        .filter(d -> d.payload().contains(id) && d.url().equals("http://localhost:1/waiting"))
                        .findFirst()
                        .orElseThrow();
        Instant retryAt = Instant.now().plusSeconds(600);
        String error = "HTTP 503 for " + id;
        storage.outbound().callbackFailed(delivery.id(), error, retryAt);
        assertThat(storage.outbound().waitingEventDeliveries(100_000))
                .filteredOn(w -> error.equals(w.lastError()))
                .singleElement()
                .satisfies(w -> {
                    assertThat(w.subscriptionId()).isEqualTo(subscription.id());
                    assertThat(w.attempts()).isEqualTo(1);
                    assertThat(w.nextAttemptAt())
                            .isCloseTo(
                                    retryAt,
                                    org.assertj.core.api.Assertions.within(1, java.time.temporal.ChronoUnit.SECONDS));
                });

        CallbackDelivery retried =
                storage
                        .outbound()
                        .claimCallbacks("test-node", retryAt.plusSeconds(1), Duration.ofSeconds(1), 10_000)
                        .stream()
                        .filter(d -> d.payload().contains(id) && d.url().equals("http://localhost:1/waiting"))
                        .findFirst()
                        .orElseThrow();
        storage.outbound().callbackDelivered(retried.id()).join();
        assertThat(storage.outbound().waitingEventDeliveries(100_000)).noneMatch(w -> error.equals(w.lastError()));
        notifications().deleteSubscription(subscription.id());
    }

    @Test
    void eventAboutOneClientReachesOnlyThatClientsSubscriptionsAndAdmins() throws Exception {
        String a = "client-a-" + UUID.randomUUID();
        String b = "client-b-" + UUID.randomUUID();
        Subscription ofA = notifications()
                .addSubscription(new Subscription(
                        null,
                        "http://localhost:1/a",
                        Set.of(ChangeEvent.MESSAGE_RECEIVED),
                        "secret-a-0123456789",
                        null,
                        a,
                        false));
        Subscription ofB = notifications()
                .addSubscription(new Subscription(
                        null,
                        "http://localhost:1/b",
                        Set.of(ChangeEvent.MESSAGE_RECEIVED),
                        "secret-b-0123456789",
                        null,
                        b,
                        false));
        Subscription ofAdmin = notifications()
                .addSubscription(new Subscription(
                        null,
                        "http://localhost:1/admin",
                        Set.of(ChangeEvent.MESSAGE_RECEIVED),
                        "secret-c-0123456789",
                        null,
                        "root",
                        true));
        long before = notifications().lastPosition();
        InboundBatch.NewMessage item = message("about client a");
        String id = item.message().messageId();
        FeedWorker worker = worker("owner-node", engine(List.of(), () -> {}, event -> a));
        worker.start();
        try {
            store.commit(batch(item));
            await(() -> published(id));
        } finally {
            worker.close();
        }
        assertThat(notifications().publishedAfter(before, Set.of(), 100_000, Audience.of(a)))
                .anyMatch(e -> e.envelope().contains(id));
        assertThat(notifications().publishedAfter(before, Set.of(), 100_000, Audience.of(b)))
                .noneMatch(e -> e.envelope().contains(id));
        assertThat(storage.outbound().claimCallbacks("owner-node", Instant.now(), Duration.ofSeconds(1), 10_000))
                .filteredOn(d -> d.payload().contains(id))
                .extracting(CallbackDelivery::url)
                .containsExactlyInAnyOrder("http://localhost:1/a", "http://localhost:1/admin");
        assertThat(notifications().subscriptions(Audience.of(b)))
                .extracting(Subscription::id)
                .containsExactly(ofB.id());
        assertThat(notifications().subscriptions(Audience.EVERYONE))
                .extracting(Subscription::id)
                .contains(ofA.id(), ofB.id(), ofAdmin.id());
        for (Subscription s : List.of(ofA, ofB, ofAdmin)) {
            notifications().deleteSubscription(s.id());
        }
    }

    @Test
    void rotatedClientSecretKeepsThePreviousOneForTheOverlap() {
        String client = "rotating-" + UUID.randomUUID();
        assertThat(storage.clientSecrets().clientSecret(client)).isEmpty();
        ClientSecret first =
                storage.clientSecrets().rotateClientSecret(client, "whsec_first_0123456789", Duration.ofHours(24));
        assertThat(first.previous()).isNull();
        ClientSecret second =
                storage.clientSecrets().rotateClientSecret(client, "whsec_second_0123456789", Duration.ofHours(24));
        assertThat(second.previous()).isEqualTo("whsec_first_0123456789");
        assertThat(storage.clientSecrets().clientSecret(client)).contains(second);
        assertThat(second.signingAt(Instant.now()))
                .containsExactly("whsec_second_0123456789", "whsec_first_0123456789");
        assertThat(second.signingAt(Instant.now().plus(Duration.ofHours(25))))
                .containsExactly("whsec_second_0123456789");
    }

    /** A feed store passing every call to another, for a test to change one of them. */
    private static class DelegatingFeedStore implements FeedStore {
        private final FeedStore delegate;

        DelegatingFeedStore(FeedStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public void handOffTo(String owner, Duration lease, Committed listener) {
            delegate.handOffTo(owner, lease, listener);
        }

        @Override
        public List<ChangeEvent> claimConversation(String owner, String conversationId, Instant now, Duration lease) {
            return delegate.claimConversation(owner, conversationId, now, lease);
        }

        @Override
        public void stopHandOff() {
            delegate.stopHandOff();
        }

        @Override
        public List<ChangeEvent> claim(String owner, Instant now, Duration lease, int max) {
            return delegate.claim(owner, now, lease, max);
        }

        @Override
        public int releaseLeasesOf(String owner) {
            return delegate.releaseLeasesOf(owner);
        }

        @Override
        public void release(java.util.Collection<Long> seqs) {
            delegate.release(seqs);
        }

        @Override
        public CompletableFuture<Void> record(StepRecord record) {
            return delegate.record(record);
        }

        @Override
        public void retryLater(long seq, int step, int attempts, String error, Instant retryAt) {
            delegate.retryLater(seq, step, attempts, error, retryAt);
        }

        @Override
        public void deadLetter(ChangeEvent event, String workflow, int step, int attempts, String error) {
            delegate.deadLetter(event, workflow, step, attempts, error);
        }
    }
}
