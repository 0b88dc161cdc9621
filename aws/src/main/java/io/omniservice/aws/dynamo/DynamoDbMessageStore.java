package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.Items.s;
import static io.omniservice.aws.dynamo.Items.string;

import com.fasterxml.jackson.databind.JavaType;
import io.omniservice.aws.dynamo.Tables.Conversations;
import io.omniservice.aws.dynamo.Tables.Keys;
import io.omniservice.aws.dynamo.Tables.Messages;
import io.omniservice.aws.dynamo.Tables.Settings;
import io.omniservice.aws.dynamo.Tables.StatusHistory;
import io.omniservice.core.carrier.ReplayGuard;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Conversation;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.StatusChange;
import io.omniservice.core.store.CommitResult;
import io.omniservice.core.store.InboundBatch;
import io.omniservice.core.store.MessageStore;
import io.omniservice.core.store.Page;
import io.omniservice.core.store.PageCursor;
import io.omniservice.core.store.PageRequest;
import io.omniservice.core.store.StorageException;
import io.omniservice.core.store.plan.MessageHistory;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * The {@link MessageStore} on DynamoDB ({@link Tables}): a webhook's batch is one {@code TransactWriteItems},
 * planned by {@link CommitPlanner} from core's rules and conditional on every fact it read, so a carrier's
 * retry, a concurrent writer or a status that raced ahead cancels it and it is planned again. A batch too big
 * for one transaction is split where each part is exactly-once on its own (whole messages, then statuses);
 * reads by id are strongly consistent, listings read the write-sharded indexes and merge them.
 */
