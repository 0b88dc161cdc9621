package io.omniservice.aws.dynamo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.notify.Subscription;
import io.omniservice.core.outbound.CallbackDelivery;
import io.omniservice.core.outbound.DeadLetter;
import io.omniservice.core.store.plan.EventDeliveries;
import io.omniservice.core.workflow.Effect;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 * The delivery side of the outbound store on the http4k fake: each order's deliveries one at a time, retries,
 * dead letters and their replay, hand-off, takeover, and deliveries of a deleted subscription. Tests share the
 * tables and look only at their own messages.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeliveriesTest {
    private static final Duration LEASE = Duration.ofMinutes(1);

    private FakeDynamo dynamo;
    private Tables tables;
    private Deliveries deliveries;
    private DynamoDbNotificationStore notifications;

    @BeforeAll
    void start() {
        dynamo = FakeDynamo.start();
        tables = new Tables(FakeDynamo.uniquePrefix("deliveries"), 2);
        tables.create(dynamo.client(), Tables.TimeToLive.SKIP);
        deliveries = new Deliveries(dynamo.client(), tables, Clock.systemUTC());
        notifications = new DynamoDbNotificationStore(dynamo.client(), tables, Clock.systemUTC(), null);
    }

    @AfterAll
    void stop() {
        dynamo.close();
    }

    private Deliveries.Appending queue(Deliveries on, List<Deliveries.NewDelivery> queued, boolean handOff) {
        Deliveries.Appending appending = Transact.write(dynamo.client(), "test deliveries", () -> {
            Writes writes = new Writes();
            return new Transact.Planned<>(writes, on.append(writes, queued, handOff, Instant.now()));
        });
        appending.committed();
        return appending;
    }

    private List<CallbackDelivery> claimOf(Deliveries on, String owner, Instant now, String messageId) {
        List<CallbackDelivery> claimed = on.claimCallbacks(owner, now, LEASE, 10_000);
        for (CallbackDelivery other : claimed) {
            if (!messageId.equals(other.messageId())) {
                on.callbackFailed(other.id(), "not this test's", Instant.now().minusSeconds(1));
            }
        }
        return claimed.stream().filter(d -> messageId.equals(d.messageId())).toList();
    }

    private static String messageId() {
        return "msg-" + UUID.randomUUID();
    }

    @Test
    void aMessagesCallbacksGoOneAtATimeInOrderAreRetriedThenDeadLetteredAndReplayed() {
        String id = messageId();
        queue(
                deliveries,
                List.of(
                        Deliveries.NewDelivery.callback(
                                id, "https://cb.example/1", "client-x", "{\"status\":\"sent\"}"),
                        Deliveries.NewDelivery.callback(
                                id, "https://cb.example/1", "client-x", "{\"status\":\"delivered\"}")),
                false);
        List<CallbackDelivery> first = claimOf(deliveries, "cb-node", Instant.now(), id);
        assertThat(first).singleElement().satisfies(d -> {
            assertThat(d.payload()).contains("sent");
            assertThat(d.kind()).isEqualTo(CallbackDelivery.CALLBACK);
            assertThat(d.client()).isEqualTo("client-x");
            assertThat(d.attempts()).isZero();
        });
        assertThat(claimOf(deliveries, "cb-node", Instant.now(), id))
                .as("the next waits")
                .isEmpty();
        deliveries.callbackDelivered(first.getFirst().id()).join();

        CallbackDelivery second =
                claimOf(deliveries, "cb-node", Instant.now(), id).getFirst();
        assertThat(second.payload()).contains("delivered");
        deliveries.callbackFailed(second.id(), "HTTP 500", Instant.now().plusSeconds(60));
        assertThat(claimOf(deliveries, "cb-node", Instant.now(), id)).isEmpty();
        CallbackDelivery retry = claimOf(deliveries, "cb-node", Instant.now().plusSeconds(61), id)
                .getFirst();
        assertThat(retry.attempts()).isEqualTo(1);

        deliveries.callbackFailed(retry.id(), "HTTP 502", null);
        assertThat(claimOf(deliveries, "cb-node", Instant.now().plusSeconds(120), id))
                .isEmpty();
        DeadLetter letter = DeadLetterItems.newest(dynamo.client(), tables, 100).stream()
                .filter(d -> id.equals(d.messageId()))
                .findFirst()
                .orElseThrow();
        assertThat(letter.kind()).isEqualTo("callback");
        assertThat(letter.attempts()).isEqualTo(2);
        assertThat(letter.lastError()).isEqualTo("HTTP 502");
        assertThat(letter.payload().path("url").asText()).isEqualTo("https://cb.example/1");
        assertThat(letter.payload().path("event").path("status").asText()).isEqualTo("delivered");

        Transact.write(dynamo.client(), "replay", () -> {
            Writes writes = new Writes();
            return new Transact.Planned<>(writes, deliveries.appendReplayed(writes, letter, Instant.now()));
        });
        assertThat(claimOf(deliveries, "cb-node", Instant.now().plusSeconds(1), id))
                .singleElement()
                .satisfies(d -> {
                    assertThat(d.payload()).contains("delivered");
                    assertThat(d.client()).as("signed by its client again").isEqualTo("client-x");
                    assertThat(d.attempts()).isZero();
                });
    }

    @Test
    void anEventFirstInItsOrderIsHandedOverLeasedAndTheNextOfThatOrderWaits() {
        Deliveries node = new Deliveries(dynamo.client(), tables, Clock.systemUTC());
        List<CallbackDelivery> handed = new CopyOnWriteArrayList<>();
        node.handOffDeliveries("hand-node", LEASE, handed::addAll);
        Subscription subscription = new Subscription(
                "sub-" + UUID.randomUUID(),
                "https://sub.example",
                Set.of("message.received"),
                "secret-0123456789x",
                Instant.now(),
                "c",
                true);
        String id = messageId();
        String order = subscription.id() + "/conv-1";
        var to = new EventDeliveries.ToSubscription(0, subscription, order, id);
        queue(node, List.of(Deliveries.NewDelivery.event(to, 41, "{\"n\":1}")), true);
        assertThat(handed).singleElement().satisfies(d -> {
            assertThat(d.payload()).isEqualTo("{\"n\":1}");
            assertThat(d.secret()).isEqualTo("secret-0123456789x");
            assertThat(d.kind()).isEqualTo(CallbackDelivery.EVENT);
        });
        assertThat(claimOf(deliveries, "other-node", Instant.now(), id))
                .as("leased to hand-node")
                .isEmpty();

        queue(node, List.of(Deliveries.NewDelivery.event(to, 42, "{\"n\":2}")), true);
        assertThat(handed).as("the second waits behind the first").hasSize(1);

        node.handOffDeliveries("hand-node", null, null);
        assertThat(node.releaseCallbackLeasesOf("hand-node")).isEqualTo(1);
        // its subscription is not stored (deleted, as it were): claimed, its deliveries are dropped in order
        assertThat(claimOf(deliveries, "other-node", Instant.now(), id)).isEmpty();
        assertThat(claimOf(deliveries, "other-node", Instant.now(), id)).isEmpty();
        Map<String, AttributeValue> head = dynamo.client()
                .getItem(r -> r.tableName(tables.name(Tables.DELIVERIES))
                        .key(Map.of(
                                Tables.Deliveries.ORDER_KEY, AttributeValue.fromS(order),
                                Tables.Deliveries.SEQ, AttributeValue.fromN("0"))))
                .item();
        assertThat(head.get(Tables.Deliveries.PENDING).n()).isEqualTo("0");
    }

    @Test
    void anEventIsDeliveredWithItsLoggedEnvelopeAndItsSubscriptionsSecretAndALapsedLeaseIsTakenOver() {
        Subscription subscription = notifications.addSubscription(new Subscription(
                null, "https://sub.example/e", Set.of("message.received"), "secret-event-012345", null, "c", true));
        String id = messageId();
        // the log's position 1 of these tables, written as a publish would
        Transact.write(dynamo.client(), "log", () -> {
            Writes writes = new Writes();
            PublishedLog log = new PublishedLog(dynamo.client(), tables, null);
            log.append(
                    writes,
                    log.head(),
                    List.of(new Effect.Publish(
                            new io.omniservice.core.notify.EventEnvelope(
                                    UUID.randomUUID(), "message.received", Instant.now(), null),
                            "conv-e",
                            "{\"logged\":true}",
                            null)),
                    Instant.now());
            return new Transact.Planned<>(writes, null);
        });
        long position = notifications.lastPosition();
        var to = new EventDeliveries.ToSubscription(0, subscription, subscription.id() + "/conv-e", id);
        queue(deliveries, List.of(Deliveries.NewDelivery.event(to, position, "{\"logged\":true}")), false);

        Instant now = Instant.now();
        CallbackDelivery claimed = claimOf(deliveries, "first-node", now, id).getFirst();
        assertThat(claimed.payload()).isEqualTo("{\"logged\":true}");
        assertThat(claimed.secret()).isEqualTo("secret-event-012345");
        Deliveries second = new Deliveries(dynamo.client(), tables, Clock.systemUTC());
        assertThat(claimOf(second, "second-node", now.plusSeconds(30), id)).isEmpty();
        CallbackDelivery taken = claimOf(second, "second-node", now.plus(LEASE).plusSeconds(1), id)
                .getFirst();
        assertThat(taken.id()).isEqualTo(claimed.id());
        assertThat(deliveries.callbackDelivered(claimed.id()))
                .as("the first node lost it")
                .isCompletedExceptionally();
        second.callbackDelivered(taken.id()).join();
        notifications.deleteSubscription(subscription.id());
    }

    @Test
    void aForwardKeepsItsBodyAndClientAndUnheldDeliveriesAreRefusedClearly() {
        String id = messageId();
        queue(
                deliveries,
                List.of(Deliveries.NewDelivery.forward(new Effect.Forward(
                        URI.create("https://fw.example/in"), id, "conv-f", "{\"forwarded\":1}", "rule-owner"))),
                false);
        assertThat(claimOf(deliveries, "fw-node", Instant.now(), id))
                .singleElement()
                .satisfies(d -> {
                    assertThat(d.kind()).isEqualTo(CallbackDelivery.FORWARD);
                    assertThat(d.payload()).isEqualTo("{\"forwarded\":1}");
                    assertThat(d.client()).isEqualTo("rule-owner");
                    assertThat(d.url()).isEqualTo("https://fw.example/in");
                });
        assertThat(deliveries.callbackDelivered(987654321L)).isCompletedExceptionally();
        assertThatThrownBy(() -> deliveries.callbackFailed(987654321L, "x", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not held by this node");
    }
}
