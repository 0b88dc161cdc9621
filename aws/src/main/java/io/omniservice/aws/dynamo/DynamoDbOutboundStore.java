package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.Items.n;
import static io.omniservice.aws.dynamo.Items.s;
import static io.omniservice.aws.dynamo.Items.string;
import static io.omniservice.aws.dynamo.Items.time;

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
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.outbound.AcceptResult;
import io.omniservice.core.outbound.CallbackDelivery;
import io.omniservice.core.outbound.DeadLetter;
import io.omniservice.core.outbound.NumberUse;
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
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * The outbound store of the AWS mode: send jobs in DynamoDB's {@code sends} table, the work of sending them
 * in the SQS FIFO {@link SendQueue}.
 *
 * <ul>
 *   <li><b>Accepting</b> a send is one transaction: the message as queued with its conversation (the message
 *       store's rules, planned by {@link CommitPlanner}), the job, its entry in its conversation's line and the
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
 *       whose lease ran out and was taken over cannot write a second outcome. Receipts live in this process;
 *       a leased job stays in {@code pending-index} keyed at its lease's end, so a node restarted after a
 *       kill -9 finds what it held and enqueues each anew under a new ticket at once, not when SQS's
 *       visibility timeout ends.
 *   <li><b>Receipt deadlines</b> ({@code options.fallback}): a sent job that waits for its receipt leaves a
 *       {@code deadline} item, in partitions of {@code pending-index} of its own that no send's sweep reads, leased
 *       when due by {@link #claimDeadlines} and ended once (conditional on the run leased).
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
    private final CommitPlanner messages;
    private final Reads reads;
    private final Deliveries deliveries;
    private final Outbox outbox;
    private final Settings settings;
    private final Map<String, Hold> holds = new ConcurrentHashMap<>();
    private final Object sweepLock = new Object();
    private Instant lastSweep;
    private Instant lastRedrive;
    private Instant lastDeadlineLook;

    /**
     * @param deliveries the storage's delivery side, which the five callback methods are handed to
     * @param outbox the storage's change events, which a replayed workflow dead letter goes back to
     */
    public DynamoDbOutboundStore(
            DynamoDbClient client,
            Tables tables,
            SendQueue queue,
            Clock clock,
            Deliveries deliveries,
            Outbox outbox,
            Settings settings) {
        this.client = Objects.requireNonNull(client, "client");
        this.tables = Objects.requireNonNull(tables, "tables");
        this.queue = Objects.requireNonNull(queue, "queue");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.deliveries = Objects.requireNonNull(deliveries, "deliveries");
        this.outbox = Objects.requireNonNull(outbox, "outbox");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.reads = new Reads(client);
        this.messages = new CommitPlanner(tables, reads, outbox, deliveries);
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
        // the message's change events go to this node's worker once written (CommitPlanner.Plan#committed)
        Runnable[] handOver = {() -> {}};
        AcceptResult result = Transact.write(client, "an accepted send", () -> {
            handOver[0] = () -> {};
            if (key != null) {
                Optional<AcceptResult.KeyUsed> used = idempotentAnswer(key.principal(), key.key(), key.requestHash());
                if (used.isPresent()) {
                    return new Transact.Planned<AcceptResult>(new Writes(), used.get());
                }
            }
            CommitPlanner.Plan plan = messages.planQueued(queued, now);
            handOver[0] = plan.committed();
            if (plan.result().storedMessageIds().isEmpty()) {
                // stored by an earlier attempt whose answer was lost: nothing more to write
                return new Transact.Planned<AcceptResult>(new Writes(), new AcceptResult.Stored());
            }
            Writes writes = plan.writes();
            if (key != null) {
                Map<String, AttributeValue> item = idempotencyItem(key, messageId, queued.response(), now);
                writes.put(
                        tables.name(Tables.KEYS),
                        Map.of(Keys.KEY, item.get(Keys.KEY)),
                        item,
                        Writes.Condition.absent(Keys.KEY));
            }
            writes.put(
                    sends(),
                    SendItems.jobKey(messageId),
                    SendItems.jobItem(tables, job),
                    Writes.Condition.absent(Sends.MESSAGE_ID));
            writes.put(
                    sends(),
                    SendItems.lineKey(job.conversationId(), job.lineEntry()),
                    SendItems.lineItem(job),
                    Writes.Condition.none());
            return new Transact.Planned<AcceptResult>(writes, new AcceptResult.Stored());
        });
        handOver[0].run();
        if (result instanceof AcceptResult.KeyUsed) {
            return result;
        }
        if (job.leaseOwner() != null) {
            holds.put(messageId, new Hold(job.leaseOwner(), 1, 1, null, job.leaseUntil()));
        } else if (!job.notBefore().isAfter(now)) {
            pumpQuietly(job.conversationId(), now);
        }
        return new AcceptResult.Stored();
    }

    private static Map<String, AttributeValue> idempotencyItem(
            QueuedMessage.IdempotencyKey key, String messageId, String response, Instant now) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(Keys.KEY, s(Keys.idempotency(key.principal(), key.key())));
        item.put(Keys.REQUEST_HASH, s(key.requestHash()));
        item.put(Keys.MESSAGE_ID, s(messageId));
        item.put(Keys.RESPONSE, s(response));
        item.put(Keys.CREATED_AT, time(now));
        return item;
    }

    @Override
    public Optional<AcceptResult.KeyUsed> idempotentAnswer(String principal, String key, String requestHash) {
        Map<String, AttributeValue> item =
                get(tables.name(Tables.KEYS), Map.of(Keys.KEY, s(Keys.idempotency(principal, key))));
        if (item == null) {
            return Optional.empty();
        }
        return Optional.of(new AcceptResult.KeyUsed(
                string(item, Keys.REQUEST_HASH).equals(requestHash), string(item, Keys.RESPONSE)));
    }

    // ---- the line and the outbox ------------------------------------------------------------------------

    /**
     * Enqueues the first due send of a conversation's line if its ticket is not in SQS yet and nobody holds it.
     * Safe to run anywhere, any number of times: SQS drops a repeated ticket, a receiver a stale one.
     */
    void pump(String conversationId, Instant now) {
        firstDue(conversationId, now).ifPresent(messageId -> {
            Map<String, AttributeValue> item = get(sends(), SendItems.jobKey(messageId));
            if (item != null) {
                enqueueIfPending(SendItems.job(item), now);
            }
        });
    }

    /**
     * The send of a conversation's line that goes next at {@code now}: the first accepted that is due. A scheduled
     * send does not hold back its conversation's later ones; once due, it goes before them.
     */
    private Optional<String> firstDue(String conversationId, Instant now) {
        for (Map<String, AttributeValue> entry : queryAll(QueryRequest.builder()
                .tableName(sends())
                .keyConditionExpression("#m = :line")
                .expressionAttributeNames(Map.of("#m", Sends.MESSAGE_ID))
                .expressionAttributeValues(Map.of(":line", s(Sends.line(conversationId))))
                .consistentRead(true)
                .build())) {
            if (!SortableTime.parse(string(entry, Sends.NOT_BEFORE)).isAfter(now)) {
                return Optional.of(SendItems.lineMessageId(entry));
            }
        }
        return Optional.empty();
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
        // only if nobody leased it meanwhile (the runs): a receiver quicker than this update keyed the job at its
        // lease's end, and removing that would hide the send from its node's restart until SQS shows it again
        try {
            client.updateItem(r -> r.tableName(sends())
                    .key(SendItems.jobKey(job.messageId()))
                    .updateExpression("REMOVE #ps")
                    .conditionExpression("#t = :t AND #r = :r AND attribute_exists(#ps)")
                    .expressionAttributeNames(Map.of("#ps", Sends.PENDING_SHARD, "#t", Sends.TICKET, "#r", Sends.RUNS))
                    .expressionAttributeValues(Map.of(":t", n(job.ticket()), ":r", n(job.runs()))));
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
            int[] read = {0};
            dueIn(Integer.toString(bucket), upTo, item -> {
                conversations.add(string(item, Sends.CONVERSATION_ID));
                return ++read[0] < settings.sweepBatch();
            });
        }
        for (String conversationId : conversations) {
            pumpQuietly(conversationId, now);
        }
        return conversations.size();
    }

    /**
     * Hands {@code visit} each item of the {@code pending-index} partition {@code shard} in key order, until one is
     * keyed after {@code upTo} (not due yet) or {@code visit} answers false. A range condition would say the same,
     * but the http4k fake answers "<=" on an index's sort key wrongly.
     */
    private void dueIn(String shard, String upTo, Predicate<Map<String, AttributeValue>> visit) {
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = client.query(r -> r.tableName(sends())
                    .indexName(Sends.PENDING_INDEX)
                    .keyConditionExpression("#ps = :b")
                    .expressionAttributeNames(Map.of("#ps", Sends.PENDING_SHARD))
                    .expressionAttributeValues(Map.of(":b", s(shard)))
                    .limit(SWEEP_PAGE)
                    .exclusiveStartKey(from));
            for (Map<String, AttributeValue> item : page.items()) {
                String key = string(item, Sends.PENDING_KEY);
                if (key == null || key.compareTo(upTo) > 0 || !visit.test(item)) {
                    return;
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
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
        List<SendJob> claimed = new ArrayList<>(leaseReceived(owner, queue.receive(max, lease), at, lease));
        boolean lookAtDeadlines;
        synchronized (sweepLock) {
            lookAtDeadlines = due(lastDeadlineLook, at, settings.sweepEvery());
            if (lookAtDeadlines) {
                lastDeadlineLook = at;
            }
        }
        if (lookAtDeadlines && claimed.size() < max) {
            claimed.addAll(claimDeadlines(owner, at, lease, max - claimed.size()));
        }
        return claimed;
    }

    /**
     * Leases up to {@code max} receipt deadlines ({@code options.fallback}) that are due by {@code now} to
     * {@code owner}, as jobs whose plan carries the watch: {@link #claimDue} takes them at most once per
     * {@link Settings#sweepEvery}, and a caller that receives its sends otherwise (the Lambda sweep) calls this.
     * A deadline is not in SQS (it may be a day away; SQS delays 15 minutes at most): it waits in its own
     * partitions of {@code pending-index}, keyed at the deadline, and is leased by a conditional update that
     * keys it at the lease's end instead, so one node takes it, and another when the lease runs out unfinished.
     */
    public List<SendJob> claimDeadlines(String owner, Instant now, Duration lease, int max) {
        Instant at = SortableTime.stored(now);
        Instant until = SortableTime.stored(at.plus(lease));
        String upTo = SendItems.pendingKeyUpTo(at);
        List<SendJob> claimed = new ArrayList<>();
        for (int bucket = 0; bucket < tables.shards() && claimed.size() < max; bucket++) {
            dueIn(SendItems.deadlineShard(bucket), upTo, item -> {
                leaseDeadline(string(item, Sends.MESSAGE_ID), string(item, Sends.PENDING_KEY), owner, at, until)
                        .ifPresent(claimed::add);
                return claimed.size() < max;
            });
        }
        return claimed;
    }

    /**
     * Leases one deadline if it is still keyed where it was read ({@code seenKey}) and nobody holds it: the lease
     * keys it at its end, so a second node that read the same key is refused, and a sweep at the lease's end
     * finds it again if this node never ends it.
     */
    private Optional<SendJob> leaseDeadline(String messageId, String seenKey, String owner, Instant at, Instant until) {
        Map<String, AttributeValue> lookAtLeaseEnd = SendItems.deadlinePending(tables, messageId, until);
        Map<String, AttributeValue> after;
        try {
            after = client.updateItem(r -> r.tableName(sends())
                            .key(SendItems.deadlineKey(messageId))
                            .updateExpression("SET #o = :o, #u = :u, #r = #r + :one, #pk = :pk")
                            .conditionExpression("#pk = :seen AND (attribute_not_exists(#u) OR #u < :now)")
                            .expressionAttributeNames(Map.of(
                                    "#o", Sends.LEASE_OWNER,
                                    "#u", Sends.LEASE_UNTIL,
                                    "#r", Sends.RUNS,
                                    "#pk", Sends.PENDING_KEY))
                            .expressionAttributeValues(Map.of(
                                    ":o", s(owner),
                                    ":u", time(until),
                                    ":one", n(1),
                                    ":pk", lookAtLeaseEnd.get(Sends.PENDING_KEY),
                                    ":seen", s(seenKey),
                                    ":now", time(at)))
                            .returnValues(ReturnValue.ALL_NEW))
                    .attributes();
        } catch (ConditionalCheckFailedException e) {
            // another node leased or ended it since it was read
            return Optional.empty();
        }
        SendJob job = SendItems.deadlineJob(after, until);
        holds.put(messageId, new Hold(owner, job.runs(), 0, null, until));
        return Optional.of(job);
    }

    /**
     * Leases sends that SQS handed to someone else than {@link #claimDue}: the tickets of a Lambda event-source
     * mapping's batch. The same checks apply (a stale ticket is forgotten, a send an earlier one of its
     * conversation must go before stands aside), and the jobs come back leased to {@code owner} until
     * {@code now + lease}, for {@code SendDispatcher.sendNow}.
     */
    public List<SendJob> claimReceived(String owner, List<LeasedSend> received, Instant now, Duration lease) {
        Instant at = SortableTime.stored(now);
        giveBackExpiredHolds(at);
        return leaseReceived(owner, received, at, lease);
    }

    /**
     * The outbox sweep and the redrive without waiting for a claim: enqueues the due pending sends and moves
     * what SQS gave up on into the dead letters. Returns the conversations looked at and the dead sends moved.
     */
    public int[] sweep(Instant now) {
        Instant at = SortableTime.stored(now);
        int looked = sweepPending(at);
        int moved = moveDeadSends();
        return new int[] {looked, moved};
    }

    private List<SendJob> leaseReceived(String owner, List<LeasedSend> received, Instant at, Duration lease) {
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
            if (!firstDue(job.conversationId(), at).map(job.messageId()::equals).orElse(false)) {
                // an earlier send of its conversation came due meanwhile (a scheduled one): this one waits
                // behind it, out of SQS, where finishing that one finds it
                standAside(job, send.receipt(), at);
                continue;
            }
            // the job stays in pending-index, looked at when its lease runs out: so a restart of this node finds
            // what it held (releaseLeasesOf) though SQS's receipts died with the process
            Map<String, AttributeValue> lookAtLeaseEnd = SendItems.pending(tables, job.messageId(), until);
            Map<String, AttributeValue> after;
            try {
                after = client.updateItem(r -> r.tableName(sends())
                                .key(SendItems.jobKey(job.messageId()))
                                .updateExpression("SET #o = :o, #u = :u, #r = #r + :one, #ps = :ps, #pk = :pk")
                                .conditionExpression(
                                        "#t = :t AND attribute_exists(#le) AND (attribute_not_exists(#u) OR #u < :now)")
                                .expressionAttributeNames(Map.of(
                                        "#o", Sends.LEASE_OWNER,
                                        "#u", Sends.LEASE_UNTIL,
                                        "#r", Sends.RUNS,
                                        "#ps", Sends.PENDING_SHARD,
                                        "#pk", Sends.PENDING_KEY,
                                        "#t", Sends.TICKET,
                                        "#le", Sends.LINE_ENTRY))
                                .expressionAttributeValues(Map.of(
                                        ":o", s(owner),
                                        ":u", time(until),
                                        ":one", n(1),
                                        ":ps", lookAtLeaseEnd.get(Sends.PENDING_SHARD),
                                        ":pk", lookAtLeaseEnd.get(Sends.PENDING_KEY),
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

    /** Takes a received send out of SQS until its line comes to it: pending again, under a new ticket. */
    private void standAside(Job job, Receipt receipt, Instant now) {
        Map<String, AttributeValue> pending = SendItems.pending(tables, job.messageId(), job.notBefore());
        try {
            client.updateItem(r -> r.tableName(sends())
                    .key(SendItems.jobKey(job.messageId()))
                    .updateExpression("SET #t = #t + :one, #ps = :ps, #pk = :pk")
                    .conditionExpression("#t = :t AND (attribute_not_exists(#u) OR #u < :now)")
                    .expressionAttributeNames(Map.of(
                            "#t", Sends.TICKET,
                            "#ps", Sends.PENDING_SHARD,
                            "#pk", Sends.PENDING_KEY,
                            "#u", Sends.LEASE_UNTIL))
                    .expressionAttributeValues(Map.of(
                            ":one", n(1),
                            ":t", n(job.ticket()),
                            ":ps", pending.get(Sends.PENDING_SHARD),
                            ":pk", pending.get(Sends.PENDING_KEY),
                            ":now", time(now))));
        } catch (ConditionalCheckFailedException e) {
            return;
        }
        forget(receipt);
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
        boolean released = Transact.write(client, "a released send", () -> {
            Map<String, AttributeValue> current = get(sends(), SendItems.jobKey(messageId));
            if (current == null || SendItems.job(current).runs() != job.runs()) {
                return new Transact.Planned<>(new Writes(), false);
            }
            Writes writes = new Writes();
            writes.update(
                    sends(),
                    SendItems.jobKey(messageId),
                    "SET #nb = :nb, #t = #t + :one, #ps = :ps, #pk = :pk REMOVE #u",
                    Map.of(
                            "#nb", Sends.NOT_BEFORE,
                            "#t", Sends.TICKET,
                            "#ps", Sends.PENDING_SHARD,
                            "#pk", Sends.PENDING_KEY,
                            "#u", Sends.LEASE_UNTIL),
                    Map.of(
                            ":nb", time(at),
                            ":one", n(1),
                            ":ps", pending.get(Sends.PENDING_SHARD),
                            ":pk", pending.get(Sends.PENDING_KEY)),
                    new Writes.Condition(
                            "#r = :r AND #tc = :tc",
                            Map.of("#r", Sends.RUNS, "#tc", Sends.TICKET),
                            Map.of(":r", n(job.runs()), ":tc", n(job.ticket()))));
            writes.update(
                    sends(),
                    SendItems.lineKey(job.conversationId(), job.lineEntry()),
                    "SET #nb = :nb",
                    Map.of("#nb", Sends.NOT_BEFORE),
                    Map.of(":nb", time(at)),
                    Writes.Condition.none());
            return new Transact.Planned<>(writes, true);
        });
        if (!released) {
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
        // leases of an earlier life of this node (killed, so it gave nothing back): hand-offs never enqueued and
        // sends received from SQS, whose receipts died with it; both in pending-index until their lease ends
        for (int bucket = 0; bucket < tables.shards(); bucket++) {
            for (Map<String, AttributeValue> item : leasedBy(owner, Integer.toString(bucket))) {
                String messageId = string(item, Sends.MESSAGE_ID);
                Optional<String> conversation = dropLease(messageId, owner, true);
                if (conversation.isPresent()) {
                    released++;
                    conversations.add(conversation.get());
                }
            }
        }
        Instant now = SortableTime.stored(clock.instant());
        conversations.forEach(c -> pumpQuietly(c, now));
        return released + releaseDeadlinesOf(owner, now);
    }

    /** What {@code owner} holds a lease of in the {@code pending-index} partition {@code shard}. */
    private List<Map<String, AttributeValue>> leasedBy(String owner, String shard) {
        return queryAll(QueryRequest.builder()
                .tableName(sends())
                .indexName(Sends.PENDING_INDEX)
                .keyConditionExpression("#ps = :b")
                .filterExpression("#o = :o AND attribute_exists(#u)")
                .expressionAttributeNames(
                        Map.of("#ps", Sends.PENDING_SHARD, "#o", Sends.LEASE_OWNER, "#u", Sends.LEASE_UNTIL))
                .expressionAttributeValues(Map.of(":b", s(shard), ":o", s(owner)))
                .build());
    }

    /** Receipt deadlines {@code owner} leased and did not end: due again at once, for any node. */
    private int releaseDeadlinesOf(String owner, Instant now) {
        int released = 0;
        for (int bucket = 0; bucket < tables.shards(); bucket++) {
            for (Map<String, AttributeValue> item : leasedBy(owner, SendItems.deadlineShard(bucket))) {
                String messageId = string(item, Sends.MESSAGE_ID);
                Map<String, AttributeValue> dueNow = SendItems.deadlinePending(tables, messageId, now);
                try {
                    client.updateItem(r -> r.tableName(sends())
                            .key(SendItems.deadlineKey(messageId))
                            .updateExpression("SET #pk = :pk REMOVE #u")
                            .conditionExpression("#o = :o AND attribute_exists(#u)")
                            .expressionAttributeNames(
                                    Map.of("#pk", Sends.PENDING_KEY, "#o", Sends.LEASE_OWNER, "#u", Sends.LEASE_UNTIL))
                            .expressionAttributeValues(Map.of(":pk", dueNow.get(Sends.PENDING_KEY), ":o", s(owner))));
                    released++;
                } catch (ConditionalCheckFailedException e) {
                    // ended, or leased by another node, since it was read
                }
            }
        }
        return released;
    }

    /**
     * Clears {@code owner}'s lease of a job. One with no receipt to give back ({@code enqueueAnew}: a hand-off, or
     * a send whose receipt died with an earlier life of the node) gets a new ticket and is due for a sweep now:
     * the new ticket is not a repeat SQS drops, and the old one, when SQS shows it again, names no job.
     */
    private Optional<String> dropLease(String messageId, String owner, boolean enqueueAnew) {
        Instant now = SortableTime.stored(clock.instant());
        Map<String, AttributeValue> pending = SendItems.pending(tables, messageId, now);
        Map<String, String> names =
                new HashMap<>(Map.of("#o", Sends.LEASE_OWNER, "#u", Sends.LEASE_UNTIL, "#le", Sends.LINE_ENTRY));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":o", s(owner)));
        String set = "";
        if (enqueueAnew) {
            names.put("#ps", Sends.PENDING_SHARD);
            names.put("#pk", Sends.PENDING_KEY);
            names.put("#t", Sends.TICKET);
            values.put(":ps", pending.get(Sends.PENDING_SHARD));
            values.put(":pk", pending.get(Sends.PENDING_KEY));
            values.put(":one", n(1));
            set = "SET #ps = :ps, #pk = :pk, #t = #t + :one ";
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
            return Optional.of(string(after, Sends.CONVERSATION_ID));
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
        if (outcome instanceof SendOutcome.WatchEnded ended) {
            endDeadline(ended);
            return;
        }
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
        // the message's change events go to this node's worker once written (CommitPlanner.Plan#committed)
        Runnable[] handOver = {() -> {}};
        Optional<String> stored = Transact.write(client, "a send's outcome", () -> {
            handOver[0] = () -> {};
            Instant now = SortableTime.stored(clock.instant());
            Map<String, AttributeValue> item = get(sends(), SendItems.jobKey(outcome.messageId()));
            Job job = item == null ? null : SendItems.job(item);
            if (job == null || job.runs() != runs || job.ticket() != ticket) {
                LOG.warn(
                        "send {} was leased again or ended elsewhere; this outcome is not stored (the newer lease's is)",
                        outcome.messageId());
                return new Transact.Planned<Optional<String>>(new Writes(), Optional.empty());
            }
            CommitPlanner.Plan plan =
                    switch (outcome) {
                        case SendOutcome.Sent sent -> messages.planSent(sent, now);
                        case SendOutcome.Failed failed -> messages.planFailed(failed, now);
                        case SendOutcome.WatchEnded ended ->
                            throw new IllegalStateException(
                                    "a receipt deadline ends through endDeadline, not as a send: " + ended.messageId());
                    };
            handOver[0] = plan.committed();
            Writes writes = plan.writes();
            writes.delete(
                    sends(),
                    SendItems.jobKey(job.messageId()),
                    new Writes.Condition(
                            "#r = :r AND #t = :t",
                            Map.of("#r", Sends.RUNS, "#t", Sends.TICKET),
                            Map.of(":r", n(runs), ":t", n(ticket))));
            writes.delete(sends(), SendItems.lineKey(job.conversationId(), job.lineEntry()), Writes.Condition.none());
            List<SendAttempt> attempts = outcome.attempts();
            for (int i = 0; i < attempts.size(); i++) {
                Map<String, AttributeValue> attempt = SendItems.attemptItem(job.messageId(), now, i, attempts.get(i));
                writes.put(
                        sends(),
                        Map.of(Sends.MESSAGE_ID, attempt.get(Sends.MESSAGE_ID), Sends.ENTRY, attempt.get(Sends.ENTRY)),
                        attempt,
                        Writes.Condition.none());
            }
            if (outcome instanceof SendOutcome.Failed failed && failed.deadLetter()) {
                deadLetter(writes, failed, job, deadLetterAttempts, now);
            }
            if (outcome instanceof SendOutcome.Sent sent && sent.waiting() != null) {
                // the job ends and leaves the line as any sent one does; its receipt deadline is kept beside it
                writes.put(
                        sends(),
                        SendItems.deadlineKey(job.messageId()),
                        SendItems.deadlineItem(tables, job, sent.waiting()),
                        Writes.Condition.absent(Sends.MESSAGE_ID));
            }
            return new Transact.Planned<>(writes, Optional.of(job.conversationId()));
        });
        handOver[0].run();
        return stored;
    }

    /**
     * Ends a receipt deadline: records and announces a missing receipt ({@link SendResults#timedOut}), if any, and
     * deletes the deadline, only if it is still at the run this node leased. A second run of the same deadline (a
     * lease that ran out mid-way and was taken over) finds it gone or leased again and writes nothing, so the
     * timeout is recorded once.
     */
    private void endDeadline(SendOutcome.WatchEnded ended) {
        Hold hold = holds.remove(ended.messageId());
        Runnable[] handOver = {() -> {}};
        boolean ends = Transact.write(client, "a receipt deadline's end", () -> {
            handOver[0] = () -> {};
            Map<String, AttributeValue> item = get(sends(), SendItems.deadlineKey(ended.messageId()));
            if (item == null) {
                // ended by another run of the same deadline, which recorded what this one would
                return new Transact.Planned<>(new Writes(), false);
            }
            int runs = (int) Items.number(item, Sends.RUNS, 0);
            if (hold != null && hold.runs() != runs) {
                return new Transact.Planned<>(new Writes(), false);
            }
            Writes writes = new Writes();
            if (ended.timeout() != null) {
                CommitPlanner.Plan plan = messages.planTimedOut(ended, SortableTime.stored(clock.instant()));
                handOver[0] = plan.committed();
                writes = plan.writes();
            }
            writes.delete(
                    sends(),
                    SendItems.deadlineKey(ended.messageId()),
                    new Writes.Condition("#r = :r", Map.of("#r", Sends.RUNS), Map.of(":r", n(runs))));
            return new Transact.Planned<>(writes, true);
        });
        if (!ends) {
            LOG.warn(
                    "the receipt deadline of {} was leased again or ended elsewhere; this run stores nothing",
                    ended.messageId());
            return;
        }
        handOver[0].run();
    }

    /** A send kept for a replay (core's {@link SendResults#deadLetter}), and beside it what the replay needs. */
    private void deadLetter(Writes writes, SendOutcome.Failed failed, Job job, int attempts, Instant now) {
        SendResults.DeadSend dead = SendResults.deadLetter(failed);
        DeadLetter letter = DeadLetterItems.letter(
                DeadLetterItems.SEND, failed.messageId(), dead.payload(), attempts, dead.lastError(), now);
        DeadLetterItems.put(
                writes,
                tables,
                letter,
                Map.of(Sends.CONVERSATION_ID, s(job.conversationId()), Sends.TICKET, n(job.ticket())));
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
                : CarrierType.fromWireName(string(stored, Conversations.CARRIER))
                        .orElse(null);
        Set<String> optedOut = new TreeSet<>();
        for (Map<String, AttributeValue> optOut : queryAll(QueryRequest.builder()
                .tableName(tables.name(Tables.PARTICIPANTS))
                .keyConditionExpression("#p = :p AND begins_with(#e, :o)")
                .expressionAttributeNames(Map.of("#p", Participants.PARTICIPANT, "#e", Participants.ENTRY))
                .expressionAttributeValues(
                        Map.of(":p", s(conversation.participant()), ":o", s(Participants.OPT_OUT_PREFIX)))
                .consistentRead(true)
                .build())) {
            optedOut.add(string(optOut, Participants.ENTRY).substring(Participants.OPT_OUT_PREFIX.length()));
        }
        return new RecipientFacts(lastCarrier, optedOut, lastWhatsAppInbound(stored, conversation.conversationId()));
    }

    /**
     * When the customer last wrote on WhatsApp: the conversation keeps it; one last counted before it did is
     * read from its messages.
     */
    private Instant lastWhatsAppInbound(Map<String, AttributeValue> conversation, String conversationId) {
        if (conversation == null) {
            return null;
        }
        if (conversation.containsKey(Conversations.LAST_WHATSAPP_INBOUND_AT)) {
            return Items.instant(conversation, Conversations.LAST_WHATSAPP_INBOUND_AT);
        }
        return lastWhatsAppInbound(conversationId);
    }

    @Override
    public List<NumberUse> numbersUsed(ConversationKey addressed, int max) {
        ConversationKey conversation = linked(addressed);
        List<NumberUse> uses = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        // newest first through the conversation's messages; queued and failed sends are filtered out on the way
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = client.query(r -> r.tableName(tables.name(Tables.MESSAGES))
                    .keyConditionExpression("#c = :c")
                    .filterExpression("#d = :in OR #s IN (:sent, :delivered, :read)")
                    .projectionExpression("#k, #a, #d, #f, #t")
                    .expressionAttributeNames(Map.of(
                            "#c", Messages.CONVERSATION_ID,
                            "#d", Messages.DIRECTION,
                            "#s", Messages.STATUS,
                            "#k", Messages.CARRIER,
                            "#a", Messages.ACCOUNT,
                            "#f", Messages.SENDER,
                            "#t", Messages.RECIPIENT))
                    .expressionAttributeValues(Map.of(
                            ":c", s(conversation.conversationId()),
                            ":in", s(Direction.INBOUND.wireName()),
                            ":sent", s(MessageStatus.SENT.wireName()),
                            ":delivered", s(MessageStatus.DELIVERED.wireName()),
                            ":read", s(MessageStatus.READ.wireName())))
                    .scanIndexForward(false)
                    .limit(max)
                    .consistentRead(true)
                    .exclusiveStartKey(from));
            for (Map<String, AttributeValue> item : page.items()) {
                boolean inbound = Direction.INBOUND.wireName().equals(string(item, Messages.DIRECTION));
                String number = string(item, inbound ? Messages.RECIPIENT : Messages.SENDER);
                CarrierType carrier =
                        CarrierType.fromWireName(string(item, Messages.CARRIER)).orElse(null);
                if (carrier != null && number != null && uses.size() < max) {
                    uses.add(new NumberUse(carrier, string(item, Messages.ACCOUNT), number));
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && uses.size() < max);
        return uses;
    }

    /** The conversation a WhatsApp user id or an old number is linked to, else the key itself. */
    private ConversationKey linked(ConversationKey key) {
        Map<String, AttributeValue> link = get(
                tables.name(Tables.PARTICIPANTS),
                Map.of(Participants.PARTICIPANT, s(key.participant()), Participants.ENTRY, s(Participants.LINK)));
        return link == null ? key : new ConversationKey(string(link, Participants.LINKED_TO));
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
                return SortableTime.parse(string(page.items().getFirst(), Messages.CREATED_AT));
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
                .map(item -> readJson(string(item, Tables.Settings.VALUE), RoutingRule.class))
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
        return deliveries.claimCallbacks(owner, now, lease, max);
    }

    @Override
    public int releaseCallbackLeasesOf(String owner) {
        return deliveries.releaseCallbackLeasesOf(owner);
    }

    @Override
    public CompletableFuture<Void> callbackDelivered(long id) {
        return deliveries.callbackDelivered(id);
    }

    @Override
    public void handOffDeliveries(String owner, Duration lease, Consumer<List<CallbackDelivery>> listener) {
        deliveries.handOffDeliveries(owner, lease, listener);
    }

    @Override
    public void callbackFailed(long id, String error, Instant retryAt) {
        deliveries.callbackFailed(id, error, retryAt);
    }

    // ---- dead letters ----------------------------------------------------------------------------------

    @Override
    public List<io.omniservice.core.notify.DeliveryState.Waiting> waitingEventDeliveries(int max) {
        return deliveries.waitingEvents(max);
    }

    @Override
    public List<DeadLetter> deadLetters(int limit) {
        return DeadLetterItems.newest(client, tables, limit);
    }

    /** A replay as planned: the letter as it reads once replayed, and what to do once it is written. */
    private record Replayed(DeadLetter letter, Runnable committed) {}

    @Override
    public Optional<DeadLetter> replay(String id) {
        Replayed replayed = Transact.write(client, "a replayed dead letter", () -> {
            Optional<Map<String, AttributeValue>> found = DeadLetterItems.find(client, tables, id);
            if (found.isEmpty()) {
                return new Transact.Planned<Replayed>(new Writes(), null);
            }
            DeadLetter letter = DeadLetterItems.read(found.get());
            if (letter.replayedAt() != null) {
                return new Transact.Planned<Replayed>(new Writes(), null);
            }
            Instant now = SortableTime.stored(clock.instant());
            Writes writes;
            Runnable committed;
            switch (letter.kind()) {
                case DeadLetterItems.SEND -> {
                    writes = messages.planRequeued(letter.messageId(), now).writes();
                    String conversationId = replaySend(writes, letter, found.get(), now);
                    committed = () -> pumpQuietly(conversationId, now);
                }
                case DeadLetterItems.WORKFLOW -> {
                    writes = new Writes();
                    committed = outbox.appendReplayed(writes, letter)::committed;
                }
                default -> {
                    writes = new Writes();
                    committed = deliveries.appendReplayed(writes, letter, now)::committed;
                }
            }
            DeadLetterItems.markReplayed(writes, tables, id, now);
            return new Transact.Planned<>(
                    writes,
                    new Replayed(
                            new DeadLetter(
                                    letter.id(),
                                    letter.kind(),
                                    letter.messageId(),
                                    letter.attempts(),
                                    letter.lastError(),
                                    letter.createdAt(),
                                    now,
                                    letter.payload()),
                            committed));
        });
        if (replayed == null) {
            return Optional.empty();
        }
        replayed.committed().run();
        return Optional.of(replayed.letter());
    }

    /**
     * A replayed send is queued again as a person asked: a new job (core's {@link SendResults#REPLAY_PRIORITY},
     * due now) with a new ticket. Returns its conversation.
     */
    private String replaySend(Writes writes, DeadLetter letter, Map<String, AttributeValue> item, Instant now) {
        String conversationId = string(item, Sends.CONVERSATION_ID);
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
                (int) Items.number(item, Sends.TICKET, 0) + 1,
                null,
                null,
                true);
        writes.put(
                sends(),
                SendItems.jobKey(job.messageId()),
                SendItems.jobItem(tables, job),
                Writes.Condition.absent(Sends.MESSAGE_ID));
        writes.put(
                sends(),
                SendItems.lineKey(conversationId, job.lineEntry()),
                SendItems.lineItem(job),
                Writes.Condition.none());
        return conversationId;
    }

    // ---- DynamoDB -----------------------------------------------------------------------------------------

    private String sends() {
        return tables.name(Tables.SENDS);
    }

    private static <T> T readJson(String json, Class<T> type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a stored " + type.getSimpleName() + " is not readable JSON", e);
        }
    }

    private Map<String, AttributeValue> get(String table, Map<String, AttributeValue> key) {
        try {
            return reads.get(table, key);
        } catch (SdkException e) {
            throw Transactions.failure("cannot read " + table, e);
        }
    }

    private List<Map<String, AttributeValue>> queryAll(QueryRequest query) {
        try {
            return reads.queryAll(query);
        } catch (SdkException e) {
            throw Transactions.failure("cannot read " + query.tableName(), e);
        }
    }

    private void write(String what, Runnable request) {
        try {
            request.run();
        } catch (SdkException e) {
            throw Transactions.failure("cannot " + what, e);
        }
    }
}
