package io.omniservice.aws.dynamo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * The actions of one transaction, at most one per item (DynamoDB refuses two on one item), with the size
 * they add up to, so the caller can tell whether they fit DynamoDB's limits.
 */
final class Writes {
    /** Most actions in one TransactWriteItems. */
    static final int MAX_ACTIONS = 100;
    /** Most bytes in one TransactWriteItems (4 MB), less a margin for what the estimate misses. */
    static final long MAX_BYTES = 4L * 1024 * 1024 - 64 * 1024;
    /** Most bytes in one item (400 KB), less a margin for what the estimate misses. */
    static final long MAX_ITEM_BYTES = 400L * 1024 - 4 * 1024;

    private final Map<String, TransactWriteItem> actions = new LinkedHashMap<>();
    private long bytes;

    /** A condition on an action: its expression with the names and values it uses. */
    record Condition(String expression, Map<String, String> names, Map<String, AttributeValue> values) {
        static Condition none() {
            return new Condition(null, Map.of(), Map.of());
        }

        static Condition absent(String keyAttribute) {
            return new Condition("attribute_not_exists(#key)", Map.of("#key", keyAttribute), Map.of());
        }

        /** Both this and {@code other} must hold. */
        Condition and(Condition other) {
            if (expression == null) {
                return other;
            }
            if (other.expression == null) {
                return this;
            }
            Map<String, String> n = new HashMap<>(names);
            n.putAll(other.names);
            Map<String, AttributeValue> v = new HashMap<>(values);
            v.putAll(other.values);
            return new Condition("(" + expression + ") AND (" + other.expression + ")", n, v);
        }
    }

    void put(String table, Map<String, AttributeValue> key, Map<String, AttributeValue> item, Condition condition) {
        Put.Builder put = Put.builder()
                .tableName(table)
                .item(item)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD);
        if (condition.expression() != null) {
            put.conditionExpression(condition.expression());
            names(condition, put::expressionAttributeNames);
            values(condition, put::expressionAttributeValues);
        }
        add(table, key, TransactWriteItem.builder().put(put.build()).build(), Items.size(item));
    }

    void update(
            String table,
            Map<String, AttributeValue> key,
            String expression,
            Map<String, String> names,
            Map<String, AttributeValue> values,
            Condition condition) {
        Map<String, String> allNames = new HashMap<>(names);
        allNames.putAll(condition.names());
        Map<String, AttributeValue> allValues = new HashMap<>(values);
        allValues.putAll(condition.values());
        Update.Builder update = Update.builder()
                .tableName(table)
                .key(key)
                .updateExpression(expression)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD);
        if (condition.expression() != null) {
            update.conditionExpression(condition.expression());
        }
        if (!allNames.isEmpty()) {
            update.expressionAttributeNames(allNames);
        }
        if (!allValues.isEmpty()) {
            update.expressionAttributeValues(allValues);
        }
        long size = Items.size(key) + Items.size(values) + expression.length();
        add(table, key, TransactWriteItem.builder().update(update.build()).build(), size);
    }

    void delete(String table, Map<String, AttributeValue> key, Condition condition) {
        Delete.Builder delete = Delete.builder()
                .tableName(table)
                .key(key)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD);
        if (condition.expression() != null) {
            delete.conditionExpression(condition.expression());
            names(condition, delete::expressionAttributeNames);
            values(condition, delete::expressionAttributeValues);
        }
        add(table, key, TransactWriteItem.builder().delete(delete.build()).build(), Items.size(key));
    }

    /** A condition on an item this transaction does not write, that must still hold when it commits. */
    void check(String table, Map<String, AttributeValue> key, Condition condition) {
        ConditionCheck.Builder check = ConditionCheck.builder()
                .tableName(table)
                .key(key)
                .conditionExpression(condition.expression())
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD);
        names(condition, check::expressionAttributeNames);
        values(condition, check::expressionAttributeValues);
        add(
                table,
                key,
                TransactWriteItem.builder().conditionCheck(check.build()).build(),
                Items.size(key));
    }

    private static void names(Condition condition, java.util.function.Consumer<Map<String, String>> sink) {
        if (!condition.names().isEmpty()) {
            sink.accept(condition.names());
        }
    }

    private static void values(Condition condition, java.util.function.Consumer<Map<String, AttributeValue>> sink) {
        if (!condition.values().isEmpty()) {
            sink.accept(condition.values());
        }
    }

    private void add(String table, Map<String, AttributeValue> key, TransactWriteItem action, long size) {
        String id = table + " " + new java.util.TreeMap<>(key);
        if (actions.putIfAbsent(id, action) != null) {
            throw new IllegalStateException("two writes planned for one item of " + table);
        }
        bytes += size;
    }

    boolean isEmpty() {
        return actions.isEmpty();
    }

    int count() {
        return actions.size();
    }

    long bytes() {
        return bytes;
    }

    /** Whether the actions fit one TransactWriteItems. */
    boolean fitOneTransaction() {
        return actions.size() <= MAX_ACTIONS && bytes <= MAX_BYTES;
    }

    List<TransactWriteItem> actions() {
        return new ArrayList<>(actions.values());
    }
}
