package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.Items.n;
import static io.omniservice.aws.dynamo.Items.s;

import io.omniservice.aws.dynamo.Tables.PublishedEvents;
import io.omniservice.aws.dynamo.Writes.Condition;
import io.omniservice.core.access.Audience;
import io.omniservice.core.notify.PublishedEvent;
import io.omniservice.core.workflow.Effect;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The log of published events ({@code GET /v1/events}, SSE), by gap-free position in commit order. The head item
 * (page 0, position 0) holds the last position given: a publish advances it from the value it read and puts its
 * events at the positions after, in one transaction, so positions appear all at once, in order, with no gap, and
 * a reader that reads the head first and then the positions up to it never sees a later position before an
 * earlier one. The head also holds the first position not pruned, so a reader from far back starts there.
 */
final class PublishedLog {
    /** DynamoDB takes at most 25 writes in one BatchWriteItem. */
    private static final int BATCH_WRITE = 25;

    private final DynamoDbClient client;
    private final Reads reads;
    private final String table;
    private final Duration retention;

    /**
     * @param retention how long DynamoDB keeps an event before its TTL may delete it (pruning deletes on its
     *     own; this is the backstop), or null for no TTL
     */
    PublishedLog(DynamoDbClient client, Tables tables, Duration retention) {
        this.client = client;
        this.reads = new Reads(client);
        this.table = tables.name(Tables.PUBLISHED_EVENTS);
        this.retention = retention;
    }

    /** The head as read: the last position given (0: none) and the first not pruned. */
    record Head(long lastPosition, long keptFrom, boolean stored) {}

    private static Map<String, AttributeValue> key(long position) {
        return Map.of(PublishedEvents.PAGE, n(PublishedEvents.pageOf(position)), PublishedEvents.POSITION, n(position));
    }

    Head head() {
        Map<String, AttributeValue> item = reads.get(table, key(0));
        if (item == null) {
            return new Head(0, 1, false);
        }
        return new Head(
                Items.number(item, PublishedEvents.LAST_POSITION, 0),
                Math.max(1, Items.number(item, PublishedEvents.KEPT_FROM, 1)),
                true);
    }

    /**
     * Plans putting these events at the positions after {@code head}, advancing it on the condition that
     * nobody advanced it since it was read.
     *
     * @return each event's position, in order
     */
    List<Long> append(Writes writes, Head head, List<Effect.Publish> events, Instant now) {
        if (events.isEmpty()) {
            return List.of();
        }
        List<Long> positions = new ArrayList<>(events.size());
        long position = head.lastPosition();
        for (Effect.Publish event : events) {
            position++;
            positions.add(position);
            Map<String, AttributeValue> item = new HashMap<>(key(position));
            item.put(PublishedEvents.EVENT_ID, s(event.event().id().toString()));
            item.put(PublishedEvents.TYPE, s(event.event().type()));
            item.put(PublishedEvents.ENVELOPE, s(event.json()));
            Items.putString(item, PublishedEvents.CLIENT_ID, event.client());
            item.put(PublishedEvents.CREATED_AT, Items.time(now));
            if (retention != null) {
                item.put(PublishedEvents.EXPIRES_AT, n(now.plus(retention).getEpochSecond()));
            }
            writes.put(
                    table,
                    key(position),
                    item,
                    new Condition(
                            "attribute_not_exists(#created)",
                            Map.of("#created", PublishedEvents.CREATED_AT),
                            Map.of()));
        }
        Condition unchanged = head.stored()
                ? new Condition(
                        "#last = :read",
                        Map.of("#last", PublishedEvents.LAST_POSITION),
                        Map.of(":read", n(head.lastPosition())))
                : new Condition(
                        "attribute_not_exists(#last)", Map.of("#last", PublishedEvents.LAST_POSITION), Map.of());
        writes.update(
                table,
                key(0),
                "SET #position = :position",
                Map.of("#position", PublishedEvents.LAST_POSITION),
                Map.of(":position", n(position)),
                unchanged);
        return positions;
    }

