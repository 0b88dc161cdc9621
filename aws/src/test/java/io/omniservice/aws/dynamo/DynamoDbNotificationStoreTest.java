package io.omniservice.aws.dynamo;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.access.Audience;
import io.omniservice.core.access.ClientSecret;
import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Direction;
import io.omniservice.core.notify.EventEnvelope;
import io.omniservice.core.notify.PublishedEvent;
import io.omniservice.core.notify.Subscription;
import io.omniservice.core.rules.Rule;
import io.omniservice.core.rules.RuleParser;
import io.omniservice.core.store.plan.CommitEvent;
import io.omniservice.core.workflow.Effect;
import io.omniservice.core.workflow.StepRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The published log, subscriptions, rules and client secrets on the http4k fake: positions that stay gap-free
 * and in order while two nodes publish at once, pruning, and the settings kept per kind. The log is shared by
 * the class's tests, so each counts from the position it read first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DynamoDbNotificationStoreTest {
    private FakeDynamo dynamo;
    private Tables tables;
    private DynamoDbNotificationStore notifications;

    @BeforeAll
    void start() {
        dynamo = FakeDynamo.start();
        tables = new Tables(FakeDynamo.uniquePrefix("notify"), 2);
        tables.create(dynamo.client(), Tables.TimeToLive.SKIP);
        notifications = new DynamoDbNotificationStore(dynamo.client(), tables, Clock.systemUTC(), null);
    }

    @AfterAll
    void stop() {
        dynamo.close();
    }

    /** A node: its own outbox, deliveries and feed store on the shared tables. */
    private record Node(Outbox outbox, DynamoDbFeedStore feed) {}

    private Node node(Clock clock) {
        Outbox outbox = new Outbox(dynamo.client(), tables, clock);
        Deliveries deliveries = new Deliveries(dynamo.client(), tables, clock);
        return new Node(outbox, new DynamoDbFeedStore(dynamo.client(), tables, clock, outbox, deliveries, null));
    }

    /** Commits one event in a conversation of its own and leases it to the node, as its worker would. */
    private ChangeEvent heldEvent(Node node, String owner) {
        String conversation = "conv-" + UUID.randomUUID();
        CommitEvent event = new CommitEvent.MessageReceived(
                "msg-" + UUID.randomUUID(), conversation, CarrierType.BANDWIDTH, "default", Direction.INBOUND);
        Transact.write(dynamo.client(), "test event", () -> {
            Writes writes = new Writes();
            return new Transact.Planned<>(writes, node.outbox().append(writes, List.of(event), Instant.now()));
        });
        return node.feed()
                .claimConversation(owner, conversation, Instant.now(), Duration.ofMinutes(5))
                .getFirst();
    }

    private static Effect.Publish publish(ChangeEvent event, String client) {
        return new Effect.Publish(
                new EventEnvelope(event.eventId(), event.type(), event.createdAt(), event.payload()),
                event.conversationId(),
                client);
    }

    @Test
    void positionsStayGapFreeAndInCommitOrderWhileTwoNodesPublishAtOnce() throws Exception {
        Node first = node(Clock.systemUTC());
        Node second = node(Clock.systemUTC());
        int perNode = 12;
        List<ChangeEvent> ofFirst = new ArrayList<>();
        List<ChangeEvent> ofSecond = new ArrayList<>();
        for (int i = 0; i < perNode; i++) {
            ofFirst.add(heldEvent(first, "first"));
            ofSecond.add(heldEvent(second, "second"));
        }
        long start = notifications.lastPosition();
        AtomicBoolean publishing = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> readerSaw = new ConcurrentLinkedQueue<>();
        List<Long> readerPositions = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            Future<?> reader = pool.submit(() -> {
                long after = start;
                while (publishing.get() || after < notifications.lastPosition()) {
                    for (PublishedEvent event :
                            notifications.publishedAfter(after, Set.of(), 1000, Audience.EVERYONE)) {
                        readerPositions.add(event.position());
                        readerSaw.add(event.envelope());
                        after = event.position();
                    }
                }
            });
            List<Future<?>> writers = new ArrayList<>();
            for (List<ChangeEvent> events : List.of(ofFirst.subList(0, 6), ofFirst.subList(6, 12))) {
                writers.add(pool.submit(() -> events.forEach(e -> first.feed()
                        .record(new StepRecord(e.seq(), 1, true, null, List.of(publish(e, null))))
                        .join())));
            }
            for (List<ChangeEvent> events : List.of(ofSecond.subList(0, 6), ofSecond.subList(6, 12))) {
                writers.add(pool.submit(() -> events.forEach(e -> second.feed()
                        .record(new StepRecord(e.seq(), 1, true, null, List.of(publish(e, null))))
                        .join())));
            }
            for (Future<?> writer : writers) {
                writer.get();
            }
            publishing.set(false);
            reader.get();
        } finally {
            pool.shutdownNow();
        }
        List<PublishedEvent> log = notifications.publishedAfter(start, Set.of(), 1000, Audience.EVERYONE);
        assertThat(log)
                .extracting(PublishedEvent::position)
                .as("gap-free positions after the start")
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(start + 1, start + 2L * perNode)
                        .boxed()
                        .toList());
        assertThat(readerPositions)
                .as("a reader polling meanwhile saw each position once, in order, none skipped")
                .containsExactlyElementsOf(
                        log.stream().map(PublishedEvent::position).toList());
        Set<String> ids = new HashSet<>();
        for (ChangeEvent e : ofFirst) {
            ids.add(e.eventId().toString());
        }
        for (ChangeEvent e : ofSecond) {
            ids.add(e.eventId().toString());
        }
        assertThat(log)
                .allSatisfy(e -> assertThat(ids).anyMatch(id -> e.envelope().contains(id)));
        assertThat(ids).allSatisfy(id -> assertThat(log)
                .filteredOn(e -> e.envelope().contains(id))
                .hasSize(1));
    }

    @Test
    void publishedEventsAreFilteredByTypeAndByTheClientTheyConcern() {
        Node node = node(Clock.systemUTC());
        long start = notifications.lastPosition();
        ChangeEvent shared = heldEvent(node, "filter-node");
        ChangeEvent ofA = heldEvent(node, "filter-node");
        node.feed()
                .record(new StepRecord(shared.seq(), 1, true, null, List.of(publish(shared, null))))
                .join();
        node.feed()
                .record(new StepRecord(ofA.seq(), 1, true, null, List.of(publish(ofA, "client-a"))))
                .join();

        assertThat(notifications.publishedAfter(start, Set.of(), 10, Audience.of("client-b")))
                .extracting(PublishedEvent::envelope)
                .singleElement()
                .satisfies(e -> assertThat(e).contains(shared.eventId().toString()));
        assertThat(notifications.publishedAfter(start, Set.of(), 10, Audience.of("client-a")))
                .hasSize(2);
        assertThat(notifications.publishedAfter(start, Set.of(ChangeEvent.MESSAGE_STATUS), 10, Audience.EVERYONE))
                .isEmpty();
        assertThat(notifications.publishedAfter(start, Set.of(ChangeEvent.MESSAGE_RECEIVED), 1, Audience.EVERYONE))
                .extracting(PublishedEvent::position)
                .containsExactly(start + 1);
    }

    @Test
    void pruningForgetsTheOldestEventsAndReadersStartAfterThem() {
        Instant base = Instant.now().plus(Duration.ofDays(400));
        Tables own = new Tables(FakeDynamo.uniquePrefix("prune"), 1);
        own.create(dynamo.client(), Tables.TimeToLive.SKIP);
        Clock[] at = {Clock.fixed(base, ZoneOffset.UTC)};
        Clock moving = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return at[0].instant();
            }
        };
        Outbox outbox = new Outbox(dynamo.client(), own, moving);
        DynamoDbFeedStore feed = new DynamoDbFeedStore(
                dynamo.client(), own, moving, outbox, new Deliveries(dynamo.client(), own, moving), Duration.ofDays(7));
        DynamoDbNotificationStore log = new DynamoDbNotificationStore(dynamo.client(), own, moving, null);
        for (int day = 0; day < 3; day++) {
            at[0] = Clock.fixed(base.plus(Duration.ofDays(day)), ZoneOffset.UTC);
            String conversation = "conv-" + UUID.randomUUID();
            CommitEvent event = new CommitEvent.ConversationCreated(conversation, "+15550100", CarrierType.TWILIO);
            Transact.write(dynamo.client(), "test event", () -> {
                Writes writes = new Writes();
                return new Transact.Planned<>(writes, outbox.append(writes, List.of(event), moving.instant()));
            });
            ChangeEvent held = feed.claim("prune-node", moving.instant(), Duration.ofMinutes(1), 10)
                    .getFirst();
            feed.record(new StepRecord(held.seq(), 1, true, null, List.of(publish(held, null), publish(held, null))))
                    .join();
        }
        assertThat(log.lastPosition()).isEqualTo(6);

        assertThat(log.prunePublishedBefore(base.plus(Duration.ofHours(36)))).isEqualTo(4);
        assertThat(log.prunePublishedBefore(base.plus(Duration.ofHours(36)))).isZero();
        assertThat(log.publishedAfter(0, Set.of(), 10, Audience.EVERYONE))
                .extracting(PublishedEvent::position)
                .containsExactly(5L, 6L);
        assertThat(log.lastPosition()).isEqualTo(6);
        Map<String, AttributeValue> kept = dynamo.client()
                .getItem(r -> r.tableName(own.name(Tables.PUBLISHED_EVENTS))
                        .key(Map.of(
                                Tables.PublishedEvents.PAGE, AttributeValue.fromN("0"),
                                Tables.PublishedEvents.POSITION, AttributeValue.fromN("5"))))
                .item();
        assertThat(Long.parseLong(kept.get(Tables.PublishedEvents.EXPIRES_AT).n()))
                .as("the TTL backstop: a week after it was published")
                .isEqualTo(base.plus(Duration.ofDays(2 + 7)).getEpochSecond());
        assertThat(log.prunePublishedBefore(base.plus(Duration.ofDays(30)))).isEqualTo(2);
        assertThat(log.publishedAfter(0, Set.of(), 10, Audience.EVERYONE)).isEmpty();
        assertThat(log.lastPosition()).as("positions are never given twice").isEqualTo(6);
    }

    @Test
    void subscriptionsAreStoredListedPerClientAndDeleted() {
        Subscription ofA = notifications.addSubscription(new Subscription(
                null,
                "https://a.example/hook",
                Set.of("message.received", "message.status"),
                "secret-a-0123456789",
                null,
                "sub-client-a",
                false));
        Subscription ofB = notifications.addSubscription(new Subscription(
                null,
                "https://b.example/hook",
                Set.of("conversation.created"),
                "secret-b-0123456789",
                null,
                "sub-client-b",
                true));

        assertThat(notifications.subscription(ofA.id())).hasValueSatisfying(s -> {
            assertThat(s.url()).isEqualTo("https://a.example/hook");
            assertThat(s.events()).containsExactlyInAnyOrder("message.received", "message.status");
            assertThat(s.secret()).isEqualTo("secret-a-0123456789");
            assertThat(s.client()).isEqualTo("sub-client-a");
            assertThat(s.seesAll()).isFalse();
            assertThat(s.createdAt()).isEqualTo(ofA.createdAt());
        });
        assertThat(notifications.subscriptions(Audience.of("sub-client-a")))
                .extracting(Subscription::id)
                .containsExactly(ofA.id());
        assertThat(notifications.subscriptions(Audience.EVERYONE))
                .extracting(Subscription::id)
                .containsSubsequence(ofA.id(), ofB.id());
        assertThat(notifications.deleteSubscription(ofA.id())).isTrue();
        assertThat(notifications.deleteSubscription(ofA.id())).isFalse();
        assertThat(notifications.subscription(ofA.id())).isEmpty();
        assertThat(notifications.deleteSubscription(ofB.id())).isTrue();
    }

    @Test
    void aRotatedClientSecretKeepsThePreviousOneForTheOverlapAndRotationsAtOnceChainInOrder() throws Exception {
        DynamoDbClientSecretStore secrets = new DynamoDbClientSecretStore(dynamo.client(), tables, Clock.systemUTC());
        String client = "rotating-" + UUID.randomUUID();
        assertThat(secrets.clientSecret(client)).isEmpty();
        ClientSecret first = secrets.rotateClientSecret(client, "whsec_first_0123456789", Duration.ofHours(24));
        assertThat(first.previous()).isNull();
        assertThat(first.previousUntil()).isNull();
        ClientSecret second = secrets.rotateClientSecret(client, "whsec_second_0123456789", Duration.ofHours(24));
        assertThat(second.previous()).isEqualTo("whsec_first_0123456789");
        assertThat(second.previousUntil()).isEqualTo(second.rotatedAt().plus(Duration.ofHours(24)));
        assertThat(secrets.clientSecret(client)).contains(second);
        assertThat(second.signingAt(Instant.now()))
                .containsExactly("whsec_second_0123456789", "whsec_first_0123456789");
        assertThat(second.signingAt(Instant.now().plus(Duration.ofHours(25))))
                .containsExactly("whsec_second_0123456789");

        // two nodes rotate at once: neither is lost, the later one's previous secret is the earlier one's
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<ClientSecret> a =
                    pool.submit(() -> secrets.rotateClientSecret(client, "whsec_a_0123456789", Duration.ofHours(1)));
            Future<ClientSecret> b =
                    pool.submit(() -> new DynamoDbClientSecretStore(dynamo.client(), tables, Clock.systemUTC())
                            .rotateClientSecret(client, "whsec_b_0123456789", Duration.ofHours(1)));
            ClientSecret ra = a.get();
            ClientSecret rb = b.get();
            ClientSecret last = secrets.clientSecret(client).orElseThrow();
            assertThat(Set.of(ra.previous(), rb.previous()))
                    .containsExactlyInAnyOrder(
                            "whsec_second_0123456789", last.secret().equals(ra.secret()) ? rb.secret() : ra.secret());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rulesAreStoredWithTheirOwnerListedOldestFirstAndDeleted() throws Exception {
        DynamoDbRuleStore rules = new DynamoDbRuleStore(dynamo.client(), tables, Clock.systemUTC());
        Rule parsed = RuleParser.parse(Json.MAPPER.readTree("""
                        {"name": "vip", "match": {"keywords": ["gold"]}, "actions": [{"type": "tag", "tag": "vip"}]}"""), null);
        Rule stored = rules.addRule(parsed.ownedBy("rule-client"));
        Thread.sleep(2);
        Rule other = rules.addRule(parsed);
        assertThat(rules.storedRules()).extracting(Rule::id).containsSubsequence(stored.id(), other.id());
        assertThat(rules.storedRules())
                .filteredOn(r -> r.id().equals(stored.id()))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.client()).isEqualTo("rule-client");
                    assertThat(RuleParser.toJson(r)).isEqualTo(RuleParser.toJson(stored));
                });
        // a rule the parser no longer takes is left out, not fatal
        dynamo.client().putItem(r -> r.tableName(tables.name(Tables.SETTINGS))
                .item(Map.of(
                        Tables.Settings.KIND, AttributeValue.fromS(Tables.Settings.RULE),
                        Tables.Settings.ID, AttributeValue.fromS("rule_broken"),
                        Tables.Settings.VALUE, AttributeValue.fromS("{\"definition\": {\"actions\": \"nope\"}}"),
                        Tables.Settings.CREATED_AT, AttributeValue.fromS(SortableTime.format(Instant.now())))));
        assertThat(rules.storedRules())
                .extracting(Rule::id)
                .doesNotContain("rule_broken")
                .contains(stored.id());
        assertThat(rules.deleteRule(stored.id())).isTrue();
        assertThat(rules.deleteRule(stored.id())).isFalse();
        assertThat(rules.rulesFired("msg-none")).isEmpty();
    }
}
