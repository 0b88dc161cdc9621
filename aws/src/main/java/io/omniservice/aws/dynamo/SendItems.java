package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.Items.n;
import static io.omniservice.aws.dynamo.Items.s;
import static io.omniservice.aws.dynamo.Items.string;
import static io.omniservice.aws.dynamo.Items.time;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.omniservice.aws.dynamo.Tables.Sends;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.outbound.Priority;
import io.omniservice.core.outbound.SendAttempt;
import io.omniservice.core.outbound.SendJob;
import io.omniservice.core.outbound.SendPlan;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The {@code sends} table's items: a send's job, its entry in its conversation's line, and its attempts. The
 * README's "Table design" and {@link Sends} say why they are shaped so.
 *
 * <p>A job is leased while it has {@code leaseUntil} ({@code leaseOwner} may stay behind) and pending while it
 * has {@code pendingShard} ({@code pendingKey} may stay behind, out of the index without its partition key): so
 * each change removes one attribute, which the http4k fake needs (it fails on {@code REMOVE a, b}). A leased
 * job is pending too, keyed at its lease's end: a sweep looks at it if its holder never finishes it, and a
 * restarted holder finds it there.
 */
final class SendItems {
    private SendItems() {}

    /**
     * A send's job as stored.
     *
     * @param lineEntry its entry in its conversation's line: {@code <acceptedAt>#<messageId>}
     * @param runs how often it was leased
     * @param ticket which SQS ticket of the send is current, from 1
     * @param leaseOwner who holds it, or null; with {@code leaseUntil}
     * @param pending whether a sweep looks at it (it is in {@code pending-index}): its current ticket is not
     *     known to be in SQS, or it is leased and its holder may never finish it
     */
    record Job(
            String messageId,
            String conversationId,
            Priority priority,
            Instant notBefore,
            Instant expireAt,
            SendPlan plan,
            Instant createdAt,
            String lineEntry,
            int runs,
            int ticket,
            String leaseOwner,
            Instant leaseUntil,
            boolean pending) {
        Job {
            Objects.requireNonNull(messageId, "messageId");
            Objects.requireNonNull(conversationId, "conversationId");
            Objects.requireNonNull(priority, "priority");
            Objects.requireNonNull(notBefore, "notBefore");
            Objects.requireNonNull(plan, "plan");
            Objects.requireNonNull(lineEntry, "lineEntry");
        }

        /** Whether someone holds it at {@code now}. */
        boolean leasedAt(Instant now) {
            return leaseUntil != null && !leaseUntil.isBefore(now);
        }

        /** When a sweep should look at it: when it is due, or when the lease that holds it runs out. */
        Instant lookAt() {
            return leaseUntil != null && leaseUntil.isAfter(notBefore) ? leaseUntil : notBefore;
        }
    }

    static Map<String, AttributeValue> jobKey(String messageId) {
        return Map.of(Sends.MESSAGE_ID, s(messageId), Sends.ENTRY, s(Sends.JOB));
    }

    static Map<String, AttributeValue> lineKey(String conversationId, String lineEntry) {
        return Map.of(Sends.MESSAGE_ID, s(Sends.line(conversationId)), Sends.ENTRY, s(lineEntry));
    }

    /** A send's place in its conversation's line: accepted then, and the message id for ties. */
    static String lineEntry(Instant acceptedAt, String messageId) {
        return SortableTime.format(acceptedAt) + "#" + messageId;
    }

    static String pendingKey(Instant lookAt, String messageId) {
        return SortableTime.format(lookAt) + "#" + messageId;
    }

    /** The highest pending key of jobs to look at by {@code now}. */
    static String pendingKeyUpTo(Instant now) {
        return SortableTime.format(now) + "#\uffff";
    }

