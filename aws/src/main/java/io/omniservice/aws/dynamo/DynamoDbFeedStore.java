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
import io.omniservice.core.notify.Subscription;
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

    /** What {@link #take} found: the event leased, or why not. */
    public sealed interface Taken {
        /** The event is leased to the caller: its steps may run and record their progress. */
        record Leased(ChangeEvent event) implements Taken {}

        /** The event is no longer in the feed: its workflow finished (or was dead-lettered) before. */
        record Gone() implements Taken {}

        /** An earlier event of its conversation is still pending, or another owner holds it now. */
        record Waiting() implements Taken {}
    }

    /**
     * Leases one event by its key, for work that a Step Functions execution started rather than a claim: an
     * execution's steps name their event and lease it under the execution's own name, so a retried step of the
     * same execution takes it back at once. With {@code mustBeFirst} the event is taken only while it is its
     * conversation's oldest pending one (a workflow step); without, whatever is ahead of it (the dead-letter
     * step, which must not wait behind another event).
     *
     * @param lane the event's {@code conversationId} key as the stream record carries it
     */
    public Taken take(String owner, String lane, long seq, Instant now, Duration lease, boolean mustBeFirst) {
        Lanes.ByKey found = lanes.leaseByKey(owner, lane, seq, SortableTime.stored(now), lease, mustBeFirst);
        if (found.item() == null) {
            return new Taken.Gone();
        }
        return found.leased() ? new Taken.Leased(Outbox.event(found.item())) : new Taken.Waiting();
    }

    /** Gives back an event {@link #take} leased, due at once (its step failed; the execution retries it). */
    public void giveBack(long seq) {
        Lanes.Held held = lanes.held(seq);
        if (held != null) {
            lanes.release(held);
        }
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

    /**
     * Stores the step in the next transaction this node writes: records arriving together (one per
     * conversation the worker runs) share one transaction, which advances the published log's head once for all
     * of them, so a node's publishers do not race each other for it. Returns once it is written.
     */
    @Override
    public CompletableFuture<Void> record(StepRecord record) {
        Lanes.Held held = lanes.held(record.seq());
        if (held == null) {
            return CompletableFuture.failedFuture(
                    new IllegalArgumentException("change event " + record.seq() + " is not held by this node"));
        }
        Pending pending = new Pending(record, held);
        try {
            // this record's reads here, beside every other record's: only the transaction waits its turn
            pending.step = step(pending);
        } catch (Lanes.NotHeld gone) {
            lanes.forget(record.seq());
            return CompletableFuture.failedFuture(new IllegalStateException(gone.getMessage()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        waiting.add(pending);
        while (!pending.written.isDone()) {
            writer.lock();
            try {
                if (!pending.written.isDone()) {
                    writeRound();
                }
            } finally {
                writer.unlock();
            }
        }
        try {
            Deliveries.Appending queued = pending.written.join();
            if (record.done()) {
                lanes.forget(record.seq());
            }
            queued.committed();
            return CompletableFuture.completedFuture(null);
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof Lanes.NotHeld) {
                lanes.forget(record.seq());
                return CompletableFuture.failedFuture(
                        new IllegalStateException(e.getCause().getMessage()));
            }
            return CompletableFuture.failedFuture(e.getCause());
        }
    }

    /** A record waiting for its transaction; completed with what it queued once written. */
    private static final class Pending {
        private final StepRecord record;
        private final Lanes.Held held;
        private final CompletableFuture<Deliveries.Appending> written = new CompletableFuture<>();
        /** What it read, planned (read again when a transaction it was in is cancelled). */
        private volatile Step step;

        Pending(StepRecord record, Lanes.Held held) {
            this.record = record;
            this.held = held;
        }

        StepRecord record() {
            return record;
        }

        Lanes.Held held() {
            return held;
        }
    }

    /** Most records one transaction takes: fewer if their writes fill it first. */
    private static final int BATCH = 25;

    private final java.util.concurrent.ConcurrentLinkedQueue<Pending> waiting =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.locks.ReentrantLock writer = new java.util.concurrent.locks.ReentrantLock();
    /** Records a round took that did not fit its transaction: first in the next round (under {@link #writer}). */
    private final List<Pending> carried = new ArrayList<>();

    /** Writes one transaction of waiting records (the caller holds {@link #writer}). */
    private void writeRound() {
        List<Pending> round = new ArrayList<>(carried);
        carried.clear();
        for (Pending next; round.size() < BATCH && (next = waiting.poll()) != null; ) {
            round.add(next);
        }
        if (round.isEmpty()) {
            return;
        }
        try {
            boolean[] first = {true};
            Map<Pending, Deliveries.Appending> written =
                    Transact.write(client, "the progress of " + round.size() + " change events", () -> {
                        if (!first[0]) {
                            prepareAgain(round);
                        }
                        first[0] = false;
                        return planRound(round);
                    });
            written.forEach((pending, appending) -> pending.written.complete(appending));
        } catch (RuntimeException e) {
            if (round.size() == 1) {
                round.getFirst().written.completeExceptionally(e);
            } else {
                // one record's writes may be what DynamoDB refused: each goes alone, so only its own fails
                carried.addAll(round.stream().filter(p -> !p.written.isDone()).toList());
                for (Pending alone : List.copyOf(carried)) {
                    carried.remove(alone);
                    try {
                        Map<Pending, Deliveries.Appending> written = Transact.write(
                                client,
                                "the progress of change event " + alone.record().seq(),
                                () -> {
                                    prepareAgain(List.of(alone));
                                    return planRound(List.of(alone));
                                });
                        written.forEach((pending, appending) -> pending.written.complete(appending));
                    } catch (RuntimeException failed) {
                        alone.written.completeExceptionally(failed);
                    }
                }
            }
        }
        // those that did not fit go first in the next round
        round.stream().filter(p -> !p.written.isDone() && !carried.contains(p)).forEach(carried::add);
    }

    /** Reads again what the records of a cancelled transaction read (one no longer this node's fails alone). */
    private void prepareAgain(List<Pending> round) {
        List<Pending> open = round.stream().filter(p -> !p.written.isDone()).toList();
        Lanes.inParallel(open, pending -> {
            try {
                pending.step = step(pending);
            } catch (Lanes.NotHeld gone) {
                pending.written.completeExceptionally(gone);
            }
            return null;
        });
    }

    /**
     * Plans a round from its records' reads, with the published log's head read last, since every publisher
     * advances it: the less time between reading and writing it, the fewer attempts lose to another node.
     * Records whose writes do not fit wait for the next round.
     */
    private Transact.Planned<Map<Pending, Deliveries.Appending>> planRound(List<Pending> round) {
        Instant now = SortableTime.stored(clock.instant());
        List<Step> steps =
                round.stream().filter(p -> !p.written.isDone()).map(p -> p.step).toList();
        // what the round's steps share, read once: who subscribes, the heads of the orders their deliveries join
        boolean publishes = steps.stream().anyMatch(step -> !step.published.isEmpty());
        List<Subscription> subscriptions = publishes ? DynamoDbNotificationStore.all(client, tables) : List.of();
        Map<Step, List<EventDeliveries.ToSubscription>> subscribed = new HashMap<>();
        java.util.Set<String> orders = new java.util.LinkedHashSet<>();
        for (Step step : steps) {
            List<EventDeliveries.ToSubscription> to =
                    step.published.isEmpty() ? List.of() : EventDeliveries.of(step.published, subscriptions);
            subscribed.put(step, to);
            to.forEach(delivery -> orders.add(delivery.orderKey()));
            step.forwards.forEach(forward -> orders.add(forward.orderKey()));
        }
        Map<String, Lanes.Head> heads = deliveries.heads(orders);
        Writes writes = new Writes();
        Map<Pending, Deliveries.Appending> planned = new java.util.LinkedHashMap<>();
        PublishedLog.Head head = publishes ? log.head() : null;
        long last = head == null ? 0 : head.lastPosition();
        for (Step step : steps) {
            Writes own = new Writes();
            List<Long> positions = log.put(own, last, step.published, now);
            Deliveries.Appending appending = step.write(own, positions, subscribed.get(step), heads, now);
            // one write kept back for the log's head
            boolean fits = writes.count() + own.count() + (head == null ? 0 : 1) <= Writes.MAX_ACTIONS;
            if (!fits || !writes.absorb(own)) {
                if (planned.isEmpty()) {
                    throw new io.omniservice.core.store.StorageException(
                            "the progress of change event "
                                    + step.pending.record().seq() + " needs " + own.count()
                                    + " writes of about " + own.bytes() + " bytes, more than one DynamoDB"
                                    + " transaction holds (" + Writes.MAX_ACTIONS
                                    + " writes, 4 MB); nothing was written",
                            null);
                }
                continue; // the next round takes it
            }
            last += step.published.size();
            planned.put(step.pending, appending);
        }
        if (head != null && last > head.lastPosition()) {
            log.advance(writes, head, last);
        }
        return new Transact.Planned<>(writes, planned);
    }

    /** One record with what it read: what it writes once its events' positions are known. */
    private final class Step {
        private final Pending pending;
        private final List<Effect.Publish> published = new ArrayList<>();
        private final List<Deliveries.NewDelivery> forwards = new ArrayList<>();
        private final List<java.util.function.Consumer<Writes>> writers = new ArrayList<>();

        private Step(Pending pending) {
            this.pending = pending;
            StepRecord record = pending.record();
            Map<String, List<Effect>> byConversation = new LinkedHashMap<>();
            Map<String, List<Effect>> byMessage = new LinkedHashMap<>();
            for (Effect effect : record.effects()) {
                switch (effect) {
                    case Effect.Publish publish -> published.add(publish);
                    case Effect.Forward forward -> forwards.add(Deliveries.NewDelivery.forward(forward));
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
            // the event itself first: one no longer this node's stops here, having read little
            if (record.done()) {
                Lanes.Ending ending = lanes.ending(pending.held());
                writers.add(ending::write);
            } else {
                writers.add(progress(pending.held(), record));
            }
            byConversation.forEach((id, changes) -> writers.add(conversation(id, changes)));
            byMessage.forEach((id, changes) -> writers.add(message(id, changes)));
        }

        /**
         * @param subscribed the deliveries of its published events
         * @param heads the heads of every order its deliveries join, as read for the round
         */
        Deliveries.Appending write(
                Writes writes,
                List<Long> positions,
                List<EventDeliveries.ToSubscription> subscribed,
                Map<String, Lanes.Head> heads,
                Instant now) {
            writers.forEach(w -> w.accept(writes));
            List<Deliveries.NewDelivery> queued =
                    new ArrayList<>(Deliveries.ofPublished(published, positions, subscribed));
            queued.addAll(forwards);
            return deliveries.append(writes, heads, queued, true, now);
        }
    }

    private Step step(Pending pending) {
        return new Step(pending);
    }

    /** The event's next step and what the steps so far produced, while it is still this node's. */
    private java.util.function.Consumer<Writes> progress(Lanes.Held held, StepRecord record) {
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
        String expression = set + " REMOVE #error";
        return writes -> writes.update(
                lanes.table(),
                lanes.key(held.lane(), held.seq()),
                expression,
                names,
                values,
                new Condition("(" + exists.expression() + ") AND #owner = :owner", Map.of(), Map.of()));
    }

    /** A conversation's new tags and state; nothing when the conversation is gone (joined into another). */
    private java.util.function.Consumer<Writes> conversation(String conversationId, List<Effect> changes) {
        Map<String, AttributeValue> key = Map.of(Conversations.CONVERSATION_ID, s(conversationId));
        Map<String, AttributeValue> item = new Reads(client).get(tables.name(Tables.CONVERSATIONS), key);
        if (item == null) {
            return writes -> {};
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
            return writes -> {};
        }
        // the tags as read: a conversation's events run one at a time, but a lease that ran out may not
        Condition unchanged = new Condition(
                "attribute_exists(#created) AND "
                        + (readTags == null ? "attribute_not_exists(#readTags)" : "#readTags = :readTags"),
                Map.of("#created", Conversations.CREATED_AT, "#readTags", Conversations.TAGS),
                readTags == null ? Map.of() : Map.of(":readTags", readTags));
        String expression = "SET " + String.join(", ", sets);
        return writes -> writes.update(tables.name(Tables.CONVERSATIONS), key, expression, names, values, unchanged);
    }

    /** A message's new content and fired rules; nothing when there is no such message. */
    private java.util.function.Consumer<Writes> message(String messageId, List<Effect> changes) {
        Reads reads = new Reads(client);
        Map<String, AttributeValue> where =
                reads.get(tables.name(Tables.KEYS), Map.of(Keys.KEY, s(Keys.message(messageId))));
        if (where == null || !where.containsKey(Keys.CONVERSATION_ID)) {
            return writes -> {};
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
        String expression = "SET " + String.join(", ", sets);
        return writes -> writes.update(
                tables.name(Tables.MESSAGES),
                Map.of(
                        Messages.CONVERSATION_ID, where.get(Keys.CONVERSATION_ID),
                        Messages.MESSAGE_KEY, where.get(Keys.MESSAGE_KEY)),
                expression,
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

    /**
     * A retry due within the hand-off's lease stays with this node: the event is kept leased to it and handed
     * back to its worker when due, so a step retried after a moment does not wait behind everything else that
     * is due (and no other node takes it meanwhile). A later retry, or one while this node hands nothing off,
     * goes back to the store, due at {@code retryAt} for every node.
     */
    @Override
    public void retryLater(long seq, int step, int attempts, String error, Instant retryAt) {
        Lanes.Held held = held(seq);
        Instant at = SortableTime.stored(retryAt);
        java.util.function.Function<Map<String, AttributeValue>, Map<String, AttributeValue>> sets = item -> {
            Map<String, AttributeValue> set = new HashMap<>();
            set.put(ChangeEvents.STEP, n(step));
            set.put(ChangeEvents.ATTEMPTS, n(attempts));
            set.put(ChangeEvents.LAST_ERROR, error == null ? null : s(error));
            return set;
        };
        Outbox.Handoff to = outbox.handoff();
        Instant now = clock.instant();
        if (to != null && to.owner().equals(held.owner()) && !at.isAfter(now.plus(to.lease()))) {
            if (lanes.keep(held, at, SortableTime.stored(at.plus(to.lease())), sets)) {
                Thread.ofVirtual()
                        .name("omniservice-retry-" + seq)
                        .start(() -> handBack(held, Duration.between(clock.instant(), at)));
            }
            return;
        }
        lanes.putOff(held, at, sets);
    }

    /** When a kept retry is due: to this node's worker if it still takes events, else back to the store. */
    private void handBack(Lanes.Held held, Duration wait) {
        try {
            if (!wait.isNegative()) {
                Thread.sleep(wait);
            }
            Map<String, AttributeValue> item = lanes.read(held.lane(), held.seq());
            if (item == null || !held.owner().equals(Items.string(item, ChangeEvents.LEASE_OWNER))) {
                lanes.forget(held.seq());
                return;
            }
            Outbox.Handoff to = outbox.handoff();
            if (to == null || !to.owner().equals(held.owner())) {
                lanes.release(held);
                return;
            }
            to.listener().committed(List.of(Outbox.event(item)), java.util.Set.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // it stays leased until the lease runs out, then any node takes it
            org.slf4j.LoggerFactory.getLogger(DynamoDbFeedStore.class)
                    .warn("change event {} not handed back for its retry: {}", held.seq(), e.toString());
        }
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
