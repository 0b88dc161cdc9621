package io.omniservice.aws.dynamo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.aws.dynamo.Tables.DeadLetters;
import io.omniservice.core.json.Json;
import io.omniservice.core.outbound.DeadLetter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * The {@code dead-letters} table's items, one codec for every kind of work that runs out of attempts: a send no
 * carrier took, a callback or subscription delivery its URL never accepted, a workflow step that kept failing.
 * Whoever dead-letters work puts {@link #put} in the transaction that ends the work, so the work is never both
 * pending and dead; a replay marks the letter ({@link #markReplayed}) in the transaction that puts the work back,
 * so a letter is replayed once.
 *
 * <p>The letter's {@code payload} is what the API shows and what a replay needs (JSON text in the item).
 * Anything a kind keeps beside it for its own bookkeeping goes in other attributes of the item ({@link #put}'s
 * {@code extra}), which {@link #read} leaves out.
 */
public final class DeadLetterItems {
    /** A send that every carrier refused, or that SQS moved to the dead-letter queue. */
    public static final String SEND = "send";
    /** A status callback to a message's {@code callbackUrl} (deliveries name their own kind). */
    public static final String CALLBACK = "callback";
    /** A workflow step that failed its last attempt. */
    public static final String WORKFLOW = "workflow";

    private DeadLetterItems() {}

    /**
     * A new letter: a fresh id, created {@code now} at the stored precision, not replayed.
     *
     * @param lastError the error of the last attempt, as the API shows it
     */
    public static DeadLetter letter(
            String kind, String messageId, JsonNode payload, int attempts, String lastError, Instant now) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(payload, "payload");
        return new DeadLetter(
                UUID.randomUUID().toString(),
                kind,
                messageId,
                attempts,
                lastError,
                SortableTime.stored(now),
                null,
                payload);
    }

    /** The item of a letter. */
    public static Map<String, AttributeValue> item(DeadLetter letter) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(DeadLetters.ID, s(letter.id()));
        item.put(DeadLetters.LISTING, s(DeadLetters.ALL));
        item.put(DeadLetters.CREATED_KEY, s(SortableTime.format(letter.createdAt()) + "#" + letter.id()));
        item.put(DeadLetters.KIND, s(letter.kind()));
        if (letter.messageId() != null) {
            item.put(DeadLetters.MESSAGE_ID, s(letter.messageId()));
        }
        item.put(DeadLetters.PAYLOAD, s(Json.text(letter.payload())));
        item.put(DeadLetters.ATTEMPTS, AttributeValue.fromN(Integer.toString(letter.attempts())));
        if (letter.lastError() != null) {
            item.put(DeadLetters.LAST_ERROR, s(letter.lastError()));
        }
        item.put(DeadLetters.CREATED_AT, s(SortableTime.format(letter.createdAt())));
        if (letter.replayedAt() != null) {
            item.put(DeadLetters.REPLAYED_AT, s(SortableTime.format(letter.replayedAt())));
        }
        return item;
    }

    /** Puts a new letter, refused if its id exists (a transaction retried after it committed writes it once). */
    public static Put put(Tables tables, DeadLetter letter) {
        return put(tables, letter, Map.of());
    }

    /**
     * {@link #put(Tables, DeadLetter)} with attributes a kind keeps beside the payload for its replay.
     *
     * @throws IllegalArgumentException when {@code extra} names an attribute of the letter itself
     */
    public static Put put(Tables tables, DeadLetter letter, Map<String, AttributeValue> extra) {
        Map<String, AttributeValue> item = item(letter);
        for (var attribute : extra.entrySet()) {
            if (LETTER_ATTRIBUTES.contains(attribute.getKey())) {
                throw new IllegalArgumentException(
                        "a dead letter's own attribute cannot be given as an extra one: " + attribute.getKey());
            }
            item.put(attribute.getKey(), attribute.getValue());
        }
        return Put.builder()
                .tableName(tables.name(Tables.DEAD_LETTERS))
                .item(item)
                .conditionExpression("attribute_not_exists(#id)")
                .expressionAttributeNames(Map.of("#id", DeadLetters.ID))
                .build();
    }

    private static final java.util.Set<String> LETTER_ATTRIBUTES = java.util.Set.of(
            DeadLetters.ID,
            DeadLetters.LISTING,
            DeadLetters.CREATED_KEY,
            DeadLetters.KIND,
            DeadLetters.MESSAGE_ID,
            DeadLetters.PAYLOAD,
            DeadLetters.ATTEMPTS,
            DeadLetters.LAST_ERROR,
            DeadLetters.CREATED_AT,
            DeadLetters.REPLAYED_AT);

    /**
     * Marks a letter replayed at {@code now}; in a transaction it cancels the whole replay when the letter is gone
     * or was replayed already, which is how two replays at once put the work back once.
     */
    public static Update markReplayed(Tables tables, String id, Instant now) {
        return Update.builder()
                .tableName(tables.name(Tables.DEAD_LETTERS))
                .key(Map.of(DeadLetters.ID, s(id)))
                .updateExpression("SET #replayed = :now")
                // a non-key attribute: the http4k fake takes attribute_exists of the key as true for a missing item
                .conditionExpression("attribute_exists(#kind) AND attribute_not_exists(#replayed)")
                .expressionAttributeNames(Map.of("#kind", DeadLetters.KIND, "#replayed", DeadLetters.REPLAYED_AT))
                .expressionAttributeValues(Map.of(":now", s(SortableTime.format(now))))
                .build();
    }

    /** The letter an item holds. */
    public static DeadLetter read(Map<String, AttributeValue> item) {
        String payload = text(item, DeadLetters.PAYLOAD);
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "dead letter " + text(item, DeadLetters.ID) + " holds a payload that is not JSON", e);
        }
        return new DeadLetter(
                text(item, DeadLetters.ID),
                text(item, DeadLetters.KIND),
                text(item, DeadLetters.MESSAGE_ID),
                Integer.parseInt(item.get(DeadLetters.ATTEMPTS).n()),
                text(item, DeadLetters.LAST_ERROR),
                SortableTime.parse(text(item, DeadLetters.CREATED_AT)),
                SortableTime.parse(text(item, DeadLetters.REPLAYED_AT)),
                node);
    }

    /** One letter with whatever else its item holds, read strongly consistently. */
    public static Optional<Map<String, AttributeValue>> find(DynamoDbClient client, Tables tables, String id) {
        Map<String, AttributeValue> item = client.getItem(r -> r.tableName(tables.name(Tables.DEAD_LETTERS))
                        .key(Map.of(DeadLetters.ID, s(id)))
                        .consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item);
    }

    /**
     * Up to {@code limit} letters, newest first (ties by id), replayed ones included, as the API lists them.
     * Read through {@code created-index}, so a letter written a moment ago may show a moment later.
     */
    public static List<DeadLetter> newest(DynamoDbClient client, Tables tables, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be 1 or more, not " + limit);
        }
        List<DeadLetter> letters = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = client.query(r -> r.tableName(tables.name(Tables.DEAD_LETTERS))
                    .indexName(DeadLetters.CREATED_INDEX)
                    .keyConditionExpression("#listing = :all")
                    .expressionAttributeNames(Map.of("#listing", DeadLetters.LISTING))
                    .expressionAttributeValues(Map.of(":all", s(DeadLetters.ALL)))
                    .scanIndexForward(false)
                    .limit(limit - letters.size())
                    .exclusiveStartKey(from));
            page.items().forEach(item -> letters.add(read(item)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && letters.size() < limit);
        // the index orders ties of one microsecond by id descending; the API lists them by id ascending
        letters.sort(Comparator.comparing(DeadLetter::createdAt).reversed().thenComparing(DeadLetter::id));
        return letters;
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static String text(Map<String, AttributeValue> item, String attribute) {
        AttributeValue value = item.get(attribute);
        return value == null ? null : value.s();
    }
}