    static Map<String, AttributeValue> jobItem(Tables tables, Job job) {
        Map<String, AttributeValue> item = new HashMap<>(jobKey(job.messageId()));
        item.put(Sends.CONVERSATION_ID, s(job.conversationId()));
        item.put(Sends.PRIORITY, s(job.priority().wireName()));
        item.put(Sends.NOT_BEFORE, time(job.notBefore()));
        if (job.expireAt() != null) {
            item.put(Sends.EXPIRE_AT, time(job.expireAt()));
        }
        item.put(Sends.PLAN, s(Json.text(job.plan())));
        item.put(Sends.CREATED_AT, time(job.createdAt()));
        item.put(Sends.LINE_ENTRY, s(job.lineEntry()));
        item.put(Sends.RUNS, n(job.runs()));
        item.put(Sends.TICKET, n(job.ticket()));
        if (job.leaseOwner() != null) {
            item.put(Sends.LEASE_OWNER, s(job.leaseOwner()));
            item.put(Sends.LEASE_UNTIL, time(job.leaseUntil()));
        }
        if (job.pending()) {
            item.putAll(pending(tables, job.messageId(), job.lookAt()));
        }
        return item;
    }

    /** The attributes that put a job in {@code pending-index}, to be looked at by a sweep at {@code lookAt}. */
    static Map<String, AttributeValue> pending(Tables tables, String messageId, Instant lookAt) {
        return Map.of(
                Sends.PENDING_SHARD,
                s(Integer.toString(tables.shardOf(messageId))),
                Sends.PENDING_KEY,
                s(pendingKey(lookAt, messageId)));
    }

    static Job job(Map<String, AttributeValue> item) {
        return new Job(
                string(item, Sends.MESSAGE_ID),
                string(item, Sends.CONVERSATION_ID),
                Priority.fromWireName(string(item, Sends.PRIORITY)),
                SortableTime.parse(string(item, Sends.NOT_BEFORE)),
                SortableTime.parse(string(item, Sends.EXPIRE_AT)),
                read(string(item, Sends.PLAN), SendPlan.class),
                SortableTime.parse(string(item, Sends.CREATED_AT)),
                string(item, Sends.LINE_ENTRY),
                number(item, Sends.RUNS),
                number(item, Sends.TICKET),
                item.containsKey(Sends.LEASE_UNTIL) ? string(item, Sends.LEASE_OWNER) : null,
                SortableTime.parse(string(item, Sends.LEASE_UNTIL)),
                item.containsKey(Sends.PENDING_SHARD));
    }

    static Map<String, AttributeValue> deadlineKey(String messageId) {
        return Map.of(Sends.MESSAGE_ID, s(messageId), Sends.ENTRY, s(Sends.DEADLINE));
    }

    /**
     * The receipt deadline a sent job leaves behind ({@code waiting}: its plan with the watch): in its own
     * {@code deadline#<bucket>} partition of {@code pending-index}, keyed at the deadline, and in no line, so the
     * conversation's later sends go on meanwhile. It has no {@code lineEntry} and no {@code ticket}: a send's
     * lease, release or redrive (whose conditions need them) cannot take it for a send.
     */
    static Map<String, AttributeValue> deadlineItem(Tables tables, Job sent, SendPlan waiting) {
        Map<String, AttributeValue> item = new HashMap<>(deadlineKey(sent.messageId()));
        item.put(Sends.CONVERSATION_ID, s(sent.conversationId()));
        item.put(Sends.PRIORITY, s(sent.priority().wireName()));
        item.put(Sends.NOT_BEFORE, time(waiting.watch().due()));
        if (sent.expireAt() != null) {
            item.put(Sends.EXPIRE_AT, time(sent.expireAt()));
        }
        item.put(Sends.PLAN, s(Json.text(waiting)));
        item.put(Sends.RUNS, n(0));
        item.putAll(deadlinePending(tables, sent.messageId(), waiting.watch().due()));
        return item;
    }

    /** The attributes that put a deadline in {@code pending-index}, to be taken at {@code lookAt}. */
    static Map<String, AttributeValue> deadlinePending(Tables tables, String messageId, Instant lookAt) {
        return Map.of(
                Sends.PENDING_SHARD,
                s(deadlineShard(tables.shardOf(messageId))),
                Sends.PENDING_KEY,
                s(pendingKey(lookAt, messageId)));
    }

