package io.omniservice.aws.dynamo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.notify.EventEnvelope;
import io.omniservice.core.outbound.DeadLetter;
import io.omniservice.core.store.plan.CommitEvent;
import io.omniservice.core.workflow.Effect;
import io.omniservice.core.workflow.StepRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The change feed's lanes on the http4k fake: per-conversation order, leases and their takeover, hand-off,
 * retries, dead letters and a step's effects, each test on conversations of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DynamoDbFeedStoreTest {
    private static final Duration LEASE = Duration.ofMinutes(1);

    private FakeDynamo dynamo;
    private Tables tables;
    private Outbox outbox;
    private Deliveries deliveries;
    private DynamoDbFeedStore feed;

    @BeforeAll
    void start() {
        dynamo = FakeDynamo.start();
        tables = new Tables(FakeDynamo.uniquePrefix("feed"), 2);
        tables.create(dynamo.client(), Tables.TimeToLive.SKIP);
        Clock clock = Clock.systemUTC();
        outbox = new Outbox(dynamo.client(), tables, clock);
        deliveries = new Deliveries(dynamo.client(), tables, clock);
        feed = new DynamoDbFeedStore(dynamo.client(), tables, clock, outbox, deliveries, null);
    }

    @AfterAll
    void stop() {
        dynamo.close();
    }

    private static String conversation() {
        return "conv-" + UUID.randomUUID();
    }

    private static CommitEvent received(String conversationId) {
        return new CommitEvent.MessageReceived(
                "msg-" + UUID.randomUUID(), conversationId, CarrierType.TWILIO, "default", Direction.INBOUND);
    }

    /** Writes events as a commit would, in one transaction, and tells the outbox it was written. */
    private Outbox.Appending commit(Outbox outbox, List<? extends CommitEvent> events) {
        Outbox.Appending appending = Transact.write(dynamo.client(), "test events", () -> {
            Writes writes = new Writes();
            return new Transact.Planned<>(writes, outbox.append(writes, events, Instant.now()));
        });
        appending.committed();
        return appending;
    }

    private Outbox.Appending commit(List<? extends CommitEvent> events) {
        return commit(outbox, events);
    }

    private List<ChangeEvent> claimMine(String owner, Instant now, Set<String> conversations) {
        List<ChangeEvent> claimed = feed.claim(owner, now, LEASE, 10_000);
        List<ChangeEvent> mine = claimed.stream()
                .filter(e -> conversations.contains(e.conversationId()))
                .toList();
        feed.release(claimed.stream()
                .filter(e -> !conversations.contains(e.conversationId()))
                .map(ChangeEvent::seq)
                .toList());
        return mine;
    }

    private static StepRecord done(ChangeEvent event, Effect... effects) {
        return new StepRecord(event.seq(), 1, true, Json.MAPPER.createObjectNode(), List.of(effects));
    }

    @Test
    void aConversationsEventsAreClaimedOneAtATimeInCommitOrder() {
        String c = conversation();
        List<CommitEvent> events = List.of(received(c), received(c), received(c));
        commit(events.subList(0, 2));
        commit(events.subList(2, 3));

        List<String> order = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<ChangeEvent> claimed = claimMine("order-node", Instant.now(), Set.of(c));
            assertThat(claimed)
                    .as("only the first pending event of the conversation")
                    .hasSize(1);
            assertThat(claimMine("order-node", Instant.now(), Set.of(c)))
                    .as("none while it is held")
                    .isEmpty();
            order.add(claimed.getFirst().messageId());
            feed.record(done(claimed.getFirst())).join();
        }
        assertThat(order)
                .containsExactlyElementsOf(
                        events.stream().map(CommitEvent::messageId).toList());
        assertThat(claimMine("order-node", Instant.now(), Set.of(c))).isEmpty();
    }

    @Test
    void aLeaseThatRanOutIsTakenOverAndTheFormerHolderCanNoLongerRecord() {
        String c = conversation();
        commit(List.of(received(c)));
        Instant now = Instant.now();
        ChangeEvent held = claimMine("node-a", now, Set.of(c)).getFirst();
        assertThat(claimMine("node-b", now.plusSeconds(30), Set.of(c))).isEmpty();

        List<ChangeEvent> taken = claimMine("node-b", now.plus(LEASE).plusSeconds(1), Set.of(c));
        assertThat(taken).extracting(ChangeEvent::eventId).containsExactly(held.eventId());
        // node-a, another process, still believes it holds it: its progress is refused, node-b's is stored
        Outbox nodeA = new Outbox(dynamo.client(), tables, Clock.systemUTC());
        nodeA.lanes().hold(c, held.seq(), "node-a");
        DynamoDbFeedStore storeA = new DynamoDbFeedStore(
                dynamo.client(),
                tables,
                Clock.systemUTC(),
                nodeA,
                new Deliveries(dynamo.client(), tables, Clock.systemUTC()),
                null);
        assertThat(storeA.record(done(held)))
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableThat()
                .withMessageContaining("another node");
        feed.record(done(taken.getFirst())).join();
        assertThat(claimMine("node-b", now.plus(LEASE).plusSeconds(2), Set.of(c)))
                .isEmpty();
    }

    @Test
    void handedOverEventsAreWrittenLeasedAndANewEventBehindAPendingOneWaits() {
        String c = conversation();
        List<ChangeEvent> handed = new CopyOnWriteArrayList<>();
        List<String> waiting = new CopyOnWriteArrayList<>();
        Outbox node = new Outbox(dynamo.client(), tables, Clock.systemUTC());
        DynamoDbFeedStore nodeFeed = new DynamoDbFeedStore(
                dynamo.client(),
                tables,
                Clock.systemUTC(),
                node,
                new Deliveries(dynamo.client(), tables, Clock.systemUTC()),
                null);
        nodeFeed.handOffTo("hand-node", LEASE, (events, conversations) -> {
            handed.addAll(events);
            waiting.addAll(conversations);
        });
        CommitEvent first = received(c);
        CommitEvent second = received(c);
        commit(node, List.of(first, second));
        assertThat(handed).extracting(ChangeEvent::messageId).containsExactly(first.messageId(), second.messageId());
        assertThat(claimMine("other-node", Instant.now(), Set.of(c))).isEmpty();

        CommitEvent third = received(c);
        commit(node, List.of(third));
        assertThat(handed).hasSize(2);
        assertThat(waiting).containsExactly(c);

        nodeFeed.record(done(handed.get(0))).join();
        nodeFeed.record(done(handed.get(1))).join();
        assertThat(nodeFeed.claimConversation("hand-node", c, Instant.now(), LEASE))
                .extracting(ChangeEvent::messageId)
                .containsExactly(third.messageId());
        nodeFeed.stopHandOff();
        assertThat(nodeFeed.releaseLeasesOf("hand-node")).isEqualTo(1);
        assertThat(claimMine("other-node", Instant.now(), Set.of(c)))
                .extracting(ChangeEvent::messageId)
                .containsExactly(third.messageId());
    }

    @Test
    void claimConversationLeasesAnUnbrokenRunAndStopsAtAHeldOrWaitingEvent() {
        String c = conversation();
        List<CommitEvent> events = List.of(received(c), received(c), received(c));
        commit(events);
        List<ChangeEvent> run = feed.claimConversation("run-node", c, Instant.now(), LEASE);
        assertThat(run)
                .extracting(ChangeEvent::messageId)
                .containsExactlyElementsOf(
                        events.stream().map(CommitEvent::messageId).toList());
        assertThat(feed.claimConversation("run-node-2", c, Instant.now(), LEASE))
                .isEmpty();

        // the first fails and waits for its retry: the others go back and wait behind it
        feed.retryLater(run.get(0).seq(), 0, 1, "down", Instant.now().plusSeconds(60));
        feed.release(List.of(run.get(1).seq(), run.get(2).seq()));
        assertThat(feed.claimConversation("run-node", c, Instant.now(), LEASE)).isEmpty();
        assertThat(claimMine("run-node", Instant.now(), Set.of(c))).isEmpty();

        List<ChangeEvent> retried = claimMine("run-node", Instant.now().plusSeconds(61), Set.of(c));
        assertThat(retried).singleElement().satisfies(e -> {
            assertThat(e.messageId()).isEqualTo(events.getFirst().messageId());
            assertThat(e.attempts()).isEqualTo(1);
        });
        feed.record(done(retried.getFirst())).join();
        assertThat(feed.claimConversation("run-node", c, Instant.now().plusSeconds(61), LEASE))
                .extracting(ChangeEvent::messageId)
                .containsExactly(events.get(1).messageId(), events.get(2).messageId());
    }

    @Test
    void progressIsKeptAndTheNextClaimResumesAtTheStepStored() {
        String c = conversation();
        commit(List.of(received(c)));
        ChangeEvent event = claimMine("step-node", Instant.now(), Set.of(c)).getFirst();
        ObjectNode context = Json.MAPPER.createObjectNode().put("tagged", true);
        feed.record(new StepRecord(event.seq(), 2, false, context, List.of())).join();
        feed.release(List.of(event.seq()));

        ChangeEvent again = claimMine("step-node", Instant.now(), Set.of(c)).getFirst();
        assertThat(again.step()).isEqualTo(2);
        assertThat(again.context().path("tagged").asBoolean()).isTrue();
        feed.record(done(again)).join();
    }

    @Test
    void aDeadLetteredEventLeavesTheFeedAndItsConversationGoesOn() {
        String c = conversation();
        List<CommitEvent> events = List.of(received(c), received(c));
        commit(events);
        ChangeEvent failing = claimMine("dead-node", Instant.now(), Set.of(c)).getFirst();
        feed.deadLetter(failing, "message-processing", 1, 3, "flaky: down");

        Map<String, AttributeValue> letter = dynamo
                .client()
                .query(r -> r.tableName(tables.name(Tables.DEAD_LETTERS))
                        .indexName(Tables.DeadLetters.CREATED_INDEX)
                        .keyConditionExpression("#l = :all")
                        .expressionAttributeNames(Map.of("#l", Tables.DeadLetters.LISTING))
                        .expressionAttributeValues(Map.of(":all", AttributeValue.fromS(Tables.DeadLetters.ALL))))
                .items()
                .stream()
                .filter(i -> failing.messageId().equals(Items.string(i, Tables.DeadLetters.MESSAGE_ID)))
                .findFirst()
                .orElseThrow();
        DeadLetter read = DeadLetterItems.read(letter);
        assertThat(read.kind()).isEqualTo("workflow");
        assertThat(read.attempts()).isEqualTo(3);
        assertThat(read.payload().path("step").asInt()).isEqualTo(1);
        List<ChangeEvent> next = claimMine("dead-node", Instant.now(), Set.of(c));
        assertThat(next)
                .extracting(ChangeEvent::messageId)
                .containsExactly(events.get(1).messageId());
        feed.record(done(next.getFirst())).join();

        // replayed, it comes back behind what is pending, from the step that failed, with its own id
        Transact.write(dynamo.client(), "replay", () -> {
            Writes writes = new Writes();
            return new Transact.Planned<>(writes, outbox.appendReplayed(writes, read));
        });
        List<ChangeEvent> pending = feed.claimConversation("dead-node", c, Instant.now(), LEASE);
        assertThat(pending).extracting(ChangeEvent::eventId).containsExactly(failing.eventId());
        assertThat(pending.getFirst().step()).isEqualTo(1);
    }

    @Test
    void aStepsEffectsOnTheConversationAndTheMessageAreStoredWithItsProgress() {
        String c = conversation();
        String messageId = "msg-" + UUID.randomUUID();
        String messageKey = SortableTime.format(Instant.now()) + "#" + messageId;
        dynamo.client().putItem(r -> r.tableName(tables.name(Tables.CONVERSATIONS))
                .item(Map.of(
                        Tables.Conversations.CONVERSATION_ID, AttributeValue.fromS(c),
                        Tables.Conversations.CREATED_AT, AttributeValue.fromS(SortableTime.format(Instant.now())),
                        Tables.Conversations.STATE, AttributeValue.fromS("open"))));
        dynamo.client().putItem(r -> r.tableName(tables.name(Tables.MESSAGES))
                .item(Map.of(
                        Tables.Messages.CONVERSATION_ID, AttributeValue.fromS(c),
                        Tables.Messages.MESSAGE_KEY, AttributeValue.fromS(messageKey),
                        Tables.Messages.MESSAGE_ID, AttributeValue.fromS(messageId))));
        dynamo.client().putItem(r -> r.tableName(tables.name(Tables.KEYS))
                .item(Map.of(
                        Tables.Keys.KEY, AttributeValue.fromS(Tables.Keys.message(messageId)),
                        Tables.Keys.CONVERSATION_ID, AttributeValue.fromS(c),
                        Tables.Keys.MESSAGE_KEY, AttributeValue.fromS(messageKey))));
        commit(List.of(received(c)));
        ChangeEvent event = claimMine("effect-node", Instant.now(), Set.of(c)).getFirst();
        MessageContent.Media media = new MessageContent.Media(
                "caption", List.of(io.omniservice.core.model.MediaItem.url("https://example.com/a.jpg", "image/jpeg")));
        feed.record(new StepRecord(
                        event.seq(),
                        1,
                        false,
                        Json.MAPPER.createObjectNode(),
                        List.of(
                                new Effect.TagConversation(c, "vip"),
                                new Effect.TagConversation(c, "vip"),
                                new Effect.SetConversationState(c, "closed"),
                                new Effect.MediaStored(messageId, media),
                                new Effect.RulesFired(
                                        messageId, Json.MAPPER.createArrayNode().add("r1")))))
                .join();
        feed.record(new StepRecord(
                        event.seq(),
                        2,
                        true,
                        Json.MAPPER.createObjectNode(),
                        List.of(new Effect.TagConversation(c, "late"))))
                .join();

        Map<String, AttributeValue> conversation = dynamo.client()
                .getItem(r -> r.tableName(tables.name(Tables.CONVERSATIONS))
                        .key(Map.of(Tables.Conversations.CONVERSATION_ID, AttributeValue.fromS(c))))
                .item();
        assertThat(conversation.get(Tables.Conversations.TAGS).l())
                .extracting(AttributeValue::s)
                .containsExactly("vip", "late");
        assertThat(conversation.get(Tables.Conversations.STATE).s()).isEqualTo("closed");
        Map<String, AttributeValue> message = dynamo.client()
                .getItem(r -> r.tableName(tables.name(Tables.MESSAGES))
                        .key(Map.of(
                                Tables.Messages.CONVERSATION_ID, AttributeValue.fromS(c),
                                Tables.Messages.MESSAGE_KEY, AttributeValue.fromS(messageKey))))
                .item();
        assertThat(message.get(Tables.Messages.CONTENT).s()).contains("caption").contains("\"type\"");
        assertThat(new DynamoDbRuleStore(dynamo.client(), tables, Clock.systemUTC()).rulesFired(messageId))
                .hasValueSatisfying(r -> assertThat(r.get(0).asText()).isEqualTo("r1"));
        assertThat(claimMine("effect-node", Instant.now(), Set.of(c))).isEmpty();
    }

    @Test
    void progressOfAnEventThisNodeDoesNotHoldIsRefusedClearly() {
        assertThat(feed.record(new StepRecord(123456789L, 1, true, null, List.of())))
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableThat()
                .withMessageContaining("not held by this node");
        assertThatThrownBy(() -> feed.retryLater(123456789L, 0, 1, "x", Instant.now()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> commit(List.of(new CommitEvent.ConversationCreated(null, "p", CarrierType.TWILIO))))
                .hasMessageContaining("needs a conversation");
    }

    @Test
    void aPublishAddsToTheLogAndQueuesADeliveryPerSubscription() {
        String c = conversation();
        commit(List.of(received(c)));
        ChangeEvent event = claimMine("pub-node", Instant.now(), Set.of(c)).getFirst();
        EventEnvelope envelope = new EventEnvelope(event.eventId(), event.type(), event.createdAt(), event.payload());
        DynamoDbNotificationStore notifications =
                new DynamoDbNotificationStore(dynamo.client(), tables, Clock.systemUTC(), null);
        var subscription = notifications.addSubscription(new io.omniservice.core.notify.Subscription(
                null,
                "http://localhost:1/x",
                Set.of(ChangeEvent.MESSAGE_RECEIVED),
                "secret-0123456789abc",
                null,
                "a",
                true));
        long before = notifications.lastPosition();
        feed.record(done(event, new Effect.Publish(envelope, c, null))).join();

        assertThat(notifications.publishedAfter(before, Set.of(), 10, io.omniservice.core.access.Audience.EVERYONE))
                .singleElement()
                .satisfies(p -> {
                    assertThat(p.position()).isEqualTo(before + 1);
                    assertThat(p.envelope()).contains(event.eventId().toString());
                });
        var claimed = deliveries.claimCallbacks("pub-node", Instant.now(), LEASE, 1000).stream()
                .filter(d -> d.payload().contains(event.eventId().toString()))
                .toList();
        assertThat(claimed).singleElement().satisfies(d -> {
            assertThat(d.url()).isEqualTo("http://localhost:1/x");
            assertThat(d.secret()).isEqualTo("secret-0123456789abc");
            assertThat(d.kind()).isEqualTo("event");
        });
        deliveries.callbackDelivered(claimed.getFirst().id()).join();
        notifications.deleteSubscription(subscription.id());
    }

    @Test
    void nodesClaimingAtOnceLeaseEachEventOnce() throws Exception {
        Set<String> conversations = new java.util.HashSet<>();
        List<CommitEvent> events = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String c = conversation();
            conversations.add(c);
            events.add(received(c));
        }
        commit(events);
        List<Outbox> nodes = List.of(
                new Outbox(dynamo.client(), tables, Clock.systemUTC()),
                new Outbox(dynamo.client(), tables, Clock.systemUTC()),
                new Outbox(dynamo.client(), tables, Clock.systemUTC()));
        Instant now = Instant.now();
        List<java.util.concurrent.Future<List<Map<String, AttributeValue>>>> claims = new ArrayList<>();
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int n = 0; n < nodes.size(); n++) {
                Outbox node = nodes.get(n);
                String owner = "racer-" + n;
                claims.add(threads.submit(() -> node.lanes().claim(owner, now, LEASE, 10_000)));
            }
        }
        List<UUID> leased = new ArrayList<>();
        for (var claim : claims) {
            claim.get().stream()
                    .map(Outbox::event)
                    .filter(e -> conversations.contains(e.conversationId()))
                    .forEach(e -> leased.add(e.eventId()));
        }
        assertThat(leased)
                .as("every event leased by one node only")
                .doesNotHaveDuplicates()
                .hasSize(12);
    }

    @Test
    void aNodesStepsRecordedAtOnceShareTransactions() throws Exception {
        // a client that holds the first transaction a moment, so the steps recorded meanwhile queue behind it
        java.util.concurrent.atomic.AtomicInteger transactions = new java.util.concurrent.atomic.AtomicInteger();
        var real = dynamo.client();
        var slow = (software.amazon.awssdk.services.dynamodb.DynamoDbClient) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {software.amazon.awssdk.services.dynamodb.DynamoDbClient.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("transactWriteItems") && transactions.incrementAndGet() == 1) {
                        Thread.sleep(500);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Outbox node = new Outbox(slow, tables, Clock.systemUTC());
        DynamoDbFeedStore nodeFeed = new DynamoDbFeedStore(
                slow, tables, Clock.systemUTC(), node, new Deliveries(slow, tables, Clock.systemUTC()), null);
        List<ChangeEvent> held = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String c = conversation();
            commit(List.of(received(c)));
            held.addAll(nodeFeed.claimConversation("batch-node", c, Instant.now(), LEASE));
        }
        long before = new DynamoDbNotificationStore(real, tables, Clock.systemUTC(), null).lastPosition();
        transactions.set(0);
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (ChangeEvent event : held) {
                threads.submit(() -> nodeFeed.record(done(
                                event,
                                new Effect.Publish(
                                        new EventEnvelope(
                                                event.eventId(), event.type(), event.createdAt(), event.payload()),
                                        event.conversationId(),
                                        null)))
                        .join());
            }
        }
        assertThat(transactions.get()).as("8 steps in fewer transactions").isLessThan(8);
        assertThat(new DynamoDbNotificationStore(real, tables, Clock.systemUTC(), null)
                        .publishedAfter(before, Set.of(), 100, io.omniservice.core.access.Audience.EVERYONE))
                .extracting(p -> p.position())
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(before + 1, before + 8)
                        .boxed()
                        .toList());
        assertThat(held).allSatisfy(e -> assertThat(claimMine("batch-node", Instant.now(), Set.of(e.conversationId())))
                .isEmpty());
    }

    /** A node of its own: an outbox and feed store that no other test hands off through. */
    private DynamoDbFeedStore ownNode(Outbox node) {
        return new DynamoDbFeedStore(
                dynamo.client(),
                tables,
                Clock.systemUTC(),
                node,
                new Deliveries(dynamo.client(), tables, Clock.systemUTC()),
                null);
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(10);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("condition not met in time");
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aRetryDueSoonStaysWithItsNodeAndIsHandedBackWhenDue() throws Exception {
        String c = conversation();
        Outbox node = new Outbox(dynamo.client(), tables, Clock.systemUTC());
        DynamoDbFeedStore nodeFeed = ownNode(node);
        List<ChangeEvent> handed = new CopyOnWriteArrayList<>();
        nodeFeed.handOffTo("retry-node", LEASE, (events, waiting) -> handed.addAll(events));
        try {
            commit(node, List.of(received(c)));
            ChangeEvent first = handed.getFirst();
            nodeFeed.retryLater(first.seq(), 1, 1, "flaky: down", Instant.now().plusMillis(300));
            assertThat(claimMine("other-node", Instant.now().plusSeconds(5), Set.of(c)))
                    .as("no other node takes it while it waits with its node")
                    .isEmpty();
            await(() -> handed.size() == 2);
            assertThat(handed.get(1)).satisfies(e -> {
                assertThat(e.eventId()).isEqualTo(first.eventId());
                assertThat(e.step()).isEqualTo(1);
                assertThat(e.attempts()).isEqualTo(1);
            });
            nodeFeed.record(done(handed.get(1))).join();
        } finally {
            nodeFeed.stopHandOff();
        }
        assertThat(claimMine("other-node", Instant.now().plusSeconds(5), Set.of(c)))
                .isEmpty();
    }

    @Test
    void aKeptRetryGoesBackToTheStoreWhenItsNodeNoLongerTakesEvents() throws Exception {
        String c = conversation();
        Outbox node = new Outbox(dynamo.client(), tables, Clock.systemUTC());
        DynamoDbFeedStore nodeFeed = ownNode(node);
        List<ChangeEvent> handed = new CopyOnWriteArrayList<>();
        nodeFeed.handOffTo("stopping-node", LEASE, (events, waiting) -> handed.addAll(events));
        commit(node, List.of(received(c)));
        nodeFeed.retryLater(handed.getFirst().seq(), 0, 1, "down", Instant.now().plusMillis(200));
        nodeFeed.stopHandOff();
        List<ChangeEvent> claimed = new ArrayList<>();
        await(() -> {
            claimed.addAll(claimMine("other-node", Instant.now(), Set.of(c)));
            return !claimed.isEmpty();
        });
        assertThat(claimed).singleElement().satisfies(e -> assertThat(e.attempts())
                .isEqualTo(1));
        assertThat(handed).hasSize(1);
        feed.record(done(claimed.getFirst())).join();
    }

    @Test
    void aRetryDueAfterTheLeaseGoesBackToTheStoreForEveryNode() {
        String c = conversation();
        Outbox node = new Outbox(dynamo.client(), tables, Clock.systemUTC());
        DynamoDbFeedStore nodeFeed = ownNode(node);
        List<ChangeEvent> handed = new CopyOnWriteArrayList<>();
        nodeFeed.handOffTo("late-node", LEASE, (events, waiting) -> handed.addAll(events));
        try {
            commit(node, List.of(received(c)));
            nodeFeed.retryLater(
                    handed.getFirst().seq(),
                    0,
                    1,
                    "down",
                    Instant.now().plus(LEASE).plusSeconds(60));
        } finally {
            nodeFeed.stopHandOff();
        }
        assertThat(claimMine("other-node", Instant.now().plus(LEASE), Set.of(c)))
                .isEmpty();
        List<ChangeEvent> due =
                claimMine("other-node", Instant.now().plus(LEASE).plusSeconds(61), Set.of(c));
        assertThat(due).singleElement().satisfies(e -> assertThat(e.attempts()).isEqualTo(1));
        feed.record(done(due.getFirst())).join();
    }

    @Test
    void aReplayedDeadLetterIsHandedToThisNodesWorkerWhenItsConversationHasNothingPending() {
        String c = conversation();
        commit(List.of(received(c)));
        ChangeEvent failing = claimMine("replay-node", Instant.now(), Set.of(c)).getFirst();
        feed.deadLetter(failing, "message-processing", 1, 2, "flaky: down");
        DeadLetter letter = DeadLetterItems.newest(dynamo.client(), tables, 1000).stream()
                .filter(d -> failing.messageId().equals(d.messageId()))
                .findFirst()
                .orElseThrow();
        Outbox node = new Outbox(dynamo.client(), tables, Clock.systemUTC());
        DynamoDbFeedStore nodeFeed = ownNode(node);
        List<ChangeEvent> handed = new CopyOnWriteArrayList<>();
        nodeFeed.handOffTo("replaying-node", LEASE, (events, waiting) -> handed.addAll(events));
        try {
            Outbox.Appending replayed = Transact.write(dynamo.client(), "replay", () -> {
                Writes writes = new Writes();
                return new Transact.Planned<>(writes, node.appendReplayed(writes, letter));
            });
            replayed.committed();
        } finally {
            nodeFeed.stopHandOff();
        }
        assertThat(handed).singleElement().satisfies(e -> {
            assertThat(e.eventId()).isEqualTo(failing.eventId());
            assertThat(e.step()).isEqualTo(1);
        });
        assertThat(claimMine("other-node", Instant.now(), Set.of(c))).isEmpty();
        nodeFeed.record(done(handed.getFirst())).join();
    }
}
