package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.Items.n;
import static io.omniservice.aws.dynamo.Items.s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.aws.dynamo.Tables.ChangeEvents;
import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.feed.FeedStore;
import io.omniservice.core.json.Json;
import io.omniservice.core.outbound.DeadLetter;
import io.omniservice.core.store.plan.CommitEvent;
import io.omniservice.core.store.plan.DeadLetterPayloads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The {@code change-events} table as the writers of events see it: the one codec of its items, and what a
 * commit appends. The message store's commit (and a replayed dead letter) plans its events here, in its own
 * transaction; after the commit it calls {@link Appending#committed}, which hands the events written leased to
 * this node's worker ({@link FeedStore#handOffTo}). One instance per storage, shared by the message store and
 * the feed store, since the hand-off and the leases this node holds live here.
 */
public final class Outbox {
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private final Lanes lanes;
    private final Clock clock;
    private volatile Handoff handoff;

    /** Where this node's events go: its worker's owner name, the lease they are written with, the listener. */
    record Handoff(String owner, Duration lease, FeedStore.Committed listener) {}

    /** The hand-off now, or null when this node's worker takes none. */
    Handoff handoff() {
        return handoff;
    }

    public Outbox(DynamoDbClient client, Tables tables, Clock clock, EventSequence sequence) {
        this.lanes = new Lanes(client, tables, Tables.CHANGE_EVENTS, ChangeEvents.CONVERSATION_ID, sequence);
        this.clock = clock;
    }

    public Outbox(DynamoDbClient client, Tables tables, Clock clock) {
        this(client, tables, clock, new EventSequence(clock));
    }

    Lanes lanes() {
        return lanes;
    }

    Clock clock() {
        return clock;
    }

    /** See {@link FeedStore#handOffTo}. */
    void handOffTo(String owner, Duration lease, FeedStore.Committed listener) {
        handoff = new Handoff(Objects.requireNonNull(owner, "owner"), lease, listener);
    }

    void stopHandOff() {
        handoff = null;
    }

    /** One event written: the commit's event and the id it was given (a status callback's body names it). */
    public record Written(CommitEvent event, UUID eventId, long seq) {}

    /** What one planned commit appends, and what it hands over once that commit is written. */
    public final class Appending {
        private final List<Written> written;
        private final List<ChangeEvent> handedOver;
        private final Set<String> waiting;
        private final Handoff to;

        private Appending(List<Written> written, List<ChangeEvent> handedOver, Set<String> waiting, Handoff to) {
            this.written = written;
            this.handedOver = handedOver;
            this.waiting = waiting;
            this.to = to;
        }

        /** The events in the order they are written ({@link CommitEvent#inWriteOrder}). */
        public List<Written> written() {
            return written;
        }

        /**
         * Call once the commit is written (never when it was not): this node now holds what was written leased
         * to it, and its worker gets those events, and the conversations whose new events wait behind older ones.
         */
        public void committed() {
            if (to == null) {
                return;
            }
            for (ChangeEvent event : handedOver) {
                lanes.hold(event.conversationId(), event.seq(), to.owner());
            }
            if (handedOver.isEmpty() && waiting.isEmpty()) {
                return;
            }
            try {
                to.listener().committed(List.copyOf(handedOver), Set.copyOf(waiting));
            } catch (RuntimeException e) {
                // what was handed over is stored and leased: it runs when the lease runs out
                LOG.warn("change events not handed over: {}", e.toString());
            }
        }
    }

    /**
     * Plans a commit's change events after their conversations' heads (read here, strongly consistently), into
     * {@code writes}: each conversation's events in commit order after its last, the head advanced on the
     * condition that nothing changed it since. While this node hands off, the events of a conversation with
     * nothing pending are written leased to it; the others wait behind their conversation's older events. Plan
     * again for every attempt of the transaction.
     *
     * @throws IllegalArgumentException for an event without a conversation (its order has no lane)
     */
    public Appending append(Writes writes, List<? extends CommitEvent> events, Instant now) {
        return append(writes, events, now, true, null);
    }

    /**
     * {@link #append(Writes, List, Instant)}, handing the events over or not, with the conversations' head
     * items as the caller read them already (strongly consistently; null: read them here).
     *
     * @param handOff false for a transaction that cannot tell when it is written: its events are written free
     * @param headItems a conversation id → its head item (seq 0) as read, or null when it has none
     */
    public Appending append(
            Writes writes,
            List<? extends CommitEvent> events,
            Instant now,
            boolean handOff,
            java.util.function.Function<String, Map<String, AttributeValue>> headItems) {
        List<CommitEvent> ordered = CommitEvent.inWriteOrder(events);
        Map<String, List<CommitEvent>> byConversation = new LinkedHashMap<>();
        for (CommitEvent event : ordered) {
            if (event.conversationId() == null) {
                throw new IllegalArgumentException("a change event needs a conversation: " + event.type());
            }
            byConversation
                    .computeIfAbsent(event.conversationId(), c -> new ArrayList<>())
                    .add(event);
        }
        Handoff to = handOff ? handoff : null;
        Instant at = SortableTime.stored(now);
        Lanes.Lease lease = to == null ? null : new Lanes.Lease(to.owner(), SortableTime.stored(at.plus(to.lease())));
        Map<String, Lanes.Head> heads = new HashMap<>();
        if (headItems == null) {
            heads.putAll(lanes.heads(byConversation.keySet()));
        } else {
            byConversation.keySet().forEach(c -> heads.put(c, lanes.head(c, headItems.apply(c))));
        }
        Map<CommitEvent, Written> writtenByEvent = new java.util.IdentityHashMap<>();
        List<ChangeEvent> handedOver = new ArrayList<>();
        Set<String> waiting = new LinkedHashSet<>();
        for (Map.Entry<String, List<CommitEvent>> lane : byConversation.entrySet()) {
            List<UUID> ids = new ArrayList<>();
            List<Map<String, AttributeValue>> bodies = new ArrayList<>();
            for (CommitEvent event : lane.getValue()) {
                UUID id = UUID.randomUUID();
                ids.add(id);
                bodies.add(body(id, event.type(), event.messageId(), Json.MAPPER.valueToTree(event), at, 0, null));
            }
            List<Lanes.Appended> appended = lanes.append(writes, heads.get(lane.getKey()), bodies, lease, true, at);
            for (int i = 0; i < appended.size(); i++) {
                Lanes.Appended one = appended.get(i);
                CommitEvent event = lane.getValue().get(i);
                writtenByEvent.put(event, new Written(event, ids.get(i), one.seq()));
                if (one.leased()) {
                    handedOver.add(event(one.item()));
                } else if (to != null) {
                    waiting.add(lane.getKey());
                }
            }
        }
        List<Written> written = new ArrayList<>(ordered.size());
        for (CommitEvent event : ordered) {
            written.add(writtenByEvent.get(event));
        }
        return new Appending(List.copyOf(written), handedOver, waiting, to);
    }

    /**
     * Plans a replayed workflow dead letter's event back into its conversation, after what is pending there
     * (handed to this node's worker, as a commit's events are, when nothing is), from the step that failed: the same event id, type, payload and time as before (the
     * outbound store's replay puts this and the letter's mark in one transaction).
     *
     * @throws IllegalArgumentException when the letter is not a workflow's
     */
    public Appending appendReplayed(Writes writes, DeadLetter letter) {
        DeadLetterPayloads.Workflow kept = DeadLetterPayloads.Workflow.from(letter.payload());
        if (kept.conversationId() == null) {
            throw new IllegalArgumentException("dead letter " + letter.id() + " names no conversation to replay into");
        }
        // a replay is a commit of this node: with nothing pending in its conversation, its worker gets it at once
        Handoff to = handoff;
        Instant now = SortableTime.stored(clock.instant());
        Lanes.Lease lease = to == null ? null : new Lanes.Lease(to.owner(), SortableTime.stored(now.plus(to.lease())));
        Map<String, Lanes.Head> heads = lanes.heads(List.of(kept.conversationId()));
        List<Lanes.Appended> appended = lanes.append(
                writes,
                heads.get(kept.conversationId()),
                List.of(body(
                        kept.eventId(),
                        kept.type(),
                        letter.messageId(),
                        kept.event(),
                        SortableTime.stored(kept.createdAt()),
                        kept.step(),
                        kept.context())),
                lease,
                true,
                now);
        List<ChangeEvent> handedOver = new ArrayList<>();
        Set<String> waiting = new LinkedHashSet<>();
        for (Lanes.Appended one : appended) {
            if (one.leased()) {
                handedOver.add(event(one.item()));
            } else if (to != null) {
                waiting.add(kept.conversationId());
            }
        }
        return new Appending(List.of(), handedOver, waiting, to);
    }

    /** An event item's own attributes (no key, lane or lease ones). */
    private static Map<String, AttributeValue> body(
            UUID eventId,
            String type,
            String messageId,
            JsonNode payload,
            Instant createdAt,
            int step,
            ObjectNode context) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(ChangeEvents.EVENT_ID, s(eventId.toString()));
        item.put(ChangeEvents.TYPE, s(type));
        Items.putString(item, ChangeEvents.MESSAGE_ID, messageId);
        item.put(ChangeEvents.PAYLOAD, s(Json.text(payload)));
        item.put(ChangeEvents.CREATED_AT, Items.time(createdAt));
        item.put(ChangeEvents.STEP, n(step));
        item.put(ChangeEvents.ATTEMPTS, n(0));
        if (context != null) {
            item.put(ChangeEvents.CONTEXT, s(Json.text(context)));
        }
        return item;
    }

    /** The change event an item holds. */
    static ChangeEvent event(Map<String, AttributeValue> item) {
        String context = Items.string(item, ChangeEvents.CONTEXT);
        return new ChangeEvent(
                Lanes.seq(item),
                UUID.fromString(Items.string(item, ChangeEvents.EVENT_ID)),
                Items.string(item, ChangeEvents.TYPE),
                Items.string(item, ChangeEvents.MESSAGE_ID),
                Items.string(item, ChangeEvents.CONVERSATION_ID),
                json(Items.string(item, ChangeEvents.PAYLOAD), JsonNode.class),
                Items.instant(item, ChangeEvents.CREATED_AT),
                (int) Items.number(item, ChangeEvents.STEP, 0),
                (int) Items.number(item, ChangeEvents.ATTEMPTS, 0),
                context == null ? null : json(context, ObjectNode.class));
    }

    private static <T> T json(String text, Class<T> type) {
        try {
            return Json.MAPPER.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored change event holds text that is not JSON", e);
        }
    }
}