    static String deadlineShard(int bucket) {
        return Sends.DEADLINE_SHARD_PREFIX + bucket;
    }

    /** A deadline item as the job the dispatcher runs at the deadline, leased until {@code leaseUntil}. */
    static SendJob deadlineJob(Map<String, AttributeValue> item, Instant leaseUntil) {
        return new SendJob(
                string(item, Sends.MESSAGE_ID),
                string(item, Sends.CONVERSATION_ID),
                read(string(item, Sends.PLAN), SendPlan.class),
                Priority.fromWireName(string(item, Sends.PRIORITY)),
                SortableTime.parse(string(item, Sends.EXPIRE_AT)),
                number(item, Sends.RUNS),
                leaseUntil,
                null);
    }

    /** The job's entry in its conversation's line: its message id and when it is due. */
    static Map<String, AttributeValue> lineItem(Job job) {
        Map<String, AttributeValue> item = new HashMap<>(lineKey(job.conversationId(), job.lineEntry()));
        item.put(Sends.CONVERSATION_ID, s(job.conversationId()));
        item.put(Sends.NOT_BEFORE, time(job.notBefore()));
        return item;
    }

    /** The message id a line entry is for. */
    static String lineMessageId(Map<String, AttributeValue> lineItem) {
        String entry = string(lineItem, Sends.ENTRY);
        return entry.substring(entry.indexOf('#') + 1);
    }

    /**
     * One attempt, under {@code attempt#<recordedAt>#<n>}: the outcome that recorded it, and its place in that
     * outcome's list, so attempts read back in the order they were made.
     */
    static Map<String, AttributeValue> attemptItem(String messageId, Instant recordedAt, int n, SendAttempt attempt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(Sends.MESSAGE_ID, s(messageId));
        item.put(
                Sends.ENTRY,
                s(Sends.ATTEMPT_PREFIX + SortableTime.format(recordedAt) + "#" + String.format("%04d", n)));
        item.put(Sends.CARRIER, s(attempt.carrier().wireName()));
        Items.putString(item, Sends.ACCOUNT, attempt.account());
        item.put(Sends.ATTEMPTED_AT, time(attempt.at()));
        item.put(Sends.DURATION_MS, n(attempt.durationMs()));
        Items.putString(item, Sends.OUTCOME, attempt.outcome());
        if (attempt.httpStatus() != null) {
            item.put(Sends.HTTP_STATUS, n(attempt.httpStatus()));
        }
        Items.putString(item, Sends.ERROR_CODE, attempt.errorCode());
        Items.putString(item, Sends.ERROR_MESSAGE, attempt.errorMessage());
        Items.putString(item, Sends.SENT_TO, attempt.to());
        return item;
    }

    static SendAttempt attempt(Map<String, AttributeValue> item) {
        AttributeValue status = item.get(Sends.HTTP_STATUS);
        return new SendAttempt(
                CarrierType.fromWireName(string(item, Sends.CARRIER))
                        .orElseThrow(() -> new IllegalStateException(
                                "stored attempt names an unknown carrier: " + string(item, Sends.CARRIER))),
                string(item, Sends.ACCOUNT),
                SortableTime.parse(string(item, Sends.ATTEMPTED_AT)),
                Long.parseLong(item.get(Sends.DURATION_MS).n()),
                string(item, Sends.OUTCOME),
                status == null ? null : Integer.valueOf(status.n()),
                string(item, Sends.ERROR_CODE),
                string(item, Sends.ERROR_MESSAGE),
                string(item, Sends.SENT_TO));
    }

    private static int number(Map<String, AttributeValue> item, String attribute) {
        return (int) Items.number(item, attribute, 0);
    }

    private static <T> T read(String json, Class<T> type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored " + type.getSimpleName() + " is not readable JSON", e);
        }
    }
}
