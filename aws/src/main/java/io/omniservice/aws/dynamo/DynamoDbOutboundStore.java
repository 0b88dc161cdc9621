package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.SendItems.n;
import static io.omniservice.aws.dynamo.SendItems.s;
import static io.omniservice.aws.dynamo.SendItems.text;
import static io.omniservice.aws.dynamo.SendItems.time;

import io.omniservice.aws.dynamo.SendItems.Job;
import io.omniservice.aws.dynamo.Tables.Conversations;
import io.omniservice.aws.dynamo.Tables.Keys;
import io.omniservice.aws.dynamo.Tables.Messages;
import io.omniservice.aws.dynamo.Tables.Participants;
import io.omniservice.aws.dynamo.Tables.Sends;
import io.omniservice.aws.queue.DeadSend;
import io.omniservice.aws.queue.LeasedSend;
import io.omniservice.aws.queue.Receipt;
import io.omniservice.aws.queue.SendQueue;
import io.omniservice.aws.queue.SendQueueException;
import io.omniservice.aws.queue.SendTicket;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.Direction;
import io.omniservice.core.outbound.AcceptResult;
import io.omniservice.core.outbound.CallbackDelivery;
import io.omniservice.core.outbound.DeadLetter;
import io.omniservice.core.outbound.OutboundStore;
import io.omniservice.core.outbound.QueuedMessage;
import io.omniservice.core.outbound.RecipientFacts;
import io.omniservice.core.outbound.RoutingRule;
import io.omniservice.core.outbound.SendAttempt;
import io.omniservice.core.outbound.SendJob;
import io.omniservice.core.outbound.SendOutcome;
import io.omniservice.core.store.StorageException;
import io.omniservice.core.store.plan.SendResults;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * The outbound store of the AWS mode: send jobs in DynamoDB's {@code sends} table, the work of sending them
 * in the SQS FIFO {@link SendQueue}.
 *
 * <ul>
 *   <li><b>Accepting</b> a send is one transaction: the message as queued with its conversation (the message
 *       store's rules, {@link OutboundMessages}), the job, its entry in its conversation's line and the
 *       idempotency key, put only if unused. A reused key answers what is stored for it.
 *   <li><b>The job is the outbox.</b> After the commit the send is enqueued to SQS; that second write can be
 *       lost (a crash in between), so a job stays in {@code pending-index} until its ticket is known to be in
 *       SQS, and a sweep enqueues what it finds there (the ticket's deduplication id, message id + ticket,
 *       makes a repeat within SQS's five minutes harmless, and a later repeat is dropped when received, as it
 *       names no job any more). Scheduled sends wait there too until they are due: a FIFO queue cannot delay
 *       one message.
 *   <li><b>One in flight per conversation</b>, in the order accepted whatever the priorities: only the first
 *       due send of a conversation's line is enqueued; finishing or releasing it enqueues the next.
 *   <li><b>Leases</b> are SQS's visibility timeout, and the job records who holds it ({@code runs} counts
 *       them). An outcome is stored only by the lease's holder: conditional on the runs it leased, so a node
 *       whose lease ran out and was taken over cannot write a second outcome. Receipts live in this process.
 *   <li><b>Dead letters</b>: a send every carrier refused is stored as a {@code dead-letters} item in the
 *       transaction that ends it; a send SQS moved to its dead-letter queue (received too often without an
 *       outcome) is moved into the same table by a sweep, and fails its message the same way, so
 *       {@code /v1/dead-letters} reads one table. A replay gives the message a new job.
 * </ul>
 *
 * <p>The sweeps run inside {@link #claimDue}, at most once per {@link Settings#sweepEvery} (pending jobs) and
 * {@link Settings#redriveEvery} (the SQS dead-letter queue), so every node that sends also sweeps.
 */
public final class DynamoDbOutboundStore implements OutboundStore {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbOutboundStore.class);
    /** How often a write is planned again after a cancellation before the caller hears of it. */
    private static final int MAX_ROUNDS = 8;
    /** The error code a send dead-lettered by SQS's redrive fails its message with. */
    static final String RECEIVE_LIMIT = "receive_limit";
    /** Jobs a sweep reads from one bucket at a time: it stops at the first one not due. */
    private static final int SWEEP_PAGE = 25;

    /** How often the sweeps run, and how much each takes at once. */
    public record Settings(Duration sweepEvery, Duration redriveEvery, int sweepBatch) {
        public Settings {
            Objects.requireNonNull(sweepEvery, "sweepEvery");
            Objects.requireNonNull(redriveEvery, "redriveEvery");
            if (sweepEvery.isNegative() || redriveEvery.isNegative()) {
                throw new IllegalArgumentException("sweep intervals cannot be negative");
            }
            if (sweepBatch < 1) {
                throw new IllegalArgumentException("sweepBatch must be 1 or more, not " + sweepBatch);
            }
        }

        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(1), Duration.ofSeconds(30), 500);
        }
    }

    /** A lease this process holds: who for, which run and ticket, and SQS's receipt (none for a hand-off). */
    private record Hold(String owner, int runs, int ticket, Receipt receipt, Instant leaseUntil) {}

    private final DynamoDbClient client;
    private final Tables tables;
    private final SendQueue queue;
    private final Clock clock;
    private final OutboundMessages messages;
    private final Settings settings;
    private final Map<String, Hold> holds = new ConcurrentHashMap<>();
    private final Object sweepLock = new Object();
    private Instant lastSweep;
    private Instant lastRedrive;

    public DynamoDbOutboundStore(
            DynamoDbClient client,
            Tables tables,
            SendQueue queue,
            Clock clock,
            OutboundMessages messages,
            Settings settings) {
        this.client = Objects.requireNonNull(client, "client");
        this.tables = Objects.requireNonNull(tables, "tables");
        this.queue = Objects.requireNonNull(queue, "queue");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.messages = Objects.requireNonNull(messages, "messages");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    // ---- accepting ------------------------------------------------------------------------------------

    @Override
    public AcceptResult accept(QueuedMessage queued) {
        Instant now = SortableTime.stored(clock.instant());
        String messageId = queued.message().messageId();
        Job job = new Job(
                messageId,
                queued.conversation().conversationId(),
                queued.priority(),
                SortableTime.stored(queued.notBefore()),
                SortableTime.stored(queued.expireAt()),
                queued.plan(),
                now,
                SendItems.lineEntry(now, messageId),
                queued.lease() == null ? 0 : 1,
                1,
                queued.lease() == null ? null : queued.lease().owner(),
                queued.lease() == null
                        ? null
                        : SortableTime.stored(queued.lease().until()),
                true);
        QueuedMessage.IdempotencyKey key = queued.idempotencyKey();
        for (int round = 1; ; round++) {
            List<TransactWriteItem> actions = new ArrayList<>();
            if (key != null) {
                actions.add(put(idempotencyPut(key, messageId, queued.response(), now)));
            }
            actions.addAll(messages.queued(queued, now));
            actions.add(put(newJob(job)));
            actions.add(put(Put.builder()
                    .tableName(sends())
                    .item(SendItems.lineItem(job))
                    .build()));
            if (commit("store an accepted send", actions, round)) {
                break;
            }
            if (key != null) {
                Optional<AcceptResult.KeyUsed> used = idempotentAnswer(key.principal(), key.key(), key.requestHash());
                if (used.isPresent()) {
                    return used.get();
                }
            }
        }
        if (job.leaseOwner() != null) {
            holds.put(messageId, new Hold(job.leaseOwner(), 1, 1, null, job.leaseUntil()));
        } else if (!job.notBefore().isAfter(now)) {
            pumpQuietly(job.conversationId(), now);
        }
        return new AcceptResult.Stored();
    }

    private Put idempotencyPut(QueuedMessage.IdempotencyKey key, String messageId, String response, Instant now) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(Keys.KEY, s(Keys.idempotency(key.principal(), key.key())));
        item.put(Keys.REQUEST_HASH, s(key.requestHash()));
        item.put(Keys.MESSAGE_ID, s(messageId));
        item.put(Keys.RESPONSE, s(response));
        item.put(Keys.CREATED_AT, time(now));
        return Put.builder()
                .tableName(tables.name(Tables.KEYS))
                .item(item)
                .conditionExpression("attribute_not_exists(#k)")
                .expressionAttributeNames(Map.of("#k", Keys.KEY))
                .build();
    }

    private Put newJob(Job job) {
        return Put.builder()
                .tableName(sends())
                .item(SendItems.jobItem(tables, job))
                .conditionExpression("attribute_not_exists(#m)")
                .expressionAttributeNames(Map.of("#m", Sends.MESSAGE_ID))
                .build();
    }

    @Override
    public Optional<AcceptResult.KeyUsed> idempotentAnswer(String principal, String key, String requestHash) {
        Map<String, AttributeValue> item =
                get(tables.name(Tables.KEYS), Map.of(Keys.KEY, s(Keys.idempotency(principal, key))));
        if (item == null) {
            return Optional.empty();
        }
        return Optional.of(
                new AcceptResult.KeyUsed(text(item, Keys.REQUEST_HASH).equals(requestHash), text(item, Keys.RESPONSE)));
    }

    // ---- the line and the outbox ------------------------------------------------------------------------

    /**
     * Enqueues the first due send of a conversation's line if its ticket is not in SQS yet and nobody holds it.
     * Safe to run anywhere, any number of times: SQS drops a repeated ticket, a receiver a stale one.
     */
    void pump(String conversationId, Instant now) {
        for (Map<String, AttributeValue> entry : queryAll(QueryRequest.builder()
                .tableName(sends())
                .keyConditionExpression("#m = :line")
                .expressionAttributeNames(Map.of("#m", Sends.MESSAGE_ID))
                .expressionAttributeValues(Map.of(":line", s(Sends.line(conversationId))))
                .consistentRead(true)
                .build())) {
            if (SortableTime.parse(text(entry, Sends.NOT_BEFORE)).isAfter(now)) {
                // a scheduled send does not hold back its conversation's later ones
                continue;
            }
            Map<String, AttributeValue> item = get(sends(), SendItems.jobKey(SendItems.lineMessageId(entry)));
            if (item != null) {
                enqueueIfPending(SendItems.job(item), now);
            }
            return;
        }
    }

    private void pumpQuietly(String conversationId, Instant now) {
        try {
            pump(conversationId, now);
        } catch (SdkException | SendQueueException | StorageException e) {
            // the job stays in pending-index: the next sweep enqueues it
            LOG.warn("cannot enqueue the next send of a conversation now; a sweep will: {}", e.toString());
        }
    }

    private void enqueueIfPending(Job job, Instant now) {
        if (!job.pending() || job.leasedAt(now)) {
            return;
        }
        Instant queueNow = clock.instant();
        // due by the caller's time; the queue checks against its own clock
        Instant dueSince = job.notBefore().isAfter(queueNow) ? queueNow : job.notBefore();
        queue.enqueue(new SendTicket(job.messageId(), job.conversationId(), job.ticket(), job.priority(), dueSince));
        try {
            client.updateItem(r -> r.tableName(sends())
                    .key(SendItems.jobKey(job.messageId()))
                    .updateExpression("REMOVE #ps")
                    .conditionExpression("#t = :t AND attribute_exists(#ps)")
                    .expressionAttributeNames(Map.of("#ps", Sends.PENDING_SHARD, "#t", Sends.TICKET))
                    .expressionAttributeValues(Map.of(":t", n(job.ticket()))));
        } catch (ConditionalCheckFailedException e) {
            // received, released or finished meanwhile: whoever did that keeps the job right
        }
    }

    /**
     * Enqueues what {@code pending-index} says is due by {@code now}: scheduled sends that came due, sends
     * whose enqueue was lost, hand-offs whose holder stopped. Returns how many conversations it looked at.
     */
    int sweepPending(Instant now) {
        String upTo = SendItems.pendingKeyUpTo(now);
        Set<String> conversations = new LinkedHashSet<>();
        for (int bucket = 0; bucket < tables.shards(); bucket++) {
            // the bucket in key order, read until the first job not due: a range condition would say the same,
            // but the http4k fake answers "<=" on an index's sort key wrongly
            Map<String, AttributeValue> start = null;
            int read = 0;
            boolean due = true;
            while (due && read < settings.sweepBatch()) {
                Map<String, AttributeValue> from = start;
                int shard = bucket;
                QueryResponse page = client.query(r -> r.tableName(sends())
                        .indexName(Sends.PENDING_INDEX)
                        .keyConditionExpression("#ps = :b")
                        .expressionAttributeNames(Map.of("#ps", Sends.PENDING_SHARD))
                        .expressionAttributeValues(Map.of(":b", s(Integer.toString(shard))))
                        .limit(SWEEP_PAGE)
                        .exclusiveStartKey(from));
                for (Map<String, AttributeValue> item : page.items()) {
                    String key = text(item, Sends.PENDING_KEY);
                    if (key == null || key.compareTo(upTo) > 0) {
                        due = false;
                        break;
                    }
                    conversations.add(text(item, Sends.CONVERSATION_ID));
                    read++;
                }
                start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
                        ? page.lastEvaluatedKey()
                        : null;
                due &= start != null;
            }
        }
        for (String conversationId : conversations) {
            pumpQuietly(conversationId, now);
        }
        return conversations.size();
    }

    /**
     * Moves what SQS's redrive put in the dead-letter queue into the {@code dead-letters} table: each send's
     * job ends as a failed send kept for a replay. Returns how many SQS messages were moved.
     */
    int moveDeadSends() {
        return queue.drainDeadLetters(settings.sweepBatch(), this::endDeadSend);
    }

    private void endDeadSend(DeadSend dead) {
        SendTicket ticket = dead.ticket();
        Map<String, AttributeValue> item = get(sends(), SendItems.jobKey(ticket.messageId()));
        if (item == null || SendItems.job(item).ticket() != ticket.attempt()) {
            // finished, released or replayed since: the ticket is stale and nothing is left to keep
            return;
        }
        Job job = SendItems.job(item);
        SendOutcome.Failed failed = new SendOutcome.Failed(
                job.messageId(),
                job.plan().selectedCarrier(),
                RECEIVE_LIMIT,
                "SQS handed the send out " + dead.receiveCount()
                        + " times and no node stored an outcome (they stopped or stalled while sending)",
                true,
                job.plan(),
                List.of());
        store(failed, job.runs(), job.ticket(), dead.receiveCount())
                .ifPresent(c -> pumpQuietly(c, SortableTime.stored(clock.instant())));
    }

    private void maybeSweep(Instant now) {
        boolean pending;
        boolean redrive;
        synchronized (sweepLock) {
            pending = due(lastSweep, now, settings.sweepEvery());
            redrive = due(lastRedrive, now, settings.redriveEvery());
            if (pending) {
                lastSweep = now;
            }
            if (redrive) {
                lastRedrive = now;
            }
        }
        if (pending) {
            sweepPending(now);
        }
        if (redrive) {
            try {
                moveDeadSends();
            } catch (SdkException | SendQueueException | StorageException e) {
                LOG.warn("cannot move dead sends out of SQS now; the next sweep will: {}", e.toString());
            }
        }
    }

    private static boolean due(Instant last, Instant now, Duration every) {
        return last == null || Duration.between(last, now).abs().compareTo(every) >= 0;
    }

    // ---- leases -----------------------------------------------------------------------------------------

    @Override
    public List<SendJob> claimDue(String owner, Instant now, Duration lease, int max) {
        Instant at = SortableTime.stored(now);
        giveBackExpiredHolds(at);
        maybeSweep(at);
        List<LeasedSend> received = queue.receive(max, lease);
        Instant until = SortableTime.stored(at.plus(lease));
        List<SendJob> claimed = new ArrayList<>();
        for (LeasedSend send : received) {
            SendTicket ticket = send.ticket();
            Map<String, AttributeValue> item = get(sends(), SendItems.jobKey(ticket.messageId()));
            Job job = item == null ? null : SendItems.job(item);
            if (job == null || job.ticket() != ticket.attempt()) {
                // finished, released or replayed since this ticket was enqueued
                forget(send.receipt());
                continue;
            }
            if (job.leasedAt(at)) {
                // a hand-off or a lease SQS's clock let go of first: its holder may still finish it
                continue;
            }
            Map<String, AttributeValue> after;
            try {
                after = client.updateItem(r -> r.tableName(sends())
                                .key(SendItems.jobKey(job.messageId()))
                                .updateExpression("SET #o = :o, #u = :u, #r = #r + :one REMOVE #ps")
                                .conditionExpression(
                                        "#t = :t AND attribute_exists(#le) AND (attribute_not_exists(#u) OR #u < :now)")
                                .expressionAttributeNames(Map.of(
                                        "#o", Sends.LEASE_OWNER,
                                        "#u", Sends.LEASE_UNTIL,
                                        "#r", Sends.RUNS,
                                        "#ps", Sends.PENDING_SHARD,
                                        "#t", Sends.TICKET,
                                        "#le", Sends.LINE_ENTRY))
                                .expressionAttributeValues(Map.of(
                                        ":o", s(owner),
                                        ":u", time(until),
                                        ":one", n(1),
                                        ":t", n(ticket.attempt()),
                                        ":now", time(at)))
                                .returnValues(ReturnValue.ALL_NEW))
                        .attributes();
            } catch (ConditionalCheckFailedException e) {
                continue;
            }
            Job leased = SendItems.job(after);
            holds.put(leased.messageId(), new Hold(owner, leased.runs(), leased.ticket(), send.receipt(), until));
            claimed.add(new SendJob(
                    leased.messageId(),
                    leased.conversationId(),
                    leased.plan(),
                    leased.priority(),
                    leased.expireAt(),
                    leased.runs(),
                    until,
                    null));
        }
        return claimed;
    }

    /** Leases this process holds that ran out by {@code now} go back to SQS for whoever receives next. */
    private void giveBackExpiredHolds(Instant now) {
        for (Map.Entry<String, Hold> entry : holds.entrySet()) {
            Hold hold = entry.getValue();
            if (hold.leaseUntil().isBefore(now) && holds.remove(entry.getKey(), hold) && hold.receipt() != null) {
                giveBack(hold.receipt());
            }
        }
    }

    @Override
    public void release(String messageId, Instant notBefore) {
        Instant at = SortableTime.stored(notBefore);
        Hold hold = holds.remove(messageId);
        Map<String, AttributeValue> item = get(sends(), SendItems.jobKey(messageId));
        if (item == null) {
            return;
        }
        Job job = SendItems.job(item);
        if (hold != null && hold.runs() != job.runs()) {
            LOG.warn("send {} was leased again elsewhere; this node's release changes nothing", messageId);
            return;
        }
        // a new ticket: the old one (still hidden in SQS until it is deleted below) is then stale
        Map<String, AttributeValue> pending = SendItems.pending(tables, messageId, at);
        Update updateJob = Update.builder()
                .tableName(sends())
                .key(SendItems.jobKey(messageId))
                .updateExpression("SET #nb = :nb, #t = #t + :one, #ps = :ps, #pk = :pk REMOVE #u")
                .conditionExpression("#r = :r AND #t = :t")
                .expressionAttributeNames(Map.of(
                        "#nb", Sends.NOT_BEFORE,
                        "#t", Sends.TICKET,
                        "#ps", Sends.PENDING_SHARD,
                        "#pk", Sends.PENDING_KEY,
                        "#u", Sends.LEASE_UNTIL,
                        "#r", Sends.RUNS))
                .expressionAttributeValues(Map.of(
                        ":nb", time(at),
                        ":one", n(1),
                        ":ps", pending.get(Sends.PENDING_SHARD),
                        ":pk", pending.get(Sends.PENDING_KEY),
                        ":r", n(job.runs()),
                        ":t", n(job.ticket())))
                .build();
        Update updateLine = Update.builder()
                .tableName(sends())
                .key(SendItems.lineKey(job.conversationId(), job.lineEntry()))
                .updateExpression("SET #nb = :nb")
                .expressionAttributeNames(Map.of("#nb", Sends.NOT_BEFORE))
                .expressionAttributeValues(Map.of(":nb", time(at)))
                .build();
        if (!commit(
                "release a send",
                List.of(
                        TransactWriteItem.builder().update(updateJob).build(),
                        TransactWriteItem.builder().update(updateLine).build()),
                MAX_ROUNDS)) {
            LOG.warn("send {} changed while it was released; left as it is", messageId);
            return;
        }
        if (hold != null && hold.receipt() != null) {
            forget(hold.receipt());
        }
        pumpQuietly(job.conversationId(), SortableTime.stored(clock.instant()));
    }

    @Override
    public int releaseLeasesOf(String owner) {
        int released = 0;
        Set<String> conversations = new TreeSet<>();
        for (Map.Entry<String, Hold> entry : holds.entrySet()) {
            Hold hold = entry.getValue();
            if (!hold.owner().equals(owner) || !holds.remove(entry.getKey(), hold)) {
                continue;
            }
            Optional<String> conversation = dropLease(entry.getKey(), owner, hold.receipt() == null);
            if (conversation.isPresent()) {
                released++;
                if (hold.receipt() == null) {
                    conversations.add(conversation.get());
                }
            }
            if (hold.receipt() != null) {
                giveBack(hold.receipt());
            }
        }
        // hand-offs of an earlier life of this node: stored leased, never enqueued, so in pending-index
        for (int bucket = 0; bucket < tables.shards(); bucket++) {
            for (Map<String, AttributeValue> item : queryAll(QueryRequest.builder()
                    .tableName(sends())
                    .indexName(Sends.PENDING_INDEX)
                    .keyConditionExpression("#ps = :b")
                    .filterExpression("#o = :o AND attribute_exists(#u)")
                    .expressionAttributeNames(
                            Map.of("#ps", Sends.PENDING_SHARD, "#o", Sends.LEASE_OWNER, "#u", Sends.LEASE_UNTIL))
                    .expressionAttributeValues(Map.of(":b", s(Integer.toString(bucket)), ":o", s(owner)))
                    .build())) {
                String messageId = text(item, Sends.MESSAGE_ID);
                Optional<String> conversation = dropLease(messageId, owner, true);
                if (conversation.isPresent()) {
                    released++;
                    conversations.add(conversation.get());
                }
            }
        }
        Instant now = SortableTime.stored(clock.instant());
        conversations.forEach(c -> pumpQuietly(c, now));
        return released;
    }

    /** Clears {@code owner}'s lease of a job; one that was never in SQS becomes due for a sweep now. */
    private Optional<String> dropLease(String messageId, String owner, boolean handedOff) {
        Instant now = SortableTime.stored(clock.instant());
        Map<String, AttributeValue> pending = SendItems.pending(tables, messageId, now);
        Map<String, String> names =
                new HashMap<>(Map.of("#o", Sends.LEASE_OWNER, "#u", Sends.LEASE_UNTIL, "#le", Sends.LINE_ENTRY));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":o", s(owner)));
        String set = "";
        if (handedOff) {
            names.put("#ps", Sends.PENDING_SHARD);
            names.put("#pk", Sends.PENDING_KEY);
            values.put(":ps", pending.get(Sends.PENDING_SHARD));
            values.put(":pk", pending.get(Sends.PENDING_KEY));
            set = "SET #ps = :ps, #pk = :pk ";
        }
        String expression = set + "REMOVE #u";
        try {
            Map<String, AttributeValue> after = client.updateItem(r -> r.tableName(sends())
                            .key(SendItems.jobKey(messageId))
                            .updateExpression(expression)
                            .conditionExpression("#o = :o AND attribute_exists(#u) AND attribute_exists(#le)")
                            .expressionAttributeNames(names)
                            .expressionAttributeValues(values)
                            .returnValues(ReturnValue.ALL_NEW))
                    .attributes();
            return Optional.of(text(after, Sends.CONVERSATION_ID));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        }
    }

    /** Gives a received ticket back to SQS at once; a lease SQS already let go of needs nothing. */
    private void giveBack(Receipt receipt) {
        try {
            queue.release(receipt);
        } catch (SendQueueException e) {
            if (e.kind() != SendQueueException.Kind.LEASE_LOST) {
                LOG.warn("cannot give a send back to SQS; it comes back when its lease runs out: {}", e.getMessage());
            }
        }
    }

    /** Deletes a ticket that is done with; one SQS no longer holds for this receipt is some other node's now. */
    private void forget(Receipt receipt) {
        try {
            queue.done(receipt);
        } catch (SendQueueException e) {
            if (e.kind() != SendQueueException.Kind.LEASE_LOST) {
                LOG.warn("cannot delete a finished send's ticket; its receiver will drop it: {}", e.getMessage());
            }
        }
    }

    // ---- outcomes ----------------------------------------------------------------------------------------

    @Override
    public void finish(SendOutcome outcome) {
        Hold hold = holds.get(outcome.messageId());
        Map<String, AttributeValue> item = get(sends(), SendItems.jobKey(outcome.messageId()));
        if (item == null) {
            holds.remove(outcome.messageId());
            LOG.warn(
                    "send {} has no job any more (finished elsewhere); its outcome here is not stored",
                    outcome.messageId());
            return;
        }
        Job job = SendItems.job(item);
        int runs = hold != null ? hold.runs() : job.runs();
        int ticket = hold != null ? hold.ticket() : job.ticket();
        Optional<String> conversation =
                store(outcome, runs, ticket, outcome.attempts().size());
        holds.remove(outcome.messageId(), hold);
        if (hold != null && hold.receipt() != null) {
            forget(hold.receipt());
        }
        conversation.ifPresent(c -> pumpQuietly(c, SortableTime.stored(clock.instant())));
    }

    /**
     * Stores how a job ended if it is still the run {@code runs} with ticket {@code ticket}: its attempts, what
     * it does to the message, a dead letter if it is kept for a replay, and the job removed. Returns the job's
     * conversation, or empty when the job was taken over or ended meanwhile (then nothing is written).
     */
    private Optional<String> store(SendOutcome outcome, int runs, int ticket, int deadLetterAttempts) {
        for (int round = 1; round <= MAX_ROUNDS; round++) {
            Instant now = SortableTime.stored(clock.instant());
            Map<String, AttributeValue> item = get(sends(), SendItems.jobKey(outcome.messageId()));
            Job job = item == null ? null : SendItems.job(item);
            if (job == null || job.runs() != runs || job.ticket() != ticket) {
                LOG.warn(
                        "send {} was leased again or ended elsewhere; this outcome is not stored (the newer lease's is)",
                        outcome.messageId());
                return Optional.empty();
            }
            List<TransactWriteItem> actions = new ArrayList<>();
            actions.add(TransactWriteItem.builder()
                    .delete(Delete.builder()
                            .tableName(sends())
                            .key(SendItems.jobKey(job.messageId()))
                            .conditionExpression("#r = :r AND #t = :t")
                            .expressionAttributeNames(Map.of("#r", Sends.RUNS, "#t", Sends.TICKET))
                            .expressionAttributeValues(Map.of(":r", n(runs), ":t", n(ticket)))
                            .build())
                    .build());
            actions.add(TransactWriteItem.builder()
                    .delete(Delete.builder()
                            .tableName(sends())
                            .key(SendItems.lineKey(job.conversationId(), job.lineEntry()))
                            .build())
                    .build());
            List<SendAttempt> attempts = outcome.attempts();
            for (int i = 0; i < attempts.size(); i++) {
                actions.add(put(Put.builder()
                        .tableName(sends())
                        .item(SendItems.attemptItem(job.messageId(), now, i, attempts.get(i)))
                        .build()));
            }
            switch (outcome) {
                case SendOutcome.Sent sent -> actions.addAll(messages.sent(sent, now));
                case SendOutcome.Failed failed -> {
                    actions.addAll(messages.failed(failed, now));
                    if (failed.deadLetter()) {
                        actions.add(put(deadLetter(failed, job, deadLetterAttempts, now)));
                    }
                }
            }
            if (commit("store a send's outcome", actions, round)) {
                return Optional.of(job.conversationId());
            }
        }
        throw new StorageException(
                "cannot store the outcome of send " + outcome.messageId() + ": it kept changing while being written",
                null);
    }

    /** A send kept for a replay (core's {@link SendResults#deadLetter}), and beside it what the replay needs. */
    private Put deadLetter(SendOutcome.Failed failed, Job job, int attempts, Instant now) {
        SendResults.DeadSend dead = SendResults.deadLetter(failed);
        DeadLetter letter = DeadLetterItems.letter(
                DeadLetterItems.SEND, failed.messageId(), dead.payload(), attempts, dead.lastError(), now);
        return DeadLetterItems.put(
                tables, letter, Map.of(Sends.CONVERSATION_ID, s(job.conversationId()), Sends.TICKET, n(job.ticket())));
    }

    @Override
    public List<SendAttempt> attempts(String messageId) {
        return queryAll(QueryRequest.builder()
                        .tableName(sends())
                        .keyConditionExpression("#m = :m AND begins_with(#e, :a)")
                        .expressionAttributeNames(Map.of("#m", Sends.MESSAGE_ID, "#e", Sends.ENTRY))
                        .expressionAttributeValues(Map.of(":m", s(messageId), ":a", s(Sends.ATTEMPT_PREFIX)))
                        .consistentRead(true)
                        .build())
                .stream()
                .map(SendItems::attempt)
                .toList();
    }

    // ---- what selection reads ---------------------------------------------------------------------------

    @Override
    public RecipientFacts recipientFacts(ConversationKey addressed) {
        ConversationKey conversation = linked(addressed);
        Map<String, AttributeValue> stored = get(
                tables.name(Tables.CONVERSATIONS),
                Map.of(Conversations.CONVERSATION_ID, s(conversation.conversationId())));
        CarrierType lastCarrier = stored == null
                ? null
                : CarrierType.fromWireName(text(stored, Conversations.CARRIER)).orElse(null);
        Set<String> optedOut = new TreeSet<>();
        for (Map<String, AttributeValue> optOut : queryAll(QueryRequest.builder()
                .tableName(tables.name(Tables.PARTICIPANTS))
                .keyConditionExpression("#p = :p AND begins_with(#e, :o)")
                .expressionAttributeNames(Map.of("#p", Participants.PARTICIPANT, "#e", Participants.ENTRY))
                .expressionAttributeValues(
                        Map.of(":p", s(conversation.participant()), ":o", s(Participants.OPT_OUT_PREFIX)))
                .consistentRead(true)
                .build())) {
            optedOut.add(text(optOut, Participants.ENTRY).substring(Participants.OPT_OUT_PREFIX.length()));
        }
        return new RecipientFacts(lastCarrier, optedOut, lastWhatsAppInbound(conversation.conversationId()));
    }

    /** The conversation a WhatsApp user id or an old number is linked to, else the key itself. */
    private ConversationKey linked(ConversationKey key) {
        Map<String, AttributeValue> link = get(
                tables.name(Tables.PARTICIPANTS),
                Map.of(Participants.PARTICIPANT, s(key.participant()), Participants.ENTRY, s(Participants.LINK)));
        return link == null ? key : new ConversationKey(text(link, Participants.LINKED_TO));
    }

    /** When the customer last wrote over WhatsApp: the conversation read newest first up to that message. */
    private Instant lastWhatsAppInbound(String conversationId) {
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = client.query(r -> r.tableName(tables.name(Tables.MESSAGES))
                    .keyConditionExpression("#c = :c")
                    .filterExpression("#d = :in AND #k = :wa")
                    .projectionExpression("#ca")
                    .expressionAttributeNames(Map.of(
                            "#c", Messages.CONVERSATION_ID,
                            "#d", Messages.DIRECTION,
                            "#k", Messages.CARRIER,
                            "#ca", Messages.CREATED_AT))
                    .expressionAttributeValues(Map.of(
                            ":c", s(conversationId),
                            ":in", s(Direction.INBOUND.wireName()),
                            ":wa", s(CarrierType.WHATSAPP.wireName())))
                    .scanIndexForward(false)
                    .consistentRead(true)
                    .exclusiveStartKey(from));
            if (!page.items().isEmpty()) {
                return SortableTime.parse(text(page.items().getFirst(), Messages.CREATED_AT));
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return null;
    }

    // ---- routing rules ----------------------------------------------------------------------------------

    @Override
    public List<RoutingRule> routingRules() {
        return queryAll(QueryRequest.builder()
                        .tableName(tables.name(Tables.SETTINGS))
                        .keyConditionExpression("#k = :k")
                        .expressionAttributeNames(Map.of("#k", Tables.Settings.KIND))
                        .expressionAttributeValues(Map.of(":k", s(Tables.Settings.ROUTING_RULE)))
                        .consistentRead(true)
                        .build())
                .stream()
                .map(item -> readJson(text(item, Tables.Settings.VALUE), RoutingRule.class))
                .sorted(Comparator.comparing(RoutingRule::createdAt).thenComparing(RoutingRule::id))
                .toList();
    }

    @Override
    public RoutingRule addRoutingRule(RoutingRule rule) {
        RoutingRule stored = new RoutingRule(
                UUID.randomUUID().toString(),
                rule.prefix(),
                rule.carrier(),
                rule.priority(),
                rule.costPerMessage(),
                SortableTime.stored(clock.instant()));
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(Tables.Settings.KIND, s(Tables.Settings.ROUTING_RULE));
        item.put(Tables.Settings.ID, s(stored.id()));
        item.put(Tables.Settings.VALUE, s(Json.text(stored)));
        item.put(Tables.Settings.CREATED_AT, time(stored.createdAt()));
        write(
                "add a routing rule",
                () -> client.putItem(r -> r.tableName(tables.name(Tables.SETTINGS))
                        .item(item)
                        .conditionExpression("attribute_not_exists(#id)")
                        .expressionAttributeNames(Map.of("#id", Tables.Settings.ID))));
        return stored;
    }

    @Override
    public boolean deleteRoutingRule(String id) {
        Map<String, AttributeValue> old = client.deleteItem(r -> r.tableName(tables.name(Tables.SETTINGS))
                        .key(Map.of(Tables.Settings.KIND, s(Tables.Settings.ROUTING_RULE), Tables.Settings.ID, s(id)))
                        .returnValues(ReturnValue.ALL_OLD))
                .attributes();
        return old != null && !old.isEmpty();
    }

    // ---- callbacks: the deliveries table ------------------------------------------------------------------

    @Override
    public List<CallbackDelivery> claimCallbacks(String owner, Instant now, Duration lease, int max) {
        throw new UnsupportedOperationException("deliveries arrive with the Deliveries store");
    }

    @Override
    public int releaseCallbackLeasesOf(String owner) {
        throw new UnsupportedOperationException("deliveries arrive with the Deliveries store");
    }

    @Override
    public CompletableFuture<Void> callbackDelivered(long id) {
        throw new UnsupportedOperationException("deliveries arrive with the Deliveries store");
    }

    @Override
    public void handOffDeliveries(String owner, Duration lease, Consumer<List<CallbackDelivery>> listener) {
        throw new UnsupportedOperationException("deliveries arrive with the Deliveries store");
    }

    @Override
    public void callbackFailed(long id, String error, Instant retryAt) {
        throw new UnsupportedOperationException("deliveries arrive with the Deliveries store");
    }

    // ---- dead letters ----------------------------------------------------------------------------------

    @Override
    public List<DeadLetter> deadLetters(int limit) {
        return DeadLetterItems.newest(client, tables, limit);
    }

    @Override
    public Optional<DeadLetter> replay(String id) {
        for (int round = 1; round <= MAX_ROUNDS; round++) {
            Optional<Map<String, AttributeValue>> found = DeadLetterItems.find(client, tables, id);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            DeadLetter letter = DeadLetterItems.read(found.get());
            if (letter.replayedAt() != null) {
                return Optional.empty();
            }
            Instant now = SortableTime.stored(clock.instant());
            List<TransactWriteItem> actions = new ArrayList<>();
            actions.add(TransactWriteItem.builder()
                    .update(DeadLetterItems.markReplayed(tables, id, now))
                    .build());
            String conversationId = null;
            if (DeadLetterItems.SEND.equals(letter.kind())) {
                conversationId = text(found.get(), Sends.CONVERSATION_ID);
                actions.addAll(replaySend(letter, found.get(), now));
            } else {
                throw new UnsupportedOperationException("replay of " + letter.kind() + " arrives with Deliveries");
            }
            if (commit("replay a dead letter", actions, round)) {
                if (conversationId != null) {
                    pumpQuietly(conversationId, now);
                }
                return Optional.of(new DeadLetter(
                        letter.id(),
                        letter.kind(),
                        letter.messageId(),
                        letter.attempts(),
                        letter.lastError(),
                        letter.createdAt(),
                        now,
                        letter.payload()));
            }
        }
        throw new StorageException("cannot replay dead letter " + id + ": it kept changing while being written", null);
    }

    /** A replayed send is queued again as a person asked: a new job, normal priority, due now, a new ticket. */
    private List<TransactWriteItem> replaySend(DeadLetter letter, Map<String, AttributeValue> item, Instant now) {
        String conversationId = text(item, Sends.CONVERSATION_ID);
        AttributeValue lastTicket = item.get(Sends.TICKET);
        if (conversationId == null || letter.messageId() == null) {
            throw new IllegalStateException("dead letter " + letter.id() + " names no message to send again");
        }
        Job job = new Job(
                letter.messageId(),
                conversationId,
                SendResults.REPLAY_PRIORITY,
                now,
                null,
                SendResults.replayedPlan(letter.payload()),
                now,
                SendItems.lineEntry(now, letter.messageId()),
                0,
                // SQS remembers the old ticket's deduplication id for five minutes: this one must differ
                (lastTicket == null ? 0 : Integer.parseInt(lastTicket.n())) + 1,
                null,
                null,
                true);
        List<TransactWriteItem> actions = new ArrayList<>(messages.requeued(letter.messageId(), now));
        actions.add(put(newJob(job)));
        actions.add(put(
                Put.builder().tableName(sends()).item(SendItems.lineItem(job)).build()));
        return actions;
    }

    // ---- DynamoDB -----------------------------------------------------------------------------------------

    private static <T> T readJson(String json, Class<T> type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a stored " + type.getSimpleName() + " is not readable JSON", e);
        }
    }

    private String sends() {
        return tables.name(Tables.SENDS);
    }

    private static TransactWriteItem put(Put put) {
        return TransactWriteItem.builder().put(put).build();
    }

    private Map<String, AttributeValue> get(String table, Map<String, AttributeValue> key) {
        try {
            var response = client.getItem(r -> r.tableName(table).key(key).consistentRead(true));
            return response.hasItem() && !response.item().isEmpty() ? response.item() : null;
        } catch (SdkException e) {
            throw DynamoFailures.failure("cannot read " + table, e);
        }
    }

    private List<Map<String, AttributeValue>> queryAll(QueryRequest query) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        try {
            do {
                QueryRequest page = start == null
                        ? query
                        : query.toBuilder().exclusiveStartKey(start).build();
                QueryResponse response = client.query(page);
                items.addAll(response.items());
                start = response.hasLastEvaluatedKey()
                                && !response.lastEvaluatedKey().isEmpty()
                        ? response.lastEvaluatedKey()
                        : null;
            } while (start != null);
        } catch (SdkException e) {
            throw DynamoFailures.failure("cannot read " + query.tableName(), e);
        }
        return items;
    }

    private void write(String what, Runnable request) {
        try {
            request.run();
        } catch (SdkException e) {
            throw DynamoFailures.failure("cannot " + what, e);
        }
    }

    /**
     * Runs one transaction: true once it is written, false when a condition failed (the caller reads again
     * and plans anew). A conflict or throttling waits and says false too; anything else throws.
     */
    private boolean commit(String what, List<TransactWriteItem> actions, int round) {
        if (round > MAX_ROUNDS) {
            throw new StorageException("cannot " + what + ": what it depends on kept changing", null);
        }
        try {
            client.transactWriteItems(r -> r.transactItems(actions));
            return true;
        } catch (SdkException e) {
            switch (DynamoFailures.verdict(e)) {
                case READ_AGAIN -> {
                    return false;
                }
                case BACK_OFF -> {
                    DynamoFailures.pause(round);
                    return false;
                }
                default -> throw DynamoFailures.failure("cannot " + what, e);
            }
        }
    }
}
