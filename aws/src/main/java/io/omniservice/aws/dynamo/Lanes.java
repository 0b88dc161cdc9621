package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.Items.n;
import static io.omniservice.aws.dynamo.Items.s;

import io.omniservice.aws.dynamo.Tables.ChangeEvents;
import io.omniservice.aws.dynamo.Writes.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Ordered lanes of leased work on one table shaped as {@code change-events} and {@code deliveries} are: a lane
 * (a conversation, a delivery's order key) is a partition, its items are in {@code seq} order, and its head item
 * (seq 0) holds the last seq given and how many items are pending. One item per lane is <em>first</em>: the
 * oldest pending one, the only one that runs, and the only one in {@code due-index}, keyed by when it may be
 * taken ({@code dueKey}: its retry time, or while a node holds it, the end of that lease, so a lease that runs
 * out is found there by every node). Ending the first item makes the next one first, in the same transaction.
 *
 * <p>Every write is conditional on what was read (the lane's head, an item's lease and {@code dueKey}), so two
 * nodes racing for an item, or a commit racing the end of a lane's last item, leave one winner and a consistent
 * lane. Conditions name {@code createdAt}, not a key attribute, for "the item exists": the http4k fake counts a
 * key attribute as present on an item that does not exist.
 *
 * <p>The ports name leased items by seq alone, so the lanes remember where each item this process holds is
 * ({@link Held}); seqs are unique in the table ({@link EventSequence}).
 */
final class Lanes {
    // both tables use these attribute names (Tables.Deliveries repeats them)
    static final String SEQ = ChangeEvents.SEQ;
    static final String LAST_SEQ = ChangeEvents.LAST_SEQ;
    static final String PENDING = ChangeEvents.PENDING;
    static final String DUE_INDEX = ChangeEvents.DUE_INDEX;
    static final String DUE_SHARD = ChangeEvents.DUE_SHARD;
    static final String DUE_KEY = ChangeEvents.DUE_KEY;
    static final String OWNER_INDEX = ChangeEvents.OWNER_INDEX;
    static final String LEASE_OWNER = ChangeEvents.LEASE_OWNER;
    static final String LEASE_UNTIL = ChangeEvents.LEASE_UNTIL;
    static final String NEXT_ATTEMPT_AT = ChangeEvents.NEXT_ATTEMPT_AT;
    static final String CREATED_AT = ChangeEvents.CREATED_AT;

    /**
     * The lease end a freed item keeps: its owner is removed and its lease ended long ago. (The lease's end is
     * rewritten rather than removed: the http4k fake fails an update that removes two attributes.)
     */
    static final Instant FREED = Instant.EPOCH;

    /** A claim reads a due-index bucket in pages of this many items at most. */
    private static final int CLAIM_PAGE = 100;
    /** How many of a lane's items one {@link #claimLane} looks at. */
    private static final int LANE_RUN = 100;
    /** Attempts of a lease change that lost a race to another write of the same item. */
    private static final int RACES = 5;

    private final DynamoDbClient client;
    private final Reads reads;
    private final Tables tables;
    private final String table;
    private final String laneAttribute;
    private final EventSequence sequence;
    private final Map<Long, Held> held = new ConcurrentHashMap<>();

    Lanes(DynamoDbClient client, Tables tables, Tables.Design design, String laneAttribute, EventSequence sequence) {
        this.client = client;
        this.reads = new Reads(client);
        this.tables = tables;
        this.table = tables.name(design);
        this.laneAttribute = laneAttribute;
        this.sequence = sequence;
    }

    String table() {
        return table;
    }

    String laneAttribute() {
        return laneAttribute;
    }

    /** An item this process holds: its lane and the owner it was leased to. */
    record Held(String lane, long seq, String owner) {}

    /** A lane's head as read: the last seq given and how many items are pending ({@code stored}: it exists). */
    record Head(String lane, long lastSeq, long pending, boolean stored) {}

    /** A lease to write new items with. */
    record Lease(String owner, Instant until) {}

    /** What appending gave one new item. */
    record Appended(String lane, long seq, boolean leased, Map<String, AttributeValue> item) {}

    // ---- items, keys and keys of time -------------------------------------------------------------------

    Map<String, AttributeValue> key(String lane, long seq) {
        return Map.of(laneAttribute, s(lane), SEQ, n(seq));
    }

    /** The due-index sort key: the time, then the seq (19 digits), so string order is time order. */
    static String dueKey(Instant at, long seq) {
        return SortableTime.format(at) + "#" + String.format("%019d", seq);
    }

    /** When an item may run, its lease aside: its retry time, else when it was written. */
    private static Instant dueAt(Map<String, AttributeValue> item) {
        Instant next = Items.instant(item, NEXT_ATTEMPT_AT);
        return next != null ? next : Items.instant(item, CREATED_AT);
    }

    /** When an item may be taken: {@link #dueAt}, or the end of its lease when that is later. */
    private static Instant takeableAt(Map<String, AttributeValue> item) {
        Instant due = dueAt(item);
        Instant until = Items.instant(item, LEASE_UNTIL);
        return until != null && until.isAfter(due) ? until : due;
    }

    static long seq(Map<String, AttributeValue> item) {
        return Items.number(item, SEQ, -1);
    }

    String lane(Map<String, AttributeValue> item) {
        return Items.string(item, laneAttribute);
    }

    Map<String, AttributeValue> read(String lane, long seq) {
        return reads.get(table, key(lane, seq));
    }

    // ---- what this process holds ------------------------------------------------------------------------

    void hold(String lane, long seq, String owner) {
        held.put(seq, new Held(lane, seq, owner));
    }

    /** The item this process holds under {@code seq}, or null. */
    Held held(long seq) {
        return held.get(seq);
    }

    void forget(long seq) {
        held.remove(seq);
    }

    // ---- appending --------------------------------------------------------------------------------------

    /** A lane's head from its item as read (null: none yet). */
    Head head(String lane, Map<String, AttributeValue> item) {
        return item == null
                ? new Head(lane, 0, 0, false)
                : new Head(lane, Items.number(item, LAST_SEQ, 0), Items.number(item, PENDING, 0), true);
    }

    /** Items of this table by key, read strongly consistently (absent ones map to null). */
    private Map<Map<String, AttributeValue>, Map<String, AttributeValue>> read(List<Map<String, AttributeValue>> keys) {
        if (keys.isEmpty()) {
            return Map.of();
        }
        return reads.getMany(Map.of(table, keys), Map.of(table, List.of(laneAttribute, SEQ)))
                .get(table);
    }

    /** The heads of these lanes, read strongly consistently (absent ones as empty lanes). */
    Map<String, Head> heads(Collection<String> lanes) {
        List<Map<String, AttributeValue>> keys =
                lanes.stream().distinct().map(lane -> key(lane, 0)).toList();
        Map<Map<String, AttributeValue>, Map<String, AttributeValue>> found = read(keys);
        Map<String, Head> heads = new LinkedHashMap<>();
        for (String lane : lanes) {
            heads.put(lane, head(lane, found.get(key(lane, 0))));
        }
        return heads;
    }

    /**
     * Plans new items at the end of a lane, after what {@code head} says: each gets a seq above the last, and
     * the head advances conditionally on the values read. When the lane had nothing pending, the first new
     * item is the lane's first: with a {@code lease} it (with {@code leaseAll}, every new item) is written
     * leased and the caller hands it over after the commit; without one it is written due now.
     *
     * @param bodies each new item's own attributes (no key, lane or lease attributes), in order
     */
    List<Appended> append(
            Writes writes,
            Head head,
            List<Map<String, AttributeValue>> bodies,
            Lease lease,
            boolean leaseAll,
            Instant now) {
        if (bodies.isEmpty()) {
            return List.of();
        }
        boolean first = head.pending() <= 0;
        String shard = Integer.toString(tables.shardOf(head.lane()));
        List<Appended> appended = new ArrayList<>(bodies.size());
        long last = head.lastSeq();
        for (int i = 0; i < bodies.size(); i++) {
            long seq = sequence.after(last);
            last = seq;
            boolean leased = lease != null && first && (leaseAll || i == 0);
            Map<String, AttributeValue> item = new HashMap<>(bodies.get(i));
            item.put(laneAttribute, s(head.lane()));
            item.put(SEQ, n(seq));
            item.putIfAbsent(CREATED_AT, Items.time(now));
            if (leased) {
                item.put(LEASE_OWNER, s(lease.owner()));
                item.put(LEASE_UNTIL, Items.time(lease.until()));
            }
            if (first && i == 0) {
                item.put(DUE_SHARD, s(shard));
                item.put(DUE_KEY, s(dueKey(takeableAt(item), seq)));
            }
            writes.put(table, key(head.lane(), seq), item, exists(false));
            appended.add(new Appended(head.lane(), seq, leased, item));
        }
        writes.update(
                table,
                key(head.lane(), 0),
                "SET #last = :last, #pending = :pending",
                Map.of("#last", LAST_SEQ, "#pending", PENDING),
                Map.of(":last", n(last), ":pending", n(Math.max(0, head.pending()) + bodies.size())),
                headAsRead(head));
        return appended;
    }

    /** The head unchanged since it was read: nothing appended, nothing ended. */
    private static Condition headAsRead(Head head) {
        if (!head.stored()) {
            return new Condition("attribute_not_exists(#rlast)", Map.of("#rlast", LAST_SEQ), Map.of());
        }
        return new Condition(
                "#rlast = :rlast AND "
                        + (head.pending() == 0
                                ? "(attribute_not_exists(#rpending) OR #rpending = :rpending)"
                                : "#rpending = :rpending"),
                Map.of("#rlast", LAST_SEQ, "#rpending", PENDING),
                Map.of(":rlast", n(head.lastSeq()), ":rpending", n(head.pending())));
    }

    // ---- ending -----------------------------------------------------------------------------------------

    /** The item is no longer this process's to change: ended by another node, or leased to one. */
    static final class NotHeld extends RuntimeException {
        NotHeld(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Plans ending a held item (its work is done, or dead): deletes it while it is still leased to the owner
     * that holds it, makes the lane's next item first when it was first, and counts it out of the head.
     *
     * @return the item as read
     * @throws NotHeld when the item is gone or leased to another owner
     */
    Map<String, AttributeValue> end(Writes writes, Held held) {
        Ending ending = ending(held);
        ending.write(writes);
        return ending.item();
    }

    /**
     * What ending a held item writes, from what is read now: the item, its lane's head and (when it is first)
     * the next item.
     *
     * @throws NotHeld when the item is gone or leased to another owner
     */
    Ending ending(Held held) {
        Map<Long, Map<String, AttributeValue>> read = readSeqs(held.lane(), List.of(0L, held.seq()));
        Map<String, AttributeValue> item = read.get(held.seq());
        if (item == null) {
            throw new NotHeld("item " + held.seq() + " of " + table + " is gone: another node ended it");
        }
        String owner = Items.string(item, LEASE_OWNER);
        if (held.owner() != null && !held.owner().equals(owner)) {
            throw new NotHeld("item " + held.seq() + " of " + table + " is leased to another node now");
        }
        Head head = head(held.lane(), read.get(0L));
        // only a first item has a next to make first, and only when something else is pending
        Map<String, AttributeValue> next =
                item.containsKey(DUE_KEY) && head.pending() > 1 ? nextAfter(held.lane(), held.seq()) : null;
        return new Ending(held, item, head, next);
    }

    /** Items of one lane by seq, read strongly consistently in one round trip; absent ones are left out. */
    private Map<Long, Map<String, AttributeValue>> readSeqs(String lane, List<Long> seqs) {
        Map<Long, Map<String, AttributeValue>> found = new HashMap<>();
        Map<String, software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes> request = Map.of(
                table,
                software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes.builder()
                        .keys(seqs.stream()
                                .distinct()
                                .map(seq -> key(lane, seq))
                                .toList())
                        .consistentRead(true)
                        .build());
        for (int round = 1; !request.isEmpty(); round++) {
            if (round > 10) {
                throw new IllegalStateException("DynamoDB left items of " + table + " unread " + round + " times");
            }
            if (round > 1) {
                Transactions.pause(round);
            }
            var asked = request;
            var response = client.batchGetItem(r -> r.requestItems(asked));
            for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
                found.put(seq(item), item);
            }
            request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
        }
        return found;
    }

    private Map<String, AttributeValue> nextAfter(String lane, long seq) {
        QueryResponse response = client.query(QueryRequest.builder()
                .tableName(table)
                .keyConditionExpression("#lane = :lane AND #seq > :seq")
                .expressionAttributeNames(Map.of("#lane", laneAttribute, "#seq", SEQ))
                .expressionAttributeValues(Map.of(":lane", s(lane), ":seq", n(seq)))
                .consistentRead(true)
                .limit(1)
                .build());
        return response.items().isEmpty() ? null : response.items().getFirst();
    }

    /** An item's end as planned from what was read. */
    final class Ending {
        private final Held held;
        private final Map<String, AttributeValue> item;
        private final Head head;
        private final Map<String, AttributeValue> next;

        private Ending(Held held, Map<String, AttributeValue> item, Head head, Map<String, AttributeValue> next) {
            this.held = held;
            this.item = item;
            this.head = head;
            this.next = next;
        }

        Map<String, AttributeValue> item() {
            return item;
        }

        void write(Writes writes) {
            writes.delete(
                    table,
                    key(held.lane(), held.seq()),
                    exists(true).and(ownedAsRead(item)).and(dueAsRead(item)));
            if (next != null) {
                writes.update(
                        table,
                        key(held.lane(), seq(next)),
                        "SET #due = :due, #shard = :shard",
                        Map.of("#due", DUE_KEY, "#shard", DUE_SHARD),
                        Map.of(
                                ":due", s(dueKey(takeableAt(next), seq(next))),
                                ":shard", s(Integer.toString(tables.shardOf(held.lane())))),
                        exists(true).and(dueAsRead(next)));
            }
            if (head.pending() <= 1) {
                // the lane is empty now: its head goes too (a lane's next item starts a new head, and seqs still
                // grow), so the table holds only lanes with work
                writes.delete(table, key(held.lane(), 0), headAsRead(head));
            } else {
                writes.update(
                        table,
                        key(held.lane(), 0),
                        "SET #pending = :pending",
                        Map.of("#pending", PENDING),
                        Map.of(":pending", n(head.pending() - 1)),
                        headAsRead(head));
            }
        }
    }

    // ---- leasing ----------------------------------------------------------------------------------------

    /**
     * Leases up to {@code max} lanes' first items that are due at {@code now} and that nobody holds (or whose
     * lease ran out), the longest due first.
     */
    List<Map<String, AttributeValue>> claim(String owner, Instant now, Duration lease, int max) {
        if (max <= 0) {
            return List.of();
        }
        String latest = SortableTime.format(now) + "#9999999999999999999";
        List<Map<String, AttributeValue>> candidates = new ArrayList<>();
        // the buckets at once, and the leases at once: each is a round trip of its own
        for (List<Map<String, AttributeValue>> due : inParallel(
                java.util.stream.IntStream.range(0, tables.shards()).boxed().toList(),
                shard -> dueIn(Integer.toString(shard), latest, max))) {
            candidates.addAll(due);
        }
        candidates.sort(Comparator.comparing(item -> Items.string(item, DUE_KEY)));
        List<Map<String, AttributeValue>> claimed = new ArrayList<>();
        Instant until = now.plus(lease);
        int next = 0;
        while (claimed.size() < max && next < candidates.size()) {
            List<Map<String, AttributeValue>> wave =
                    candidates.subList(next, Math.min(candidates.size(), next + Math.min(100, max - claimed.size())));
            next += wave.size();
            for (Map<String, AttributeValue> leased : leaseFirsts(wave, owner, now, until)) {
                if (leased != null) {
                    claimed.add(leased);
                }
            }
        }
        return claimed;
    }

    /** Up to {@code max} lanes' first items, whenever they are due and whoever holds them (no lease taken). */
    List<Map<String, AttributeValue>> firsts(int max) {
        List<Map<String, AttributeValue>> firsts = new ArrayList<>();
        for (List<Map<String, AttributeValue>> bucket : inParallel(
                java.util.stream.IntStream.range(0, tables.shards()).boxed().toList(),
                shard -> dueIn(Integer.toString(shard), "~", max))) {
            firsts.addAll(bucket);
        }
        return firsts.size() > max ? firsts.subList(0, max) : firsts;
    }

    /** {@code work} on each input on virtual threads at once; the answers in the inputs' order. */
    static <I, O> List<O> inParallel(List<I> inputs, java.util.function.Function<I, O> work) {
        if (inputs.size() == 1) {
            return java.util.Collections.singletonList(work.apply(inputs.getFirst()));
        }
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<O>> answers = new ArrayList<>(inputs.size());
            for (I input : inputs) {
                answers.add(threads.submit(() -> work.apply(input)));
            }
            List<O> results = new ArrayList<>(inputs.size());
            for (java.util.concurrent.Future<O> answer : answers) {
                try {
                    results.add(answer.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new io.omniservice.core.store.StorageException("interrupted while reading", e);
                }
            }
            return results;
        }
    }

    /**
     * Up to {@code max} items of a due-index bucket due by {@code latest}, oldest first. Read from the start of
     * the bucket, stopping at the first item not yet due (the http4k fake answers no key condition with
     * {@code <} or {@code <=}; the reads are the same).
     */
    private List<Map<String, AttributeValue>> dueIn(String shard, String latest, int max) {
        List<Map<String, AttributeValue>> due = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest.Builder query = QueryRequest.builder()
                    .tableName(table)
                    .indexName(DUE_INDEX)
                    .keyConditionExpression("#shard = :shard")
                    .expressionAttributeNames(Map.of("#shard", DUE_SHARD))
                    .expressionAttributeValues(Map.of(":shard", s(shard)))
                    .limit(Math.min(CLAIM_PAGE, max - due.size()));
            if (start != null) {
                query.exclusiveStartKey(start);
            }
            QueryResponse page = client.query(query.build());
            for (Map<String, AttributeValue> item : page.items()) {
                String dueKey = Items.string(item, DUE_KEY);
                if (dueKey == null) {
                    continue; // DynamoDB's index is sparse; the fake's lists an item with the bucket alone too
                }
                if (dueKey.compareTo(latest) > 0) {
                    return due;
                }
                due.add(item);
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && due.size() < max);
        return due;
    }

    /**
     * Leases a lane's items from its first on, as long as each is due at {@code now} and nobody holds it; stops
     * at the first that is not, so what is leased is an unbroken run in the lane's order.
     */
    List<Map<String, AttributeValue>> claimLane(String owner, String lane, Instant now, Duration lease) {
        QueryResponse response = client.query(QueryRequest.builder()
                .tableName(table)
                .keyConditionExpression("#lane = :lane AND #seq > :zero")
                .expressionAttributeNames(Map.of("#lane", laneAttribute, "#seq", SEQ))
                .expressionAttributeValues(Map.of(":lane", s(lane), ":zero", n(0)))
                .consistentRead(true)
                .limit(LANE_RUN)
                .build());
        Instant until = now.plus(lease);
        List<Map<String, AttributeValue>> claimed = new ArrayList<>();
        for (Map<String, AttributeValue> item : response.items()) {
            Instant leasedUntil = Items.instant(item, LEASE_UNTIL);
            Instant retryAt = Items.instant(item, NEXT_ATTEMPT_AT);
            if ((leasedUntil != null && !leasedUntil.isBefore(now)) || (retryAt != null && retryAt.isAfter(now))) {
                break; // held, or waiting for a retry: what follows waits too
            }
            Map<String, AttributeValue> leased = lease(item, owner, now, until, false);
            if (leased == null) {
                break;
            }
            claimed.add(leased);
        }
        return claimed;
    }

    /**
     * Leases one item as it was read: still due, nobody holding it, still first or not as it was read.
     *
     * @return the item as written, or null when it changed meanwhile (another node took it, say)
     */
    private Map<String, AttributeValue> lease(
            Map<String, AttributeValue> item, String owner, Instant now, Instant until, boolean mustBeFirst) {
        if (mustBeFirst && !item.containsKey(DUE_KEY)) {
            return null;
        }
        LeaseWrite write = leaseWrite(item, owner, now, until);
        try {
            Map<String, AttributeValue> written = client.updateItem(UpdateItemRequest.builder()
                            .tableName(table)
                            .key(key(lane(item), seq(item)))
                            .updateExpression(write.set())
                            .conditionExpression(write.condition().expression())
                            .expressionAttributeNames(write.names())
                            .expressionAttributeValues(write.values())
                            .returnValues(ReturnValue.ALL_NEW)
                            .build())
                    .attributes();
            hold(lane(item), seq(item), owner);
            return written;
        } catch (ConditionalCheckFailedException lost) {
            return null;
        }
    }

    /** An item as {@link #leaseByKey} left it, and whether the lease was written. */
    record ByKey(Map<String, AttributeValue> item, boolean leased) {}

    /**
     * Leases one item by its key for work started from outside (a Step Functions execution names it), rather
     * than by a claim: null when the item is gone (its work is done), the item unchanged when it cannot be taken
     * now, the item as written when it was leased. It can be taken when nobody holds it, its lease ran out, or
     * {@code owner} itself holds it (a retried invocation of the same execution); with {@code mustBeFirst}, only
     * while it is its lane's first item, so a lane's order holds.
     */
    ByKey leaseByKey(String owner, String lane, long seq, Instant now, Duration lease, boolean mustBeFirst) {
        Map<String, AttributeValue> item = reads.get(table, key(lane, seq));
        if (item == null) {
            return new ByKey(null, false);
        }
        if (mustBeFirst && !item.containsKey(DUE_KEY)) {
            return new ByKey(item, false);
        }
        Instant leasedUntil = Items.instant(item, LEASE_UNTIL);
        boolean ours = owner.equals(Items.string(item, LEASE_OWNER));
        if (!ours && leasedUntil != null && !leasedUntil.isBefore(now)) {
            return new ByKey(item, false);
        }
        Instant until = now.plus(lease);
        Map<String, String> names = new HashMap<>(Map.of("#owner", LEASE_OWNER, "#until", LEASE_UNTIL));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":owner", s(owner), ":until", Items.time(until)));
        String set = "SET #owner = :owner, #until = :until";
        if (item.containsKey(DUE_KEY)) {
            set += ", #due = :due";
            names.put("#due", DUE_KEY);
            values.put(":due", s(dueKey(until, seq)));
        }
        Condition condition = exists(true).and(dueAsRead(item)).and(ownedAsRead(item));
        names.putAll(condition.names());
        values.putAll(condition.values());
        try {
            Map<String, AttributeValue> written = client.updateItem(UpdateItemRequest.builder()
                            .tableName(table)
                            .key(key(lane, seq))
                            .updateExpression(set)
                            .conditionExpression(condition.expression())
                            .expressionAttributeNames(names)
                            .expressionAttributeValues(values)
                            .returnValues(ReturnValue.ALL_NEW)
                            .build())
                    .attributes();
            hold(lane, seq, owner);
            return new ByKey(written, true);
        } catch (ConditionalCheckFailedException lost) {
            return new ByKey(item, false); // taken or changed meanwhile: not now
        }
    }

    /** A lease's update of an item as read: what it sets, on the condition that the item is still as read. */
    private record LeaseWrite(
            String set, Map<String, String> names, Map<String, AttributeValue> values, Condition condition) {}

    private LeaseWrite leaseWrite(Map<String, AttributeValue> item, String owner, Instant now, Instant until) {
        Map<String, String> names = new HashMap<>(Map.of("#owner", LEASE_OWNER, "#until", LEASE_UNTIL));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":owner", s(owner), ":until", Items.time(until)));
        String set = "SET #owner = :owner, #until = :until";
        if (item.containsKey(DUE_KEY)) {
            set += ", #due = :due";
            names.put("#due", DUE_KEY);
            values.put(":due", s(dueKey(until, seq(item))));
        }
        Condition condition = exists(true)
                .and(dueAsRead(item))
                .and(new Condition(
                        "attribute_not_exists(#cuntil) OR #cuntil < :cnow",
                        Map.of("#cuntil", LEASE_UNTIL),
                        Map.of(":cnow", Items.time(now))));
        names.putAll(condition.names());
        values.putAll(condition.values());
        return new LeaseWrite(set, names, values, condition);
    }

    /**
     * Leases lanes' first items together: one transaction, then one strongly consistent read of what it wrote
     * (two round trips however many), which is what a node working off a backlog does. When any of them changed
     * since it was read the transaction is cancelled, and each is leased alone instead.
     */
    private List<Map<String, AttributeValue>> leaseFirsts(
            List<Map<String, AttributeValue>> candidates, String owner, Instant now, Instant until) {
        List<Map<String, AttributeValue>> firsts =
                candidates.stream().filter(c -> c.containsKey(DUE_KEY)).toList();
        if (firsts.size() < 2 || firsts.stream().map(this::lane).distinct().count() < firsts.size()) {
            return inParallel(firsts, c -> lease(c, owner, now, until, true));
        }
        Writes writes = new Writes();
        for (Map<String, AttributeValue> candidate : firsts) {
            LeaseWrite write = leaseWrite(candidate, owner, now, until);
            writes.update(
                    table,
                    key(lane(candidate), seq(candidate)),
                    write.set(),
                    Map.of(),
                    Map.of(),
                    new Condition(write.condition().expression(), write.names(), write.values()));
        }
        try {
            String token = java.util.UUID.randomUUID().toString();
            client.transactWriteItems(r -> r.clientRequestToken(token).transactItems(writes.actions()));
        } catch (software.amazon.awssdk.core.exception.SdkException raced) {
            return inParallel(firsts, c -> lease(c, owner, now, until, true));
        }
        Map<Map<String, AttributeValue>, Map<String, AttributeValue>> written =
                read(firsts.stream().map(c -> key(lane(c), seq(c))).toList());
        List<Map<String, AttributeValue>> leased = new ArrayList<>();
        for (Map<String, AttributeValue> candidate : firsts) {
            Map<String, AttributeValue> item = written.get(key(lane(candidate), seq(candidate)));
            hold(lane(candidate), seq(candidate), owner);
            if (item != null) {
                leased.add(item);
            }
        }
        return leased;
    }

    // ---- giving back and putting off --------------------------------------------------------------------

    /**
     * Frees a held item, due again as it was before the lease (now, unless a retry waits); true when it was
     * still leased to the holder. The process forgets it either way.
     */
    boolean release(Held held) {
        forget(held.seq());
        return change(held, item -> {
            Map<String, AttributeValue> freed = new HashMap<>(item);
            freed.remove(LEASE_OWNER);
            freed.put(LEASE_UNTIL, Items.time(FREED));
            return new Change(
                    "#freed = :freed",
                    Map.of("#freed", LEASE_UNTIL),
                    Map.of(":freed", Items.time(FREED)),
                    List.of(LEASE_OWNER),
                    freed);
        });
    }

    /** Frees every item leased to {@code owner} (a node that starts again); how many were freed. */
    int releaseLeasesOf(String owner) {
        held.values().removeIf(h -> owner.equals(h.owner()));
        int freed = 0;
        for (Map<String, AttributeValue> key : reads.queryAll(QueryRequest.builder()
                .tableName(table)
                .indexName(OWNER_INDEX)
                .keyConditionExpression("#owner = :owner")
                .expressionAttributeNames(Map.of("#owner", LEASE_OWNER))
                .expressionAttributeValues(Map.of(":owner", s(owner)))
                .build())) {
            if (release(new Held(lane(key), seq(key), owner))) {
                freed++;
            }
        }
        return freed;
    }

    /**
     * Puts a held item off until {@code at} (a retry), freeing its lease and setting {@code set} beside; true
     * when it was still leased to the holder. The process forgets it either way.
     *
     * @param sets from the item as read, attribute name → value to set beside (a null value: left as it is)
     */
    boolean putOff(
            Held held,
            Instant at,
            java.util.function.Function<Map<String, AttributeValue>, Map<String, AttributeValue>> sets) {
        forget(held.seq());
        return change(held, item -> {
            Map<String, AttributeValue> set = sets.apply(item);
            Map<String, AttributeValue> after = new HashMap<>(item);
            after.remove(LEASE_OWNER);
            after.put(LEASE_UNTIL, Items.time(FREED));
            after.put(NEXT_ATTEMPT_AT, Items.time(at));
            StringBuilder expression = new StringBuilder("#next = :next, #freed = :freed");
            Map<String, String> names = new HashMap<>(Map.of("#next", NEXT_ATTEMPT_AT, "#freed", LEASE_UNTIL));
            Map<String, AttributeValue> values =
                    new HashMap<>(Map.of(":next", Items.time(at), ":freed", Items.time(FREED)));
            int i = 0;
            for (Map.Entry<String, AttributeValue> attribute : new java.util.TreeMap<>(set).entrySet()) {
                if (attribute.getValue() != null) {
                    expression.append(", #a").append(i).append(" = :a").append(i);
                    names.put("#a" + i, attribute.getKey());
                    values.put(":a" + i, attribute.getValue());
                    after.put(attribute.getKey(), attribute.getValue());
                    i++;
                }
            }
            return new Change(expression.toString(), names, values, List.of(LEASE_OWNER), after);
        });
    }

    /**
     * Keeps a held item leased to its holder until {@code until} while it waits for a retry at {@code at} (the
     * holder hands it back to its worker then), setting {@code sets} beside; true when it was still the holder's.
     * Should the holder die meanwhile, the lease's end makes it first-due for every node.
     */
    boolean keep(
            Held held,
            Instant at,
            Instant until,
            java.util.function.Function<Map<String, AttributeValue>, Map<String, AttributeValue>> sets) {
        return change(held, item -> {
            Map<String, AttributeValue> after = new HashMap<>(item);
            after.put(LEASE_UNTIL, Items.time(until));
            after.put(NEXT_ATTEMPT_AT, Items.time(at));
            StringBuilder expression = new StringBuilder("#next = :next, #kept = :kept");
            Map<String, String> names = new HashMap<>(Map.of("#next", NEXT_ATTEMPT_AT, "#kept", LEASE_UNTIL));
            Map<String, AttributeValue> values =
                    new HashMap<>(Map.of(":next", Items.time(at), ":kept", Items.time(until)));
            int i = 0;
            for (Map.Entry<String, AttributeValue> attribute : new java.util.TreeMap<>(sets.apply(item)).entrySet()) {
                if (attribute.getValue() != null) {
                    expression.append(", #a").append(i).append(" = :a").append(i);
                    names.put("#a" + i, attribute.getKey());
                    values.put(":a" + i, attribute.getValue());
                    after.put(attribute.getKey(), attribute.getValue());
                    i++;
                }
            }
            return new Change(expression.toString(), names, values, List.of(), after);
        });
    }

    /** A change to a held item: what to SET (without the keyword), what to REMOVE, and the item it makes. */
    private record Change(
            String set,
            Map<String, String> names,
            Map<String, AttributeValue> values,
            List<String> remove,
            Map<String, AttributeValue> after) {}

    /**
     * Applies a change to a held item while it is leased to the holder and unchanged since it was read, the
     * {@code dueKey} following the item (when the item is its lane's first); reads again after a race.
     */
    private boolean change(Held held, java.util.function.Function<Map<String, AttributeValue>, Change> change) {
        for (int race = 0; race < RACES; race++) {
            Map<String, AttributeValue> item = read(held.lane(), held.seq());
            if (item == null || !held.owner().equals(Items.string(item, LEASE_OWNER))) {
                return false;
            }
            Change planned = change.apply(item);
            StringBuilder set = new StringBuilder(planned.set());
            Map<String, String> names = new HashMap<>(planned.names());
            Map<String, AttributeValue> values = new HashMap<>(planned.values());
            if (item.containsKey(DUE_KEY)) {
                set.append(set.isEmpty() ? "" : ", ").append("#due = :due");
                names.put("#due", DUE_KEY);
                values.put(":due", s(dueKey(takeableAt(planned.after()), held.seq())));
            }
            StringBuilder expression = new StringBuilder();
            if (!set.isEmpty()) {
                expression.append("SET ").append(set);
            }
            if (!planned.remove().isEmpty()) {
                expression.append(" REMOVE ");
                for (int i = 0; i < planned.remove().size(); i++) {
                    expression.append(i == 0 ? "" : ", ").append("#r").append(i);
                    names.put("#r" + i, planned.remove().get(i));
                }
            }
            Condition condition = exists(true).and(ownedAsRead(item)).and(dueAsRead(item));
            names.putAll(condition.names());
            values.putAll(condition.values());
            UpdateItemRequest.Builder update = UpdateItemRequest.builder()
                    .tableName(table)
                    .key(key(held.lane(), held.seq()))
                    .updateExpression(expression.toString().trim())
                    .conditionExpression(condition.expression())
                    .expressionAttributeNames(names);
            if (!values.isEmpty()) {
                update.expressionAttributeValues(values);
            }
            try {
                client.updateItem(update.build());
                return true;
            } catch (ConditionalCheckFailedException raced) {
                // the lane's first moved (an earlier item ended), or the lease changed: read again
            }
        }
        return false;
    }

    // ---- conditions -------------------------------------------------------------------------------------

    /** The item exists ({@code true}) or not. */
    static Condition exists(boolean exists) {
        return new Condition(
                (exists ? "attribute_exists" : "attribute_not_exists") + "(#xcreated)",
                Map.of("#xcreated", CREATED_AT),
                Map.of());
    }

    /** The item's lease owner as read. */
    private static Condition ownedAsRead(Map<String, AttributeValue> item) {
        return asRead("owner", LEASE_OWNER, item.get(LEASE_OWNER));
    }

    /** The item's {@code dueKey} as read: still first in its lane (or not), due as it was. */
    private static Condition dueAsRead(Map<String, AttributeValue> item) {
        return asRead("due", DUE_KEY, item.get(DUE_KEY));
    }

    private static Condition asRead(String tag, String attribute, AttributeValue value) {
        String name = "#c" + tag;
        if (value == null) {
            return new Condition("attribute_not_exists(" + name + ")", Map.of(name, attribute), Map.of());
        }
        return new Condition(name + " = :c" + tag, Map.of(name, attribute), Map.of(":c" + tag, value));
    }
}