public final class DynamoDbMessageStore implements MessageStore {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbMessageStore.class);

    /** Plans written per batch before it fails: each failed attempt read changed facts or was throttled. */
    static final int MAX_ATTEMPTS = 30;

    private static final String CURSOR_KEY = "cursor_key";
    private static final JavaType METADATA_MAP =
            Json.MAPPER.getTypeFactory().constructMapType(Map.class, String.class, Object.class);

    private final DynamoDbClient client;
    private final Tables tables;
    private final Clock clock;
    private final Reads reads;
    private final CommitPlanner planner;
    private final PageCursor cursors;

    public DynamoDbMessageStore(DynamoDbClient client, Tables tables, Clock clock) {
        this(client, tables, clock, new Outbox(client, tables, clock), new Deliveries(client, tables, clock));
    }

    /**
     * @param outbox the storage's one outbox: the feed store hands its events over from there
     * @param deliveries the storage's one delivery side, where status callbacks are queued
     */
    public DynamoDbMessageStore(
            DynamoDbClient client, Tables tables, Clock clock, Outbox outbox, Deliveries deliveries) {
        this.client = client;
        this.tables = tables;
        this.clock = clock;
        this.reads = new Reads(client);
        this.planner = new CommitPlanner(tables, reads, outbox, deliveries);
        this.cursors = new PageCursor(sharedKey(CURSOR_KEY));
    }

    // ---- writing ---------------------------------------------------------------------------------------

    @Override
    public CommitResult commit(InboundBatch batch) {
        if (batch.isEmpty()) {
            return new CommitResult(List.of(), 0, 0, 0, 0);
        }
        BatchBounds.check(tables, batch, clock.instant());
        return commitPart(batch);
    }

    /** Commits a batch, or its parts in order when it does not fit one transaction. */
    private CommitResult commitPart(InboundBatch batch) {
        for (int attempt = 1; ; attempt++) {
            CommitPlanner.Plan plan;
            try {
                plan = planner.plan(batch, clock.instant());
            } catch (CommitPlanner.JoinTooLarge join) {
                moveAhead(join);
                attempt--;
                continue;
            } catch (CommitPlanner.OversizeException e) {
                throw new StorageException("the batch was not committed: " + e.getMessage(), null);
            } catch (SdkException e) {
                if (!retry(e, attempt, "reading what the batch needs")) {
                    throw Transactions.failure("the batch was not committed", e);
                }
                continue;
            }
            Writes writes = plan.writes();
            if (writes.isEmpty()) {
                return plan.result();
            }
            if (!writes.fitOneTransaction()) {
                List<InboundBatch> parts = halves(batch);
                if (parts.size() < 2) {
                    throw new StorageException(
                            "the batch was not committed: one message needs " + writes.count() + " writes of "
                                    + writes.bytes() + " bytes, more than one DynamoDB transaction holds ("
                                    + Writes.MAX_ACTIONS + " writes, 4 MB)",
                            null);
                }
                CommitResult first = commitPart(parts.get(0));
                return sum(first, commitPart(parts.get(1)));
            }
            try {
                client.transactWriteItems(r -> r.transactItems(writes.actions()));
                plan.committed().run();
                return plan.result();
            } catch (SdkException e) {
                if (!retry(e, attempt, "writing the batch")) {
                    throw Transactions.failure("the batch was not committed", e);
                }
            }
        }
    }

    /** Moves part of a conversation being joined ahead of the commit that joins it, in a transaction of its own. */
    private void moveAhead(CommitPlanner.JoinTooLarge join) {
        for (int attempt = 1; ; attempt++) {
            try {
                Writes writes = planner.moveAhead(join);
                if (!writes.isEmpty()) {
                    client.transactWriteItems(r -> r.transactItems(writes.actions()));
                }
                return;
            } catch (SdkException e) {
                if (!retry(e, attempt, "moving messages of a conversation being joined")) {
                    throw Transactions.failure("the batch was not committed", e);
                }
            }
        }
    }

    /** Whether to plan again after {@code failure}; pauses first when the failure says to. */
    private static boolean retry(SdkException failure, int attempt, String doing) {
        Transactions.Verdict verdict = Transactions.verdict(failure);
        if (verdict == Transactions.Verdict.FAIL || attempt >= MAX_ATTEMPTS) {
            return false;
        }
        LOG.debug("{}: attempt {} ends {}, planning again", doing, attempt, verdict);
        if (verdict == Transactions.Verdict.BACK_OFF || attempt > 2) {
            Transactions.pause(attempt);
        }
        return true;
    }

    /**
     * A batch as two parts that are each exactly-once on their own, in the order they must be written: whole
     * messages (each with its seen item) before the statuses, which may name them. One part when it cannot be
     * split.
     */
    static List<InboundBatch> halves(InboundBatch batch) {
        var messages = batch.messages();
        var statuses = batch.statuses();
        if (messages.size() > 1) {
            int half = messages.size() / 2;
            return List.of(
                    new InboundBatch(messages.subList(0, half), List.of()),
                    new InboundBatch(messages.subList(half, messages.size()), statuses));
        }
        if (messages.size() == 1 && !statuses.isEmpty()) {
            return List.of(new InboundBatch(messages, List.of()), new InboundBatch(List.of(), statuses));
        }
        if (statuses.size() > 1) {
            int half = statuses.size() / 2;
            return List.of(
                    new InboundBatch(List.of(), statuses.subList(0, half)),
                    new InboundBatch(List.of(), statuses.subList(half, statuses.size())));
        }
        return List.of(batch);
    }

    private static CommitResult sum(CommitResult a, CommitResult b) {
        List<String> stored = new ArrayList<>(a.storedMessageIds());
        stored.addAll(b.storedMessageIds());
        return new CommitResult(
                stored,
                a.duplicateMessages() + b.duplicateMessages(),
                a.statusesApplied() + b.statusesApplied(),
                a.statusesUnmatched() + b.statusesUnmatched(),
                a.duplicateStatuses() + b.duplicateStatuses());
    }

    // ---- shared settings --------------------------------------------------------------------------------

    /**
     * A 256-bit secret kept under {@code name} in the settings table, made by whichever node asks first (a
     * conditional put), so every node signs cursors and media URLs with the same key.
     */
    public byte[] sharedKey(String name) {
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        Map<String, AttributeValue> key = Map.of(Settings.KIND, s(Settings.SHARED_KEY), Settings.ID, s(name));
        try {
            var item = new java.util.HashMap<>(key);
            item.put(Settings.VALUE, AttributeValue.fromB(SdkBytes.fromByteArray(fresh)));
            item.put(Settings.CREATED_AT, Items.time(clock.instant()));
            client.putItem(r -> r.tableName(tables.name(Tables.SETTINGS))
                    .item(item)
                    .conditionExpression("attribute_not_exists(#kind)")
                    .expressionAttributeNames(Map.of("#kind", Settings.KIND)));
            return fresh;
        } catch (ConditionalCheckFailedException e) {
            // another node made it first: use theirs
        } catch (SdkException e) {
            if (Transactions.verdict(e) != Transactions.Verdict.READ_AGAIN) {
                throw Transactions.failure("cannot make the shared key " + name, e);
            }
        }
        Map<String, AttributeValue> stored = reads.get(tables.name(Tables.SETTINGS), key);
        if (stored == null) {
            throw new StorageException("the shared key " + name + " could be neither made nor read", null);
        }
        return stored.get(Settings.VALUE).b().asByteArray();
    }

    /** One-time tokens in the keys table, shared by every node, until they expire. */
    public ReplayGuard replayGuard(Clock guardClock) {
        return new DynamoDbReplayGuard(client, tables, guardClock);
    }

    /** Whether DynamoDB answers a read of the store's tables now. */
    public boolean isReady() {
        try {
            client.getItem(r -> r.tableName(tables.name(Tables.SETTINGS))
                    .key(Map.of(Settings.KIND, s("ready"), Settings.ID, s("ready"))));
            return true;
        } catch (SdkException e) {
            LOG.warn("message store not ready: {}", e.getClass().getName());
            return false;
        }
    }

    // ---- reading -----------------------------------------------------------------------------------------

    @Override
    public Optional<Message> message(String messageId) {
        Map<String, AttributeValue> where =
                reads.get(tables.name(Tables.KEYS), CommitPlanner.key(Keys.message(messageId)));
        if (where == null) {
            return Optional.empty();
        }
        Map<String, AttributeValue> item = reads.get(
                tables.name(Tables.MESSAGES),
                Map.of(
                        Messages.CONVERSATION_ID, where.get(Keys.CONVERSATION_ID),
                        Messages.MESSAGE_KEY, where.get(Keys.MESSAGE_KEY)));
        return item == null
                ? Optional.empty()
                : Optional.of(withHistory(List.of(item)).getFirst());
    }

    @Override
    public Page<Message> messagesByCarrier(CarrierType carrier, Instant since, Instant until, PageRequest page) {
        return shardedMessages(
                Messages.CARRIER_INDEX,
                Messages.CARRIER_SHARD,
                carrier.wireName(),
                since == null ? null : SortableTime.format(since) + "#",
                until == null ? null : SortableTime.format(until) + "#",
                PageCursor.carrierListing(carrier, since, until),
                page);
    }

    @Override
    public Page<Message> messagesByStatus(MessageStatus status, Instant createdAfter, PageRequest page) {
        return shardedMessages(
                Messages.STATUS_INDEX,
                Messages.STATUS_SHARD,
                status.wireName(),
                // after every key of that very time: '$' sorts after the '#' that ends a key's time
                createdAfter == null ? null : SortableTime.format(createdAfter) + "$",
                null,
                PageCursor.statusListing(status, createdAfter),
                page);
    }

    @Override
    public Page<Message> conversationMessages(String conversationId, PageRequest page) {
        String listing = PageCursor.conversationListing(conversationId);
        String after = page.cursor() == null ? null : cursorKey(listing, page.cursor());
        List<Map<String, AttributeValue>> items = collect(
                conversationQuery(conversationId, after, page), page.limit() + 1, visibleTo(page), key -> false);
        return messagePage(listing, items, page);
    }

    /**
     * Each conversation's partition read from after the cursor until it holds a page, then merged in key order
     * (creation time, then message id): one timeline over several conversations.
     */
    @Override
    public Page<Message> conversationsMessages(
            java.util.Set<String> conversationIds, String listing, PageRequest page) {
        String after = page.cursor() == null ? null : cursorKey(listing, page.cursor());
        List<QueryRequest> queries = conversationIds.stream()
                .map(id -> conversationQuery(id, after, page))
                .toList();
        // the lower bound is checked here too: the http4k fake compares keys of unequal length wrongly
        Predicate<Map<String, AttributeValue>> wanted = after == null
                ? visibleTo(page)
                : visibleTo(page).and(i -> string(i, Messages.MESSAGE_KEY).compareTo(after) > 0);
        List<Map<String, AttributeValue>> merged = new ArrayList<>();
        for (List<Map<String, AttributeValue>> fromOne :
                inParallel(queries, q -> collect(q, page.limit() + 1, wanted, key -> false))) {
            merged.addAll(fromOne);
        }
        merged.sort(Comparator.comparing(i -> string(i, Messages.MESSAGE_KEY)));
        return messagePage(listing, merged.subList(0, Math.min(merged.size(), page.limit() + 1)), page);
    }

    /** One conversation's messages oldest first, after the sort key {@code after} when it is not null. */
    private QueryRequest conversationQuery(String conversationId, String after, PageRequest page) {
        QueryRequest.Builder query = QueryRequest.builder()
                .tableName(tables.name(Tables.MESSAGES))
                .consistentRead(true)
                .limit(page.limit() + 1);
        if (after == null) {
            query.keyConditionExpression("#c = :c")
                    .expressionAttributeNames(Map.of("#c", Messages.CONVERSATION_ID))
                    .expressionAttributeValues(Map.of(":c", s(conversationId)));
        } else {
            query.keyConditionExpression("#c = :c AND #k > :after")
                    .expressionAttributeNames(Map.of("#c", Messages.CONVERSATION_ID, "#k", Messages.MESSAGE_KEY))
                    .expressionAttributeValues(Map.of(":c", s(conversationId), ":after", s(after)));
        }
        return query.build();
    }

    /**
     * A listing over a write-sharded index: every bucket read from the lower bound on (and from after the
     * cursor), each until it holds a page or reaches the upper bound, then merged in key order.
     */
    private Page<Message> shardedMessages(
            String index,
            String shardAttribute,
            String shardValue,
            String lowerExclusive,
            String upperExclusive,
            String listing,
            PageRequest page) {
        String lower = lowerExclusive;
        if (page.cursor() != null) {
            String after = cursorKey(listing, page.cursor());
            lower = lower == null || after.compareTo(lower) > 0 ? after : lower;
        }
        String from = lower;
        List<QueryRequest> queries = new ArrayList<>();
        for (int bucket = 0; bucket < tables.shards(); bucket++) {
            QueryRequest.Builder query = QueryRequest.builder()
                    .tableName(tables.name(Tables.MESSAGES))
                    .indexName(index)
                    .limit(page.limit() + 1);
            String shard = shardValue + "#" + bucket;
            if (from == null) {
                query.keyConditionExpression("#s = :s")
                        .expressionAttributeNames(Map.of("#s", shardAttribute))
                        .expressionAttributeValues(Map.of(":s", s(shard)));
            } else {
                query.keyConditionExpression("#s = :s AND #k > :from")
                        .expressionAttributeNames(Map.of("#s", shardAttribute, "#k", Messages.MESSAGE_KEY))
                        .expressionAttributeValues(Map.of(":s", s(shard), ":from", s(from)));
            }
            queries.add(query.build());
        }
        Predicate<Map<String, AttributeValue>> visible = visibleTo(page);
        // the lower bound is checked here too: the http4k fake compares keys of unequal length wrongly
        Predicate<Map<String, AttributeValue>> wanted = from == null
                ? visible
                : visible.and(i -> string(i, Messages.MESSAGE_KEY).compareTo(from) > 0);
        Predicate<String> beyond = upperExclusive == null ? key -> false : key -> key.compareTo(upperExclusive) >= 0;
        List<Map<String, AttributeValue>> merged = new ArrayList<>();
        for (List<Map<String, AttributeValue>> fromBucket :
                inParallel(queries, q -> collect(q, page.limit() + 1, wanted, beyond))) {
            merged.addAll(fromBucket);
        }
        merged.sort(Comparator.comparing(i -> string(i, Messages.MESSAGE_KEY)));
        return messagePage(listing, merged.subList(0, Math.min(merged.size(), page.limit() + 1)), page);
    }

    /**
     * Up to {@code max} items the query finds that {@code wanted} keeps, reading page after page, stopping at
     * the first key {@code beyond} the listing's end.
     */
    private List<Map<String, AttributeValue>> collect(
            QueryRequest query, int max, Predicate<Map<String, AttributeValue>> wanted, Predicate<String> beyond) {
        List<Map<String, AttributeValue>> found = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest page = start == null
                    ? query
                    : query.toBuilder().exclusiveStartKey(start).build();
            var response = client.query(page);
            for (Map<String, AttributeValue> item : response.items()) {
                String sortKey = string(item, Messages.MESSAGE_KEY);
                if (sortKey != null && beyond.test(sortKey)) {
                    return found;
                }
                if (wanted.test(item)) {
                    found.add(item);
                    if (found.size() >= max) {
                        return found;
                    }
                }
            }
            start = response.hasLastEvaluatedKey()
                            && !response.lastEvaluatedKey().isEmpty()
                    ? response.lastEvaluatedKey()
                    : null;
        } while (start != null);
        return found;
    }

    /** Outbound messages are their sender's; inbound ones (no owner) every reader's. */
    private static Predicate<Map<String, AttributeValue>> visibleTo(PageRequest page) {
        if (page.audience().everything()) {
            return item -> true;
        }
        String client = page.audience().client();
        return item -> {
            String owner = string(item, Messages.CLIENT_ID);
            return owner == null || owner.equals(client);
        };
    }

    private Page<Message> messagePage(String listing, List<Map<String, AttributeValue>> items, PageRequest page) {
        boolean more = items.size() > page.limit();
        List<Message> shown = withHistory(more ? items.subList(0, page.limit()) : items);
        if (!more) {
            return new Page<>(shown, null);
        }
        Message last = shown.getLast();
        return new Page<>(
                shown,
                cursors.encode(
                        listing, new PageCursor.Position(last.timestamps().created(), last.messageId())));
    }

    private String cursorKey(String listing, String cursor) {
        PageCursor.Position after = cursors.decode(listing, cursor);
        return SortableTime.format(after.at()) + "#" + after.id();
    }

    /** The messages of these items, each with its status history (read in parallel). */
    private List<Message> withHistory(List<Map<String, AttributeValue>> items) {
        if (items.size() == 1) {
            return List.of(MessageItems.message(items.getFirst(), history(items.getFirst())));
        }
        List<List<StatusChange>> histories = inParallel(items, this::history);
        List<Message> messages = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            messages.add(MessageItems.message(items.get(i), histories.get(i)));
        }
        return messages;
    }

    /**
     * A message's history: the reports kept under the carrier's id for it, and for a message we send, the
     * gateway's own reports kept under its id; oldest first, with its creation in its place.
     */
    private List<StatusChange> history(Map<String, AttributeValue> item) {
        List<String> subjects = new ArrayList<>();
        String carrierMessageId = string(item, Messages.CARRIER_MESSAGE_ID);
        if (carrierMessageId != null) {
            subjects.add(StatusHistory.carrierSubject(string(item, Messages.CARRIER), carrierMessageId));
        }
        if (CommitPlanner.isOutbound(item)) {
            subjects.add(StatusHistory.ownSubject(string(item, Messages.MESSAGE_ID)));
        }
        List<Map<String, AttributeValue>> recorded = new ArrayList<>();
        for (String subject : subjects) {
            recorded.addAll(reads.queryAll(QueryRequest.builder()
                    .tableName(tables.name(Tables.STATUS_HISTORY))
                    .keyConditionExpression("#s = :s")
                    .expressionAttributeNames(Map.of("#s", StatusHistory.SUBJECT))
                    .expressionAttributeValues(Map.of(":s", s(subject)))
                    .consistentRead(true)
                    .build()));
        }
        List<StatusChange> changes = recorded.stream()
                .sorted(Comparator.<Map<String, AttributeValue>, String>comparing(
                                i -> string(i, StatusHistory.OCCURRED_AT))
                        .thenComparing(i -> string(i, StatusHistory.RECORDED)))
                .map(i -> new StatusChange(
                        MessageStatus.fromWireName(string(i, StatusHistory.STATUS)),
                        Items.instant(i, StatusHistory.OCCURRED_AT),
                        string(i, StatusHistory.CARRIER_STATUS),
                        string(i, StatusHistory.ERROR_CODE)))
                .toList();
        return MessageHistory.withCreation(
                Direction.fromWireName(string(item, Messages.DIRECTION)),
                Items.instant(item, Messages.CREATED_AT),
                changes);
    }

    @Override
    public Optional<Conversation> conversation(String conversationId) {
        Map<String, AttributeValue> item =
                reads.get(tables.name(Tables.CONVERSATIONS), Map.of(Conversations.CONVERSATION_ID, s(conversationId)));
        return Optional.ofNullable(item).map(DynamoDbMessageStore::conversationOf);
    }

    @Override
    public Page<Conversation> conversations(String participant, PageRequest page) {
        String listing = PageCursor.conversationsListing(participant);
        String before = page.cursor() == null ? null : activityCursorKey(listing, page.cursor());
        List<Map<String, AttributeValue>> items;
        if (participant != null) {
            // a participant's conversation id is derived from it: one read by key
            Map<String, AttributeValue> item = reads.get(
                    tables.name(Tables.CONVERSATIONS),
                    Map.of(Conversations.CONVERSATION_ID, s(new ConversationKey(participant).conversationId())));
            items = item == null || (before != null && activityKey(item).compareTo(before) >= 0)
                    ? List.of()
                    : List.of(item);
        } else {
            List<QueryRequest> queries = new ArrayList<>();
            for (int bucket = 0; bucket < tables.shards(); bucket++) {
                QueryRequest.Builder query = QueryRequest.builder()
                        .tableName(tables.name(Tables.CONVERSATIONS))
                        .indexName(Conversations.ACTIVITY_INDEX)
                        .scanIndexForward(false)
                        .limit(page.limit() + 1);
                if (before == null) {
                    query.keyConditionExpression("#s = :s")
                            .expressionAttributeNames(Map.of("#s", Conversations.ACTIVITY_SHARD))
                            .expressionAttributeValues(Map.of(":s", s(Integer.toString(bucket))));
                } else {
                    query.keyConditionExpression("#s = :s AND #k < :before")
                            .expressionAttributeNames(
                                    Map.of("#s", Conversations.ACTIVITY_SHARD, "#k", Conversations.ACTIVITY_KEY))
                            .expressionAttributeValues(Map.of(":s", s(Integer.toString(bucket)), ":before", s(before)));
                }
                queries.add(query.build());
            }
            List<Map<String, AttributeValue>> merged = new ArrayList<>();
            for (List<Map<String, AttributeValue>> fromBucket :
                    inParallel(queries, q -> collect(q, page.limit() + 1, item -> true, key -> false))) {
                merged.addAll(fromBucket);
            }
            merged.sort(Comparator.comparing(DynamoDbMessageStore::activityKey).reversed());
            items = merged.subList(0, Math.min(merged.size(), page.limit() + 1));
        }
        boolean more = items.size() > page.limit();
        List<Conversation> shown = (more ? items.subList(0, page.limit()) : items)
                .stream().map(DynamoDbMessageStore::conversationOf).toList();
        if (!more) {
            return new Page<>(shown, null);
        }
        Conversation last = shown.getLast();
        return new Page<>(
                shown, cursors.encode(listing, new PageCursor.Position(last.lastMessageAt(), last.conversationId())));
    }

    private String activityCursorKey(String listing, String cursor) {
        PageCursor.Position before = cursors.decode(listing, cursor);
        return SortableTime.format(before.at()) + "#" + before.id();
    }

    private static String activityKey(Map<String, AttributeValue> item) {
        return string(item, Conversations.LAST_MESSAGE_AT) + "#" + string(item, Conversations.CONVERSATION_ID);
    }

    private static Conversation conversationOf(Map<String, AttributeValue> item) {
        Map<String, Object> metadata;
        try {
            String json = string(item, Conversations.METADATA);
            metadata = Json.MAPPER.readValue(json == null ? "{}" : json, METADATA_MAP);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a stored conversation's metadata is not JSON", e);
        }
        AttributeValue tags = item.get(Conversations.TAGS);
        return new Conversation(
                string(item, Conversations.CONVERSATION_ID),
                List.of(string(item, Conversations.PARTICIPANT)),
                MessageItems.carrier(string(item, Conversations.CARRIER)),
                string(item, Conversations.STATE),
                Items.instant(item, Conversations.CREATED_AT),
                Items.instant(item, Conversations.LAST_MESSAGE_AT),
                Items.number(item, Conversations.MESSAGE_COUNT, 0),
                metadata,
                tags == null || !tags.hasL()
                        ? List.of()
                        : tags.l().stream().map(AttributeValue::s).toList());
    }

    /** Runs {@code read} for each input on virtual threads and returns the answers in the inputs' order. */
    private static <I, O> List<O> inParallel(List<I> inputs, java.util.function.Function<I, O> read) {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<O>> futures = new ArrayList<>(inputs.size());
            for (I input : inputs) {
                futures.add(pool.submit(() -> read.apply(input)));
            }
            List<O> answers = new ArrayList<>(inputs.size());
            for (Future<O> future : futures) {
                answers.add(future.get());
            }
            return answers;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new StorageException("a read failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while reading", e);
        }
    }
}