    /**
     * Up to {@code max} events after {@code position}, oldest first, of the given types (all when empty), that
     * {@code audience} sees. Only positions up to the head read first: a publish still being written cannot put
     * a later position before an earlier one.
     */
    List<PublishedEvent> after(long position, Set<String> types, int max, Audience audience) {
        List<PublishedEvent> found = new ArrayList<>();
        if (max <= 0) {
            return found;
        }
        Head head = head();
        long from = Math.max(position + 1, head.keptFrom());
        for (long page = PublishedEvents.pageOf(from); from <= head.lastPosition(); page++) {
            for (Map<String, AttributeValue> item : pageFrom(page, from)) {
                long at = Items.number(item, PublishedEvents.POSITION, 0);
                if (at > head.lastPosition()) {
                    return found;
                }
                String type = Items.string(item, PublishedEvents.TYPE);
                if ((types.isEmpty() || types.contains(type))
                        && audience.sees(Items.string(item, PublishedEvents.CLIENT_ID))) {
                    found.add(new PublishedEvent(at, type, Items.string(item, PublishedEvents.ENVELOPE)));
                    if (found.size() >= max) {
                        return found;
                    }
                }
            }
            from = (page + 1) * PublishedEvents.PAGE_SIZE;
        }
        return found;
    }

    /** A page's events from {@code from} on, in order. */
    private List<Map<String, AttributeValue>> pageFrom(long page, long from) {
        return reads.queryAll(QueryRequest.builder()
                .tableName(table)
                .keyConditionExpression("#page = :page AND #position >= :from")
                .expressionAttributeNames(Map.of("#page", PublishedEvents.PAGE, "#position", PublishedEvents.POSITION))
                .expressionAttributeValues(Map.of(":page", n(page), ":from", n(Math.max(1, from))))
                .consistentRead(true)
                .build());
    }

    /** The envelopes at these positions that are still kept. */
    Map<Long, String> envelopes(Collection<Long> positions) {
        Map<Long, String> envelopes = new HashMap<>();
        for (long position : positions.stream().distinct().toList()) {
            Map<String, AttributeValue> item = reads.get(table, key(position));
            if (item != null) {
                envelopes.put(position, Items.string(item, PublishedEvents.ENVELOPE));
            }
        }
        return envelopes;
    }

    /**
     * Deletes the events published before {@code before}, oldest first, up to the first one that is not, and
     * moves the head's first kept position past them.
     *
     * @return how many were deleted
     */
    int pruneBefore(Instant before) {
        Head head = head();
        long from = head.keptFrom();
        long kept = from;
        List<Map<String, AttributeValue>> doomed = new ArrayList<>();
        scan:
        for (long page = PublishedEvents.pageOf(from); from <= head.lastPosition(); page++) {
            for (Map<String, AttributeValue> item : pageFrom(page, from)) {
                long at = Items.number(item, PublishedEvents.POSITION, 0);
                if (at > head.lastPosition()
                        || !Items.instant(item, PublishedEvents.CREATED_AT).isBefore(before)) {
                    break scan;
                }
                doomed.add(key(at));
                kept = at + 1;
            }
            from = (page + 1) * PublishedEvents.PAGE_SIZE;
        }
        if (kept > head.keptFrom()) {
            // first, so no reader starts at positions about to go
            long keptFrom = kept;
            for (int attempt = 1; ; attempt++) {
                try {
                    client.updateItem(r -> r.tableName(table)
                            .key(key(0))
                            .updateExpression("SET #kept = :kept")
                            .conditionExpression("attribute_not_exists(#kept) OR #kept < :kept")
                            .expressionAttributeNames(Map.of("#kept", PublishedEvents.KEPT_FROM))
                            .expressionAttributeValues(Map.of(":kept", n(keptFrom))));
                    break;
                } catch (software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException moved) {
                    break; // another node pruned as far or further
                } catch (SdkException e) {
                    if (Transactions.verdict(e) == Transactions.Verdict.FAIL || attempt >= 5) {
                        throw Transactions.failure("the published log's first kept position was not moved", e);
                    }
                    Transactions.pause(attempt);
                }
            }
        }
        for (int start = 0; start < doomed.size(); start += BATCH_WRITE) {
            delete(doomed.subList(start, Math.min(doomed.size(), start + BATCH_WRITE)));
        }
        return doomed.size();
    }

    private void delete(List<Map<String, AttributeValue>> keys) {
        Map<String, List<WriteRequest>> request = Map.of(
                table,
                keys.stream()
                        .map(key -> WriteRequest.builder()
                                .deleteRequest(DeleteRequest.builder().key(key).build())
                                .build())
                        .toList());
        for (int round = 1; !request.isEmpty(); round++) {
            if (round > 10) {
                throw new io.omniservice.core.store.StorageException(
                        "DynamoDB left published events undeleted " + round + " times", null);
            }
            if (round > 1) {
                Transactions.pause(round);
            }
            Map<String, List<WriteRequest>> asked = request;
            BatchWriteItemResponse response = client.batchWriteItem(r -> r.requestItems(asked));
            request = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
        }
    }
}
