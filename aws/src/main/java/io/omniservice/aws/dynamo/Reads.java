package io.omniservice.aws.dynamo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/** Strongly consistent reads of whole items: by key, many keys at once, and every item of a partition. */
final class Reads {
    /** BatchGetItem takes at most 100 keys. */
    private static final int BATCH_GET_LIMIT = 100;

    private static final int MAX_UNPROCESSED_ROUNDS = 10;

    private final DynamoDbClient client;

    Reads(DynamoDbClient client) {
        this.client = client;
    }

    DynamoDbClient client() {
        return client;
    }

    /** The item at {@code key}, or null. */
    Map<String, AttributeValue> get(String table, Map<String, AttributeValue> key) {
        var response = client.getItem(r -> r.tableName(table).key(key).consistentRead(true));
        return response.hasItem() && !response.item().isEmpty() ? response.item() : null;
    }

    /**
     * The items at these keys that exist, each under the value of its {@code keyAttribute} (the table's
     * partition key; tables read this way have no sort key or are read with a fixed one).
     */
    Map<String, Map<String, AttributeValue>> getAll(
            String table, String keyAttribute, List<Map<String, AttributeValue>> keys) {
        Map<String, Map<String, AttributeValue>> found = new HashMap<>();
        Map<String, Map<String, AttributeValue>> byValue = new LinkedHashMap<>();
        keys.forEach(k -> byValue.putIfAbsent(k.get(keyAttribute).s(), k));
        List<Map<String, AttributeValue>> distinct = new ArrayList<>(byValue.values());
        for (int from = 0; from < distinct.size(); from += BATCH_GET_LIMIT) {
            List<Map<String, AttributeValue>> chunk =
                    distinct.subList(from, Math.min(distinct.size(), from + BATCH_GET_LIMIT));
            Map<String, KeysAndAttributes> request = Map.of(
                    table,
                    KeysAndAttributes.builder().keys(chunk).consistentRead(true).build());
            for (int round = 1; !request.isEmpty(); round++) {
                if (round > MAX_UNPROCESSED_ROUNDS) {
                    throw new IllegalStateException("DynamoDB left keys of " + table + " unread " + round + " times");
                }
                if (round > 1) {
                    Transactions.pause(round);
                }
                Map<String, KeysAndAttributes> asked = request;
                BatchGetItemResponse response = client.batchGetItem(r -> r.requestItems(asked));
                for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
                    found.put(item.get(keyAttribute).s(), item);
                }
                request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            }
        }
        return found;
    }

    /**
     * The items at these keys, of several tables in one round trip where they fit (BatchGetItem takes 100 keys
     * at once): for each table, each key's item or null when there is none.
     */
    Map<String, Map<Map<String, AttributeValue>, Map<String, AttributeValue>>> getMany(
            Map<String, List<Map<String, AttributeValue>>> keysByTable, Map<String, List<String>> keyAttributes) {
        Map<String, Map<Map<String, AttributeValue>, Map<String, AttributeValue>>> found = new HashMap<>();
        List<Map.Entry<String, Map<String, AttributeValue>>> pending = new ArrayList<>();
        keysByTable.forEach((table, keys) -> {
            Map<Map<String, AttributeValue>, Map<String, AttributeValue>> ofTable = new HashMap<>();
            found.put(table, ofTable);
            for (Map<String, AttributeValue> key : keys) {
                if (!ofTable.containsKey(key)) {
                    ofTable.put(key, null);
                    pending.add(Map.entry(table, key));
                }
            }
        });
        for (int from = 0; from < pending.size(); from += BATCH_GET_LIMIT) {
            Map<String, KeysAndAttributes> request = new HashMap<>();
            Map<String, List<Map<String, AttributeValue>>> chunk = new HashMap<>();
            for (var entry : pending.subList(from, Math.min(pending.size(), from + BATCH_GET_LIMIT))) {
                chunk.computeIfAbsent(entry.getKey(), t -> new ArrayList<>()).add(entry.getValue());
            }
            chunk.forEach((table, keys) -> request.put(
                    table,
                    KeysAndAttributes.builder().keys(keys).consistentRead(true).build()));
            for (int round = 1; !request.isEmpty(); round++) {
                if (round > MAX_UNPROCESSED_ROUNDS) {
                    throw new IllegalStateException("DynamoDB left keys unread " + round + " times");
                }
                if (round > 1) {
                    Transactions.pause(round);
                }
                Map<String, KeysAndAttributes> asked = Map.copyOf(request);
                BatchGetItemResponse response = client.batchGetItem(r -> r.requestItems(asked));
                response.responses().forEach((table, items) -> {
                    for (Map<String, AttributeValue> item : items) {
                        Map<String, AttributeValue> key = new HashMap<>();
                        for (String attribute : keyAttributes.get(table)) {
                            key.put(attribute, item.get(attribute));
                        }
                        found.get(table).put(key, item);
                    }
                });
                request.clear();
                if (response.hasUnprocessedKeys()) {
                    request.putAll(response.unprocessedKeys());
                }
            }
        }
        return found;
    }

    /** Every item the query finds, page after page, in the query's order. */
    List<Map<String, AttributeValue>> queryAll(QueryRequest query) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        each(query, items::add);
        return items;
    }

    /** Hands each item the query finds to {@code sink}, page after page. */
    void each(QueryRequest query, Consumer<Map<String, AttributeValue>> sink) {
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest page = start == null
                    ? query
                    : query.toBuilder().exclusiveStartKey(start).build();
            QueryResponse response = client.query(page);
            response.items().forEach(sink);
            start = response.hasLastEvaluatedKey()
                            && !response.lastEvaluatedKey().isEmpty()
                    ? response.lastEvaluatedKey()
                    : null;
        } while (start != null);
    }
}
