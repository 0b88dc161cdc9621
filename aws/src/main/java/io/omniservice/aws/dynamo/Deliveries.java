package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.Items.n;
import static io.omniservice.aws.dynamo.Items.s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.notify.Subscription;
import io.omniservice.core.outbound.CallbackDelivery;
import io.omniservice.core.outbound.DeadLetter;
import io.omniservice.core.store.plan.DeadLetterPayloads;
import io.omniservice.core.store.plan.EventDeliveries;
import io.omniservice.core.workflow.Effect;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Outgoing deliveries on the {@code deliveries} table: status callbacks, subscriptions' events and rules'
 * forwards, each order key a lane ({@link Lanes}) whose deliveries go out one at a time, oldest first. This is
 * the delivery side of the outbound store port (the five methods the outbound store hands here), and the one
 * codec of the table's items: the message store's commit plans its status callbacks with {@link #append}, the
 * feed store's workflow progress its events and forwards. One instance per storage, shared by all three, since
 * the hand-off and the leases this node holds live here.
 */
public final class Deliveries {
    private static final Logger LOG = LoggerFactory.getLogger(Deliveries.class);

    private final DynamoDbClient client;
    private final Tables tables;
    private final Clock clock;
    private final Lanes lanes;
    private final PublishedLog log;
    private volatile Handoff handoff;

    private record Handoff(String owner, Duration lease, Consumer<List<CallbackDelivery>> listener) {}

    public Deliveries(DynamoDbClient client, Tables tables, Clock clock) {
        this(client, tables, clock, new EventSequence(clock));
    }

    public Deliveries(DynamoDbClient client, Tables tables, Clock clock, EventSequence sequence) {
        this.client = client;
        this.tables = tables;
        this.clock = clock;
        this.lanes = new Lanes(client, tables, Tables.DELIVERIES, Tables.Deliveries.ORDER_KEY, sequence);
        this.log = new PublishedLog(client, tables, null);
    }

    // ---- writing new deliveries -------------------------------------------------------------------------

    /**
     * A delivery to queue. A callback's or forward's body is {@code payload}, kept in the item; an event's is
     * the published envelope at {@code publishedPosition}, which the item names instead of copying.
     *
     * @param envelope an event's body, for the copy handed over right after its commit (not stored)
     * @param secret an event's subscription secret, for the same (not stored)
     */
    public record NewDelivery(
            String orderKey,
            String kind,
            String messageId,
            String url,
            String payload,
            String client,
            String subscriptionId,
            Long publishedPosition,
            String envelope,
            String secret) {
        public NewDelivery {
            Objects.requireNonNull(orderKey, "orderKey");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(url, "url");
            if (payload == null && publishedPosition == null) {
                throw new IllegalArgumentException("a delivery needs a body or the position of its event");
            }
        }

        /** A message's status change to its {@code callbackUrl}, signed with its client's secret. */
        public static NewDelivery callback(String messageId, String url, String client, String body) {
            return new NewDelivery(
                    EventDeliveries.callbackOrder(messageId),
                    CallbackDelivery.CALLBACK,
                    messageId,
                    url,
                    Objects.requireNonNull(body, "body"),
                    client,
                    null,
                    null,
                    null,
                    null);
        }

        /** A published event to a subscription. */
        static NewDelivery event(EventDeliveries.ToSubscription to, long position, String envelope) {
            return new NewDelivery(
                    to.orderKey(),
                    CallbackDelivery.EVENT,
                    to.messageId(),
                    to.subscription().url(),
                    null,
                    null,
                    to.subscription().id(),
                    position,
                    envelope,
                    to.subscription().secret());
        }

        /** A rule's forward. */
        static NewDelivery forward(Effect.Forward forward) {
            return new NewDelivery(
                    EventDeliveries.orderOf(forward),
                    CallbackDelivery.FORWARD,
                    forward.messageId(),
                    forward.url().toString(),
                    forward.body(),
                    forward.client(),
                    null,
                    null,
                    null,
                    null);
        }
    }

    /** What one planned transaction queues, and what it hands over once that transaction is written. */
    public final class Appending {
        private final List<CallbackDelivery> handedOver;
        private final List<Lanes.Appended> leased;
        private final Handoff to;

        private Appending(List<CallbackDelivery> handedOver, List<Lanes.Appended> leased, Handoff to) {
            this.handedOver = handedOver;
            this.leased = leased;
            this.to = to;
        }

        /** Call once the transaction is written (never when it was not). */
        public void committed() {
            if (to == null || leased.isEmpty()) {
                return;
            }
            for (Lanes.Appended one : leased) {
                lanes.hold(one.lane(), one.seq(), to.owner());
            }
            try {
                to.listener().accept(List.copyOf(handedOver));
            } catch (RuntimeException e) {
                LOG.warn("deliveries not handed over: {}", e.toString());
            }
        }
    }

    /**
     * Plans queuing deliveries into {@code writes}, each after its order's last (heads read here, strongly
     * consistently). With {@code handOff} and a dispatcher handed to, an event delivery that is first in its
     * order is written leased to this node and handed over after the commit; every other one waits for a claim.
     * Plan again for every attempt of the transaction.
     */
    public Appending append(Writes writes, List<NewDelivery> deliveries, boolean handOff, Instant now) {
        return append(
                writes, heads(deliveries.stream().map(NewDelivery::orderKey).toList()), deliveries, handOff, now);
    }

    /** The heads of these orders, read strongly consistently, for {@link #append(Writes, Map, List, boolean, Instant)}. */
    Map<String, Lanes.Head> heads(java.util.Collection<String> orderKeys) {
        return orderKeys.isEmpty() ? Map.of() : lanes.heads(orderKeys);
    }

    /** {@link #append(Writes, List, boolean, Instant)} after heads read before (every order's among them). */
    Appending append(
            Writes writes, Map<String, Lanes.Head> heads, List<NewDelivery> deliveries, boolean handOff, Instant now) {
        if (deliveries.isEmpty()) {
            return new Appending(List.of(), List.of(), null);
        }
        Instant at = SortableTime.stored(now);
        Handoff to = handOff ? handoff : null;
        Lanes.Lease lease = to == null ? null : new Lanes.Lease(to.owner(), SortableTime.stored(at.plus(to.lease())));
        Map<String, List<NewDelivery>> byOrder = new LinkedHashMap<>();
        for (NewDelivery delivery : deliveries) {
            byOrder.computeIfAbsent(delivery.orderKey(), k -> new ArrayList<>()).add(delivery);
        }
        List<CallbackDelivery> handedOver = new ArrayList<>();
        List<Lanes.Appended> leased = new ArrayList<>();
        for (Map.Entry<String, List<NewDelivery>> order : byOrder.entrySet()) {
            List<Map<String, AttributeValue>> bodies = new ArrayList<>();
            for (NewDelivery delivery : order.getValue()) {
                bodies.add(body(delivery, at));
            }
            boolean leaseThese =
                    lease != null && order.getValue().getFirst().kind().equals(CallbackDelivery.EVENT);
            List<Lanes.Appended> appended =
                    lanes.append(writes, heads.get(order.getKey()), bodies, leaseThese ? lease : null, false, at);
            for (int i = 0; i < appended.size(); i++) {
                Lanes.Appended one = appended.get(i);
                if (one.leased()) {
                    NewDelivery delivery = order.getValue().get(i);
                    leased.add(one);
                    handedOver.add(new CallbackDelivery(
                            one.seq(),
                            delivery.kind(),
                            delivery.messageId(),
                            delivery.url(),
                            delivery.payload() != null ? delivery.payload() : delivery.envelope(),
                            0,
                            delivery.secret(),
                            at,
                            delivery.client()));
                }
            }
        }
        return new Appending(handedOver, leased, to);
    }

    private static Map<String, AttributeValue> body(NewDelivery delivery, Instant now) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(Tables.Deliveries.KIND, s(delivery.kind()));
        Items.putString(item, Tables.Deliveries.MESSAGE_ID, delivery.messageId());
        item.put(Tables.Deliveries.URL, s(delivery.url()));
        Items.putString(item, Tables.Deliveries.PAYLOAD, delivery.payload());
        Items.putString(item, Tables.Deliveries.CLIENT_ID, delivery.client());
        Items.putString(item, Tables.Deliveries.SUBSCRIPTION_ID, delivery.subscriptionId());
        if (delivery.publishedPosition() != null) {
            item.put(Tables.Deliveries.PUBLISHED_POSITION, n(delivery.publishedPosition()));
        }
        item.put(Tables.Deliveries.ATTEMPTS, n(0));
        item.put(Tables.Deliveries.CREATED_AT, Items.time(now));
        return item;
    }

    /** The deliveries of a workflow step's published events (at these positions) to these subscriptions. */
    static List<NewDelivery> ofPublished(
            List<Effect.Publish> published, List<Long> positions, List<EventDeliveries.ToSubscription> subscriptions) {
        List<NewDelivery> deliveries = new ArrayList<>();
        for (EventDeliveries.ToSubscription to : subscriptions) {
            deliveries.add(NewDelivery.event(
                    to,
                    positions.get(to.published()),
                    published.get(to.published()).json()));
        }
        return deliveries;
    }

    // ---- the outbound store's delivery side -------------------------------------------------------------

    /** See {@link io.omniservice.core.outbound.OutboundStore#handOffDeliveries}. */
    public void handOffDeliveries(String owner, Duration lease, Consumer<List<CallbackDelivery>> listener) {
        handoff = listener == null ? null : new Handoff(Objects.requireNonNull(owner, "owner"), lease, listener);
    }

    /**
     * See {@link io.omniservice.core.outbound.OutboundStore#claimCallbacks}. An event whose subscription was
     * deleted meanwhile is dropped here (its order goes on), as is one whose event was pruned from the log.
     */
    public List<CallbackDelivery> claimCallbacks(String owner, Instant now, Duration lease, int max) {
        List<CallbackDelivery> claimed = new ArrayList<>();
        List<Map<String, AttributeValue>> items = lanes.claim(owner, now, lease, max);
        if (items.isEmpty()) {
            return claimed;
        }
        Map<String, Subscription> subscriptions = DynamoDbNotificationStore.subscriptionsById(
                client,
                tables,
                items.stream()
                        .map(i -> Items.string(i, Tables.Deliveries.SUBSCRIPTION_ID))
                        .filter(Objects::nonNull)
                        .distinct()
                        .toList());
        Map<Long, String> envelopes = log.envelopes(items.stream()
                .filter(i -> !i.containsKey(Tables.Deliveries.PAYLOAD)
                        && i.containsKey(Tables.Deliveries.PUBLISHED_POSITION))
                .map(i -> Items.number(i, Tables.Deliveries.PUBLISHED_POSITION, 0))
                .toList());
        for (Map<String, AttributeValue> item : items) {
            long seq = Lanes.seq(item);
            String subscriptionId = Items.string(item, Tables.Deliveries.SUBSCRIPTION_ID);
            Subscription subscription = subscriptionId == null ? null : subscriptions.get(subscriptionId);
            String payload = Items.string(item, Tables.Deliveries.PAYLOAD);
            if (payload == null && item.containsKey(Tables.Deliveries.PUBLISHED_POSITION)) {
                payload = envelopes.get(Items.number(item, Tables.Deliveries.PUBLISHED_POSITION, 0));
            }
            if ((subscriptionId != null && subscription == null) || payload == null) {
                LOG.info(
                        "delivery {} dropped: {}",
                        seq,
                        payload == null ? "its event was pruned from the log" : "its subscription was deleted");
                drop(lanes.held(seq));
                continue;
            }
            claimed.add(new CallbackDelivery(
                    seq,
                    Items.string(item, Tables.Deliveries.KIND),
                    Items.string(item, Tables.Deliveries.MESSAGE_ID),
                    Items.string(item, Tables.Deliveries.URL),
                    payload,
                    (int) Items.number(item, Tables.Deliveries.ATTEMPTS, 0),
                    subscription == null ? null : subscription.secret(),
                    Items.instant(item, Tables.Deliveries.CREATED_AT),
                    Items.string(item, Tables.Deliveries.CLIENT_ID)));
        }
        return claimed;
    }

    private void drop(Lanes.Held held) {
        if (held == null) {
            return;
        }
        try {
            ending(held, "a dropped delivery", (writes, item) -> {});
        } catch (RuntimeException e) {
            LOG.warn("delivery {} not dropped, its lease runs out: {}", held.seq(), e.toString());
        }
    }

    /**
     * See {@link io.omniservice.core.outbound.OutboundStore#waitingEventDeliveries}: the lanes' first items, which
     * are what {@code due-index} holds, those of subscriptions.
     */
    public List<io.omniservice.core.notify.DeliveryState.Waiting> waitingEvents(int max) {
        List<io.omniservice.core.notify.DeliveryState.Waiting> waiting = new ArrayList<>();
        for (Map<String, AttributeValue> item : lanes.firsts(max)) {
            String subscriptionId = Items.string(item, Tables.Deliveries.SUBSCRIPTION_ID);
            if (subscriptionId != null && waiting.size() < max) {
                waiting.add(new io.omniservice.core.notify.DeliveryState.Waiting(
                        subscriptionId,
                        (int) Items.number(item, Tables.Deliveries.ATTEMPTS, 0),
                        Items.instant(item, Tables.Deliveries.NEXT_ATTEMPT_AT),
                        Items.string(item, Tables.Deliveries.LAST_ERROR)));
            }
        }
        return waiting;
    }

    /** See {@link io.omniservice.core.outbound.OutboundStore#releaseCallbackLeasesOf}. */
    public int releaseCallbackLeasesOf(String owner) {
        return lanes.releaseLeasesOf(owner);
    }

    /**
     * See {@link io.omniservice.core.outbound.OutboundStore#callbackDelivered}: written before the future
     * completes; a failed future when this node does not hold the delivery (its lease ran out and another node
     * took it, say), which the dispatcher may ignore.
     */
    public CompletableFuture<Void> callbackDelivered(long id) {
        try {
            ending(held(id), "the delivered delivery " + id, (writes, item) -> {});
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * See {@link io.omniservice.core.outbound.OutboundStore#callbackFailed}: tried again at {@code retryAt}, or,
     * when it is null, ended and dead-lettered in one transaction.
     *
     * @throws IllegalArgumentException when this node does not hold the delivery
     */
    public void callbackFailed(long id, String error, Instant retryAt) {
        Lanes.Held held = held(id);
        if (retryAt != null) {
            lanes.putOff(held, SortableTime.stored(retryAt), item -> {
                Map<String, AttributeValue> set = new HashMap<>();
                set.put(Tables.Deliveries.ATTEMPTS, n(Items.number(item, Tables.Deliveries.ATTEMPTS, 0) + 1));
                set.put(Tables.Deliveries.LAST_ERROR, error == null ? null : s(error));
                return set;
            });
            return;
        }
        ending(held, "the dead delivery " + id, (writes, item) -> {
            String payload = Items.string(item, Tables.Deliveries.PAYLOAD);
            if (payload == null && item.containsKey(Tables.Deliveries.PUBLISHED_POSITION)) {
                long position = Items.number(item, Tables.Deliveries.PUBLISHED_POSITION, 0);
                payload = log.envelopes(List.of(position)).get(position);
            }
            DeadLetterPayloads.Delivery kept = new DeadLetterPayloads.Delivery(
                    Items.string(item, Tables.Deliveries.URL),
                    Items.string(item, Tables.Deliveries.SUBSCRIPTION_ID),
                    Items.string(item, Tables.Deliveries.ORDER_KEY),
                    payload == null ? null : json(payload),
                    Items.string(item, Tables.Deliveries.CLIENT_ID));
            DeadLetter letter = DeadLetterItems.letter(
                    Items.string(item, Tables.Deliveries.KIND),
                    Items.string(item, Tables.Deliveries.MESSAGE_ID),
                    kept.toJson(),
                    (int) Items.number(item, Tables.Deliveries.ATTEMPTS, 0) + 1,
                    error,
                    clock.instant());
            putLetter(writes, tables, letter);
        });
    }

    /**
     * Plans a replayed dead delivery back into its order, after what waits there, for another round of
     * attempts (the outbound store's replay puts this and the letter's mark in one transaction).
     */
    public Appending appendReplayed(Writes writes, DeadLetter letter, Instant now) {
        DeadLetterPayloads.Delivery kept = DeadLetterPayloads.Delivery.from(letter.payload());
        if (kept.url() == null) {
            throw new IllegalArgumentException("dead letter " + letter.id() + " names no URL to deliver to");
        }
        NewDelivery delivery = new NewDelivery(
                kept.orderKey() != null ? kept.orderKey() : EventDeliveries.callbackOrder(letter.messageId()),
                letter.kind(),
                letter.messageId(),
                kept.url(),
                kept.event() == null ? "null" : Json.text(kept.event()),
                kept.client(),
                kept.subscriptionId(),
                null,
                null,
                null);
        return append(writes, List.of(delivery), false, now);
    }

    /** Puts a dead letter in a transaction, refused if its id exists. */
    static void putLetter(Writes writes, Tables tables, DeadLetter letter) {
        DeadLetterItems.put(writes, tables, letter);
    }

    private Lanes.Held held(long id) {
        Lanes.Held held = lanes.held(id);
        if (held == null) {
            throw new IllegalArgumentException("delivery " + id + " is not held by this node");
        }
        return held;
    }

    /** Ends a held delivery with {@code also} written in the same transaction; the node forgets it once written. */
    private void ending(
            Lanes.Held held, String what, java.util.function.BiConsumer<Writes, Map<String, AttributeValue>> also) {
        try {
            Transact.write(client, what, () -> {
                Writes writes = new Writes();
                Map<String, AttributeValue> item = lanes.end(writes, held);
                also.accept(writes, item);
                return new Transact.Planned<>(writes, null);
            });
        } catch (Lanes.NotHeld gone) {
            lanes.forget(held.seq());
            throw new IllegalStateException(gone.getMessage());
        }
        lanes.forget(held.seq());
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return Json.MAPPER.getNodeFactory().textNode(text);
        }
    }
}
