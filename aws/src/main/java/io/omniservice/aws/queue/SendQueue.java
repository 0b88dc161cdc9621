package io.omniservice.aws.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.outbound.Priority;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.ReceiptHandleIsInvalidException;
import software.amazon.awssdk.services.sqs.model.RequestThrottledException;

/**
 * The work queue of sends in the AWS mode, on SQS FIFO queues. A send waits as a {@link SendTicket} (ids
 * only; the job itself is in DynamoDB) in the queue of its priority:
 *
 * <ul>
 *   <li><b>order</b>: the message group is the conversation, so SQS hands out a conversation's sends in the
 *       order they were enqueued and none of them while an earlier one is held by a receiver;
 *   <li><b>dedupe</b>: the deduplication id is message id + attempt, so enqueuing the same attempt again
 *       within SQS's five minutes (a retried commit) leaves one ticket;
 *   <li><b>lease</b>: a receive hides the ticket for the lease (the visibility timeout); a node that neither
 *       finishes nor gives it back in time loses it to the next receiver;
 *   <li><b>dead letters</b>: after {@code maxReceiveCount} receives without an outcome SQS moves the ticket
 *       to the FIFO dead-letter queue, where {@link #deadLetters} lists it and {@link #replay} puts it back;
 *   <li><b>priority</b>: FIFO queues have none, so each priority has its own queue and a receive empties
 *       high before normal before low. Order and one-at-a-time hold per conversation within a priority: a
 *       conversation's high message is not held behind its earlier normal one, and may be sent beside it.
 * </ul>
 *
 * <p>SQS holds a received ticket at most 12 hours and a FIFO queue has no per-message delay, so the queue
 * takes only sends that are due: a scheduled send stays in the store until its time and is enqueued then;
 * a retry due within 12 hours is put off with {@link #later}, one due later goes back to the store.
 *
 * <p>The queue does not own the client: whoever built it closes it. Safe for concurrent use.
 */
public final class SendQueue {
    private static final Logger LOG = LoggerFactory.getLogger(SendQueue.class);
    /** SQS returns at most ten messages per receive and takes at most ten entries per batch. */
    private static final int SQS_BATCH = 10;
    /** SQS keeps a received message hidden for at most 12 hours. */
    static final Duration MAX_VISIBILITY = Duration.ofHours(12);
    /** How long reading the dead-letter queue hides what it read, in case the reader dies before giving it back. */
    private static final int DEAD_LETTER_HOLD_SECONDS = 30;
    /** How many dead letters {@link #replay} reads at most looking for one. */
    private static final int REPLAY_SEARCH_LIMIT = 1000;
    /** SQS's longest retention, so a dead send waits for a person as long as SQS allows. */
    private static final String FOURTEEN_DAYS = Integer.toString(14 * 24 * 3600);

    private final SqsClient sqs;
    private final SendQueueSettings settings;
    private final Clock clock;
    private final Map<Priority, String> laneUrls;
    private final String deadLetterUrl;

    private SendQueue(
            SqsClient sqs, SendQueueSettings settings, Clock clock, Map<Priority, String> laneUrls, String deadUrl) {
        this.sqs = sqs;
        this.settings = settings;
        this.clock = clock;
        this.laneUrls = laneUrls;
        this.deadLetterUrl = deadUrl;
    }

