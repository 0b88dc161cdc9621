package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.Items.n;
import static io.omniservice.aws.dynamo.Items.s;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.omniservice.aws.dynamo.Tables.ChangeEvents;
import io.omniservice.aws.dynamo.Tables.Conversations;
import io.omniservice.aws.dynamo.Tables.Keys;
import io.omniservice.aws.dynamo.Tables.Messages;
import io.omniservice.aws.dynamo.Writes.Condition;
import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.feed.FeedStore;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.outbound.DeadLetter;
import io.omniservice.core.store.plan.DeadLetterPayloads;
import io.omniservice.core.store.plan.EventDeliveries;
import io.omniservice.core.workflow.Effect;
import io.omniservice.core.workflow.StepRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The change feed on DynamoDB: each conversation's events a lane of {@code change-events} ({@link Lanes}), leased
 * by the workers, never deleted before their workflow's last step is stored. A step's progress and its effects
 * (published events with their log positions and subscription deliveries, forwards, the conversation's tags and
 * state, the message's content and fired rules) are one transaction, planned again from fresh reads when
 * DynamoDB cancels it.
 */
public final class DynamoDbFeedStore implements FeedStore {
    private final DynamoDbClient client;
    private final Tables tables;
    private final Clock clock;
    private final Outbox outbox;
    private final Lanes lanes;
    private final Deliveries deliveries;
    private final PublishedLog log;

    /**
     * @param outbox the storage's one outbox, shared with the message store that writes the events
     * @param deliveries the storage's one delivery side, shared with the outbound store
     * @param logRetention how long DynamoDB's TTL keeps a published event at most, or null for no TTL
     */
    public DynamoDbFeedStore(
            DynamoDbClient client,
            Tables tables,
            Clock clock,
            Outbox outbox,
            Deliveries deliveries,
            Duration logRetention) {
        this.client = client;
        this.tables = tables;
        this.clock = clock;
        this.outbox = outbox;
        this.lanes = outbox.lanes();
        this.deliveries = deliveries;
        this.log = new PublishedLog(client, tables, logRetention);
    }

    @Override
    public void handOffTo(String owner, Duration lease, Committed listener) {
        outbox.handOffTo(owner, lease, listener);
    }

    @Override
    public void stopHandOff() {
        outbox.stopHandOff();
    }

    @Override
    public List<ChangeEvent> claimConversation(String owner, String conversationId, Instant now, Duration lease) {
        return lanes.claimLane(owner, conversationId, SortableTime.stored(now), lease).stream()
                .map(Outbox::event)
                .toList();
    }

    @Override
    public List<ChangeEvent> claim(String owner, Instant now, Duration lease, int max) {
        return lanes.claim(owner, SortableTime.stored(now), lease, max).stream()
                .map(Outbox::event)
                .toList();
    }

    @Override
    public int releaseLeasesOf(String owner) {
        return lanes.releaseLeasesOf(owner);
    }

    /** Gives back the events this node holds among {@code seqs}; others (not held here) are left alone. */
    @Override
    public void release(Collection<Long> seqs) {
        for (long seq : seqs) {
            Lanes.Held held = lanes.held(seq);
            if (held != null) {
                lanes.release(held);
            }
        }
    }

    @Override
    public CompletableFuture<Void> record(StepRecord record) {
        try {
            Lanes.Held held = held(record.seq());
            Deliveries.Appending queued;
            try {
                queued = Transact.write(
                        client, "the progress of change event " + record.seq(), () -> plan(record, held));
            } catch (Lanes.NotHeld gone) {
                lanes.forget(record.seq());
                throw new IllegalStateException(gone.getMessage());
            }
            if (record.done()) {
                lanes.forget(record.seq());
            }
            queued.committed();
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Transact.Planned<Deliveries.Appending> plan(StepRecord record, Lanes.Held held) {
        Writes writes = new Writes();
        Instant now = SortableTime.stored(clock.instant());
        List<Effect.Publish> published = new ArrayList<>();
        List<Deliveries.NewDelivery> queued = new ArrayList<>();
        Map<String, List<Effect>> byConversation = new LinkedHashMap<>();
        Map<String, List<Effect>> byMessage = new LinkedHashMap<>();
        for (Effect effect : record.effects()) {
            switch (effect) {
                case Effect.Publish publish -> published.add(publish);
                case Effect.Forward forward -> queued.add(Deliveries.NewDelivery.forward(forward));
                case Effect.TagConversation tag ->
                    byConversation
                            .computeIfAbsent(tag.conversationId(), c -> new ArrayList<>())
                            .add(tag);
                case Effect.SetConversationState state ->
                    byConversation
                            .computeIfAbsent(state.conversationId(), c -> new ArrayList<>())
                            .add(state);
                case Effect.MediaStored media ->
                    byMessage
                            .computeIfAbsent(media.messageId(), m -> new ArrayList<>())
                            .add(media);
                case Effect.RulesFired fired ->
                    byMessage
                            .computeIfAbsent(fired.messageId(), m -> new ArrayList<>())
                            .add(fired);
            }
        }
        List<EventDeliveries.ToSubscription> subscribed = published.isEmpty()
                ? List.of()
                : EventDeliveries.of(published, DynamoDbNotificationStore.all(client, tables));
        List<String> orders = new ArrayList<>();
        subscribed.forEach(to -> orders.add(to.orderKey()));
        queued.forEach(forward -> orders.add(forward.orderKey()));
        Map<String, Lanes.Head> heads = deliveries.heads(orders);
        byConversation.forEach((conversationId, changes) -> conversation(writes, conversationId, changes));
        byMessage.forEach((messageId, changes) -> message(writes, messageId, changes));
        if (record.done()) {
            lanes.end(writes, held);
        } else {
            progress(writes, held, record);
        }
        // the log's head last: every publisher advances it, so the less time between reading and writing it,
        // the fewer attempts lose to another publisher
        if (!published.isEmpty()) {
            List<Long> positions = log.append(writes, log.head(), published, now);
            queued.addAll(0, Deliveries.ofPublished(published, positions, subscribed));
        }
        Deliveries.Appending appending = deliveries.append(writes, heads, queued, true, now);
        return new Transact.Planned<>(writes, appending);
    }

    /** The event's next step and what the steps so far produced, while it is still this node's. */
    private void progress(Writes writes, Lanes.Held held, StepRecord record) {
        Map<String, AttributeValue> item = lanes.read(held.lane(), held.seq());
        if (item == null || !held.owner().equals(Items.string(item, ChangeEvents.LEASE_OWNER))) {
            throw new Lanes.NotHeld("change event " + held.seq() + " is no longer this node's: another node took it");
        }
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":step", n(record.nextStep()));
        values.put(":zero", n(0));
        values.put(":owner", s(held.owner()));
        Map<String, String> names = new HashMap<>(Map.of(
                "#step", ChangeEvents.STEP,
                "#attempts", ChangeEvents.ATTEMPTS,
                "#error", ChangeEvents.LAST_ERROR,
                "#owner", ChangeEvents.LEASE_OWNER));
        String set = "SET #step = :step, #attempts = :zero";
        if (record.context() != null) {
            set += ", #context = :context";
            names.put("#context", ChangeEvents.CONTEXT);
            values.put(":context", s(Json.text(record.context())));
        }
        Condition exists = Lanes.exists(true);
        names.putAll(exists.names());
        writes.update(
                lanes.table(),
                lanes.key(held.lane(), held.seq()),
                set + " REMOVE #error",
                names,
                values,
                new Condition("(" + exists.expression() + ") AND #owner = :owner", Map.of(), Map.of()));
    }

    /** A conversation's new tags and state; nothing when the conversation is gone (joined into another). */
    private void conversation(Writes writes, String conversationId, List<Effect> changes) {
        Map<String, AttributeValue> key = Map.of(Conversations.CONVERSATION_ID, s(conversationId));
        Map<String, AttributeValue> item = new Reads(client).get(tables.name(Tables.CONVERSATIONS), key);
        if (item == null) {
            return;
        }
        AttributeValue readTags = item.get(Conversations.TAGS);
        List<String> tags = new ArrayList<>(
                readTags == null || !readTags.hasL()
                        ? List.of()
                        : readTags.l().stream().map(AttributeValue::s).toList());
        String state = null;
        for (Effect change : changes) {
            if (change instanceof Effect.TagConversation tag && !tags.contains(tag.tag())) {
                tags.add(tag.tag());
            } else if (change instanceof Effect.SetConversationState set) {
                state = set.state();
            }
        }
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        List<String> sets = new ArrayList<>();
        if (readTags == null
                ? !tags.isEmpty()
                : !tags.equals(readTags.l().stream().map(AttributeValue::s).toList())) {
            sets.add("#tags = :tags");
            names.put("#tags", Conversations.TAGS);
            values.put(":tags", AttributeValue.fromL(tags.stream().map(Items::s).toList()));
        }
        if (state != null) {
            sets.add("#state = :state");
            names.put("#state", Conversations.STATE);
            values.put(":state", s(state));
        }
        if (sets.isEmpty()) {
            return;
        }
        // the tags as read: a conversation's events run one at a time, but a lease that ran out may not
        Condition unchanged = new Condition(
                "attribute_exists(#created) AND "
                        + (readTags == null ? "attribute_not_exists(#readTags)" : "#readTags = :readTags"),
                readTags == null
                        ? Map.of("#created", Conversations.CREATED_AT, "#readTags", Conversations.TAGS)
                        : Map.of("#created", Conversations.CREATED_AT, "#readTags", Conversations.TAGS),
                readTags == null ? Map.of() : Map.of(":readTags", readTags));
        writes.update(
                tables.name(Tables.CONVERSATIONS), key, "SET " + String.join(", ", sets), names, values, unchanged);
    }

    /** A message's new content and fired rules; nothing when there is no such message. */
    private void message(Writes writes, String messageId, List<Effect> changes) {
        Reads reads = new Reads(client);
        Map<String, AttributeValue> where =
                reads.get(tables.name(Tables.KEYS), Map.of(Keys.KEY, s(Keys.message(messageId))));
        if (where == null || !where.containsKey(Keys.CONVERSATION_ID)) {
            return;
        }
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        List<String> sets = new ArrayList<>();
        for (Effect change : changes) {
            if (change instanceof Effect.MediaStored media) {
                names.put("#content", Messages.CONTENT);
                values.put(":content", s(content(media.content())));
            } else if (change instanceof Effect.RulesFired fired) {
                names.put("#rules", Messages.RULES_FIRED);
                values.put(":rules", s(Json.text(fired.rules())));
            }
        }
        if (names.containsKey("#content")) {
            sets.add("#content = :content");
        }
        if (names.containsKey("#rules")) {
            sets.add("#rules = :rules");
        }
        // the message where its key said: a join that moved it meanwhile cancels this, and the plan reads again
        writes.update(
                tables.name(Tables.MESSAGES),
                Map.of(
                        Messages.CONVERSATION_ID, where.get(Keys.CONVERSATION_ID),
                        Messages.MESSAGE_KEY, where.get(Keys.MESSAGE_KEY)),
                "SET " + String.join(", ", sets),
                names,
                values,
                new Condition("attribute_exists(#id)", Map.of("#id", Messages.MESSAGE_ID), Map.of()));
    }

    private static String content(MessageContent content) {
        try {
            return Json.MAPPER.writerFor(MessageContent.class).writeValueAsString(content);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a message's content cannot be written as JSON", e);
        }
    }

    @Override
    public void retryLater(long seq, int step, int attempts, String error, Instant retryAt) {
        lanes.putOff(held(seq), SortableTime.stored(retryAt), item -> {
            Map<String, AttributeValue> set = new HashMap<>();
            set.put(ChangeEvents.STEP, n(step));
            set.put(ChangeEvents.ATTEMPTS, n(attempts));
            set.put(ChangeEvents.LAST_ERROR, error == null ? null : s(error));
            return set;
        });
    }

    @Override
    public void deadLetter(ChangeEvent event, String workflow, int step, int attempts, String error) {
        Lanes.Held held = held(event.seq());
        try {
            Transact.write(client, "the dead letter of change event " + event.seq(), () -> {
                Writes writes = new Writes();
                lanes.end(writes, held);
                DeadLetter letter = DeadLetterItems.letter(
                        DeadLetterItems.WORKFLOW,
                        event.messageId(),
                        DeadLetterPayloads.Workflow.of(event, workflow, step).toJson(),
                        attempts,
                        error,
                        clock.instant());
                Deliveries.putLetter(writes, tables, letter);
                return new Transact.Planned<>(writes, null);
            });
        } catch (Lanes.NotHeld gone) {
            throw new IllegalStateException(gone.getMessage());
        } finally {
            lanes.forget(event.seq());
        }
    }

    private Lanes.Held held(long seq) {
        Lanes.Held held = lanes.held(seq);
        if (held == null) {
            throw new IllegalArgumentException("change event " + seq + " is not held by this node");
        }
        return held;
    }
}