    /**
     * Finds the queues (creating them first when {@code settings.create()}) and checks that each priority's
     * queue moves unfinished sends to the dead-letter queue after {@code maxReceiveCount} receives.
     *
     * @throws SendQueueException naming the queue that is missing or set up otherwise
     */
    public static SendQueue open(SqsClient sqs, SendQueueSettings settings, Clock clock) {
        Objects.requireNonNull(sqs, "sqs");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(clock, "clock");
        String deadName = settings.deadLetterQueueName();
        String deadUrl = settings.create()
                ? create(sqs, deadName, Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD, FOURTEEN_DAYS))
                : lookUp(sqs, deadName);
        String deadArn = call(
                        "read the ARN of",
                        deadName,
                        () -> sqs.getQueueAttributes(
                                b -> b.queueUrl(deadUrl).attributeNames(QueueAttributeName.QUEUE_ARN)))
                .attributes()
                .get(QueueAttributeName.QUEUE_ARN);
        Map<Priority, String> lanes = new EnumMap<>(Priority.class);
        for (Priority lane : Priority.values()) {
            String name = settings.queueName(lane);
            String url = settings.create()
                    ? create(sqs, name, Map.of(QueueAttributeName.REDRIVE_POLICY, redrivePolicy(deadArn, settings)))
                    : lookUp(sqs, name);
            checkRedrive(sqs, name, url, deadName, deadArn, settings.maxReceiveCount());
            lanes.put(lane, url);
        }
        return new SendQueue(sqs, settings, clock, Collections.unmodifiableMap(lanes), deadUrl);
    }

    /**
     * Puts a due send in the queue of its priority. Enqueuing the same message and attempt again within
     * five minutes leaves one ticket.
     *
     * @throws IllegalArgumentException when the send is scheduled later than now: the store holds it until then
     */
    public void enqueue(SendTicket ticket) {
        Objects.requireNonNull(ticket, "ticket");
        Instant now = clock.instant();
        if (ticket.notBefore().isAfter(now)) {
            throw new IllegalArgumentException("message " + ticket.messageId() + " is scheduled for "
                    + ticket.notBefore() + ": the send queue takes sends that are due (a FIFO queue cannot"
                    + " delay one message), so the store keeps it and enqueues it then");
        }
        send(ticket, ticket.deduplicationId());
    }

    /**
     * Receives up to {@code max} sends, high priority first, each held for {@code lease}. A batch may hold
     * several sends of one conversation, in their order; the receiver runs them one after the other, and
     * the lease covers the waiting too. A message that is not a ticket of ours is left alone (logged by
     * its SQS id) and reaches the dead-letter queue.
     *
     * @param lease between one second and 12 hours, in whole seconds (rounded up)
     */
    public List<LeasedSend> receive(int max, Duration lease) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be 1 or more, not " + max);
        }
        int seconds = visibilitySeconds("lease", lease);
        if (seconds == 0) {
            throw new IllegalArgumentException("a lease must be at least one second");
        }
        // counted from before the call: the real lease starts a little later, so this errs on the safe side
        Instant leaseUntil = clock.instant().plusSeconds(seconds);
        List<LeasedSend> received = new ArrayList<>();
        for (Priority lane : Priority.values()) {
            String url = laneUrls.get(lane);
            String name = settings.queueName(lane);
            while (received.size() < max) {
                int wanted = Math.min(SQS_BATCH, max - received.size());
                List<Message> batch = call(
                                "receive from",
                                name,
                                () -> sqs.receiveMessage(b -> b.queueUrl(url)
                                        .maxNumberOfMessages(wanted)
                                        .visibilityTimeout(seconds)
                                        .messageSystemAttributeNames(
                                                MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)))
                        .messages();
                for (Message message : batch) {
                    SendTicket ticket = ticket(message.body());
                    if (ticket == null) {
                        LOG.warn(
                                "SQS message {} in {} is not a send ticket; left for the dead-letter queue",
                                message.messageId(),
                                name);
                        continue;
                    }
                    received.add(new LeasedSend(
                            ticket, new Receipt(lane, message.receiptHandle()), receiveCount(message), leaseUntil));
                }
                if (batch.size() < wanted) {
                    break;
                }
            }
        }
        return received;
    }

    /**
     * A send SQS handed to a Lambda function rather than to {@link #receive}: the event record's queue, body,
     * receipt handle and receive count, as one of ours; empty when the queue is not one of this queue's lanes or
     * the body is not a ticket.
     *
     * @param queueArn the record's {@code eventSourceARN}, whose last part is the queue's name
     */
    public Optional<LeasedSend> received(
            String queueArn, String body, String receiptHandle, int receiveCount, Instant leaseUntil) {
        String name = queueArn == null ? "" : queueArn.substring(queueArn.lastIndexOf(':') + 1);
        for (Priority lane : Priority.values()) {
            if (settings.queueName(lane).equals(name)) {
                SendTicket ticket = ticket(body);
                return ticket == null
                        ? Optional.empty()
                        : Optional.of(
                                new LeasedSend(ticket, new Receipt(lane, receiptHandle), receiveCount, leaseUntil));
            }
        }
        return Optional.empty();
    }

    /** Removes a finished send, whose outcome the store holds. */
    public void done(Receipt receipt) {
        Objects.requireNonNull(receipt, "receipt");
        String name = settings.queueName(receipt.lane());
        callWithReceipt(
                "delete a send from",
                name,
                () -> sqs.deleteMessage(
                        b -> b.queueUrl(laneUrls.get(receipt.lane())).receiptHandle(receipt.handle())));
    }

    /**
     * Puts a held send off: it comes out again after {@code delay}, and its conversation's later sends wait
     * behind it. SQS counts the next receive toward {@code maxReceiveCount}.
     *
     * @param delay at most 12 hours, SQS's limit (counted by SQS from the send's first receive); a send due
     *     later goes back to the store
     */
    public void later(Receipt receipt, Duration delay) {
        Objects.requireNonNull(receipt, "receipt");
        int seconds = visibilitySeconds("delay", delay);
        changeVisibility(receipt, seconds, "put off a send in");
    }

    /** Gives a held send back at once (the node is stopping); the next receive counts toward the dead-letter limit. */
    public void release(Receipt receipt) {
        Objects.requireNonNull(receipt, "receipt");
        changeVisibility(receipt, 0, "give back a send to");
    }

    /**
     * Lists up to {@code max} sends in the dead-letter queue. SQS can show a message only by receiving it,
     * so they are received, hidden for a moment and given back at once; each read adds one to their receive
     * count. A FIFO queue hides a conversation's later messages while earlier ones are received, so a
     * conversation with many dead sends shows those SQS hands out together.
     */
    public List<DeadSend> deadLetters(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be 1 or more, not " + max);
        }
        List<Message> held = new ArrayList<>();
        try {
            while (held.size() < max) {
                List<Message> batch = receiveDead(Math.min(SQS_BATCH, max - held.size()));
                if (batch.isEmpty()) {
                    break;
                }
                held.addAll(batch);
            }
            List<DeadSend> dead = new ArrayList<>(held.size());
            for (Message message : held) {
                dead.add(deadSend(message));
            }
            return dead;
        } finally {
            giveBackDead(held);
        }
    }

    /**
     * Puts a dead send back in the queue of its priority and removes it from the dead-letter queue. Its
     * deduplication id is new (made from the dead letter's id), so the ticket's own id, still within SQS's
     * five minutes, cannot swallow it, while replaying the same dead letter twice leaves one ticket.
     *
     * @param id a {@link DeadSend#id()}
     * @return the ticket put back, or empty when no such dead letter was found
     * @throws IllegalStateException when the dead letter is not a ticket of ours; it stays where it is
     */
    public Optional<SendTicket> replay(String id) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("dead letter id is required");
        }
        List<Message> held = new ArrayList<>();
        try {
            Message found = null;
            while (found == null && held.size() < REPLAY_SEARCH_LIMIT) {
                List<Message> batch = receiveDead(SQS_BATCH);
                if (batch.isEmpty()) {
                    break;
                }
                for (Message message : batch) {
                    if (found == null && message.messageId().equals(id)) {
                        found = message;
                    } else {
                        held.add(message);
                    }
                }
            }
            if (found == null) {
                return Optional.empty();
            }
            SendTicket ticket = ticket(found.body());
            if (ticket == null) {
                held.add(found);
                throw new IllegalStateException("dead letter " + id + " in " + settings.deadLetterQueueName()
                        + " is not a send ticket; it cannot be replayed and stays there");
            }
            send(ticket, "replay-" + id);
            String receipt = found.receiptHandle();
            callWithReceipt(
                    "delete a replayed send from",
                    settings.deadLetterQueueName(),
                    () -> sqs.deleteMessage(b -> b.queueUrl(deadLetterUrl).receiptHandle(receipt)));
            return Optional.of(ticket);
        } finally {
            giveBackDead(held);
        }
    }

    /**
     * Moves up to {@code max} sends out of the dead-letter queue: each is handed to {@code keep}, which stores it
     * elsewhere (the store's dead-letter table), and is deleted from the queue only once {@code keep} returned;
     * if {@code keep} throws, that send and the rest stay in the queue for the next call. A message that is not
     * a ticket of ours is left where it is (logged by its SQS id): there is nothing to store for it.
     *
     * @return how many were moved
     */
    public int drainDeadLetters(int max, java.util.function.Consumer<DeadSend> keep) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be 1 or more, not " + max);
        }
        Objects.requireNonNull(keep, "keep");
        int moved = 0;
        List<Message> held = new ArrayList<>();
        try {
            while (moved + held.size() < max) {
                List<Message> batch = receiveDead(Math.min(SQS_BATCH, max - moved - held.size()));
                if (batch.isEmpty()) {
                    break;
                }
                for (int i = 0; i < batch.size(); i++) {
                    Message message = batch.get(i);
                    DeadSend dead = deadSend(message);
                    if (dead.ticket() == null) {
                        LOG.warn(
                                "SQS message {} in {} is not a send ticket; left there",
                                message.messageId(),
                                settings.deadLetterQueueName());
                        held.add(message);
                        continue;
                    }
                    try {
                        keep.accept(dead);
                    } catch (RuntimeException e) {
                        held.addAll(batch.subList(i, batch.size()));
                        throw e;
                    }
                    String receipt = message.receiptHandle();
                    callWithReceipt(
                            "delete a dead send from",
                            settings.deadLetterQueueName(),
                            () -> sqs.deleteMessage(
                                    b -> b.queueUrl(deadLetterUrl).receiptHandle(receipt)));
                    moved++;
                }
            }
            return moved;
        } finally {
            giveBackDead(held);
        }
    }

    private static DeadSend deadSend(Message message) {
        String sent = message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
        return new DeadSend(
                message.messageId(),
                ticket(message.body()),
                receiveCount(message),
                sent == null ? null : Instant.ofEpochMilli(Long.parseLong(sent)));
    }

    private void send(SendTicket ticket, String deduplicationId) {
        String body = Json.text(ticket);
        call(
                "enqueue a send in",
                settings.queueName(ticket.priority()),
                () -> sqs.sendMessage(b -> b.queueUrl(laneUrls.get(ticket.priority()))
                        .messageBody(body)
                        .messageGroupId(ticket.messageGroupId())
                        .messageDeduplicationId(deduplicationId)));
    }

    private List<Message> receiveDead(int max) {
        return call(
                        "read",
                        settings.deadLetterQueueName(),
                        () -> sqs.receiveMessage(b -> b.queueUrl(deadLetterUrl)
                                .maxNumberOfMessages(max)
                                .visibilityTimeout(DEAD_LETTER_HOLD_SECONDS)
                                .messageSystemAttributeNames(
                                        MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                                        MessageSystemAttributeName.SENT_TIMESTAMP)))
                .messages();
    }

    /** Makes dead letters that were only read visible again; any left over come back after the short hold. */
    private void giveBackDead(List<Message> held) {
        for (int from = 0; from < held.size(); from += SQS_BATCH) {
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
            for (int i = from; i < Math.min(held.size(), from + SQS_BATCH); i++) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder()
                        .id(Integer.toString(i))
                        .receiptHandle(held.get(i).receiptHandle())
                        .visibilityTimeout(0)
                        .build());
            }
            try {
                ChangeMessageVisibilityBatchResponse response = call(
                        "give back dead letters to",
                        settings.deadLetterQueueName(),
                        () -> sqs.changeMessageVisibilityBatch(
                                b -> b.queueUrl(deadLetterUrl).entries(entries)));
                if (response.hasFailed() && !response.failed().isEmpty()) {
                    LOG.warn(
                            "{} dead letters stay hidden for {} s: {}",
                            response.failed().size(),
                            DEAD_LETTER_HOLD_SECONDS,
                            response.failed().getFirst().message());
                }
            } catch (SendQueueException e) {
                LOG.warn("dead letters stay hidden for {} s: {}", DEAD_LETTER_HOLD_SECONDS, e.getMessage());
            }
        }
    }

    private void changeVisibility(Receipt receipt, int seconds, String action) {
        String name = settings.queueName(receipt.lane());
        callWithReceipt(
                action,
                name,
                () -> sqs.changeMessageVisibility(b -> b.queueUrl(laneUrls.get(receipt.lane()))
                        .receiptHandle(receipt.handle())
                        .visibilityTimeout(seconds)));
    }

    /** A lease or delay in whole seconds, rounded up, within what SQS can hide a message for. */
    private static int visibilitySeconds(String what, Duration duration) {
        Objects.requireNonNull(duration, what);
        if (duration.isNegative()) {
            throw new IllegalArgumentException(what + " cannot be negative: " + duration);
        }
        if (duration.compareTo(MAX_VISIBILITY) > 0) {
            throw new IllegalArgumentException(what + " " + duration + " is longer than the 12 hours SQS can hold"
                    + " a received send; a send due later goes back to the store");
        }
        long seconds = duration.getSeconds() + (duration.getNano() > 0 ? 1 : 0);
        return (int) seconds;
    }

    /** The ticket in a message body, or null when the body is not one of ours. */
    private static SendTicket ticket(String body) {
        try {
            return Json.MAPPER.readValue(body, SendTicket.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return null;
        }
    }

    private static int receiveCount(Message message) {
        String count = message.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT);
        return count == null ? 0 : Integer.parseInt(count);
    }

    private static String redrivePolicy(String deadArn, SendQueueSettings settings) {
        return Json.text(Map.of(
                "deadLetterTargetArn", deadArn, "maxReceiveCount", Integer.toString(settings.maxReceiveCount())));
    }

    private static String create(SqsClient sqs, String name, Map<QueueAttributeName, String> extra) {
        Map<QueueAttributeName, String> attributes = new EnumMap<>(QueueAttributeName.class);
        attributes.put(QueueAttributeName.FIFO_QUEUE, "true");
        // every ticket brings its own deduplication id; hashing bodies would merge a replay with its original
        attributes.put(QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "false");
        attributes.putAll(extra);
        return call("create", name, () -> sqs.createQueue(b -> b.queueName(name).attributes(attributes)))
                .queueUrl();
    }

    private static String lookUp(SqsClient sqs, String name) {
        return call("find", name, () -> sqs.getQueueUrl(b -> b.queueName(name))).queueUrl();
    }

    /** A queue that keeps unfinished sends forever, or sends them elsewhere, would break the dead-letter API. */
    private static void checkRedrive(
            SqsClient sqs, String name, String url, String deadName, String deadArn, int maxReceiveCount) {
        String policy = call(
                        "read the redrive policy of",
                        name,
                        () -> sqs.getQueueAttributes(
                                b -> b.queueUrl(url).attributeNames(QueueAttributeName.REDRIVE_POLICY)))
                .attributes()
                .get(QueueAttributeName.REDRIVE_POLICY);
        String wanted = "it must move sends to " + deadName + " after " + maxReceiveCount + " receives";
        if (policy == null || policy.isBlank()) {
            throw new SendQueueException(
                    SendQueueException.Kind.MISCONFIGURED,
                    "SQS queue " + name + " has no redrive policy: " + wanted,
                    null);
        }
        JsonNode redrive;
        try {
            redrive = Json.MAPPER.readTree(policy);
        } catch (JsonProcessingException e) {
            throw new SendQueueException(
                    SendQueueException.Kind.MISCONFIGURED,
                    "SQS queue " + name + " has an unreadable redrive policy",
                    e);
        }
        String target = redrive.path("deadLetterTargetArn").asText();
        int count = redrive.path("maxReceiveCount").asInt(-1);
        if (!deadArn.equals(target) || count != maxReceiveCount) {
            throw new SendQueueException(
                    SendQueueException.Kind.MISCONFIGURED,
                    "SQS queue " + name + " moves sends to " + target + " after " + count + " receives, but " + wanted,
                    null);
        }
    }

    private static <T> T call(String action, String queueName, Supplier<T> request) {
        return call(action, queueName, request, false);
    }

    /** An operation with a receipt: a receipt SQS no longer honours means the lease was lost. */
    private static <T> T callWithReceipt(String action, String queueName, Supplier<T> request) {
        return call(action, queueName, request, true);
    }

    private static <T> T call(String action, String queueName, Supplier<T> request, boolean withReceipt) {
        try {
            return request.get();
        } catch (QueueDoesNotExistException e) {
            throw new SendQueueException(
                    SendQueueException.Kind.QUEUE_MISSING,
                    "SQS queue " + queueName + " does not exist (asked to " + action + " it)",
                    e);
        } catch (AwsServiceException e) {
            String code =
                    e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            String detail = e.awsErrorDetails() == null
                    ? e.getMessage()
                    : e.awsErrorDetails().errorMessage();
            if (e instanceof RequestThrottledException || e.isThrottlingException()) {
                throw new SendQueueException(
                        SendQueueException.Kind.THROTTLED,
                        "SQS throttled the call to " + action + " " + queueName + "; try again later",
                        e);
            }
            if (withReceipt && leaseLost(e, code, detail)) {
                throw new SendQueueException(
                        SendQueueException.Kind.LEASE_LOST,
                        "cannot " + action + " " + queueName + ": the receipt no longer holds the send (its lease"
                                + " ran out and another node may have it, or it is already done)",
                        e);
            }
            throw new SendQueueException(
                    SendQueueException.Kind.REFUSED,
                    "SQS refused to " + action + " " + queueName + ": " + code + ": " + detail,
                    e);
        } catch (SdkClientException e) {
            throw new SendQueueException(
                    SendQueueException.Kind.UNREACHABLE,
                    "cannot reach SQS to " + action + " " + queueName + ": " + e.getMessage(),
                    e);
        } catch (SdkException e) {
            throw new SendQueueException(
                    SendQueueException.Kind.REFUSED, "cannot " + action + " " + queueName + ": " + e.getMessage(), e);
        }
    }

    /**
     * SQS answers an old receipt of a FIFO queue with {@code InvalidParameterValue} ("The receipt handle has
     * expired"); ElasticMQ and a receipt of an already deleted send with {@code ReceiptHandleIsInvalid}.
     */
    private static boolean leaseLost(AwsServiceException e, String code, String detail) {
        if (e instanceof ReceiptHandleIsInvalidException || "ReceiptHandleIsInvalid".equals(code)) {
            return true;
        }
        return "InvalidParameterValue".equals(code)
                && detail != null
                && detail.toLowerCase(java.util.Locale.ROOT).contains("receipt handle");
    }
}
