package io.omniservice.aws.dynamo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/** The fake as the adapters' tests use it honours what DynamoDB honours: a delete's condition. */
class FakeDynamoTest {
    private static FakeDynamo fake;
    private static DynamoDbClient client;
    private static final String TABLE = FakeDynamo.uniquePrefix("fake") + "t";

    @BeforeAll
    static void start() {
        fake = FakeDynamo.start();
        client = fake.client();
        client.createTable(r -> r.tableName(TABLE)
                .keySchema(KeySchemaElement.builder()
                        .attributeName("k")
                        .keyType(KeyType.HASH)
                        .build())
                .attributeDefinitions(AttributeDefinition.builder()
                        .attributeName("k")
                        .attributeType(ScalarAttributeType.S)
                        .build())
                .billingMode(BillingMode.PAY_PER_REQUEST));
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    private static Map<String, AttributeValue> key(String k) {
        return Map.of("k", AttributeValue.fromS(k));
    }

    private static void put(String k, int pending) {
        client.putItem(r ->
                r.tableName(TABLE).item(Map.of("k", AttributeValue.fromS(k), "p", AttributeValue.fromN("" + pending))));
    }

    private static Map<String, AttributeValue> get(String k) {
        return client.getItem(r -> r.tableName(TABLE).key(key(k)).consistentRead(true))
                .item();
    }

    private static Delete deleteIfPending(String k, int pending) {
        return Delete.builder()
                .tableName(TABLE)
                .key(key(k))
                .conditionExpression("#p = :p")
                .expressionAttributeNames(Map.of("#p", "p"))
                .expressionAttributeValues(Map.of(":p", AttributeValue.fromN("" + pending)))
                .build();
    }

    @Test
    void aTransactionsDeleteWhoseConditionFailsCancelsItAndDeletesNothing() {
        put("head", 2);
        put("other", 1);
        assertThatThrownBy(() -> client.transactWriteItems(r -> r.transactItems(
                        TransactWriteItem.builder()
                                .put(Put.builder()
                                        .tableName(TABLE)
                                        .item(Map.of("k", AttributeValue.fromS("new"), "p", AttributeValue.fromN("0")))
                                        .build())
                                .build(),
                        TransactWriteItem.builder()
                                .delete(deleteIfPending("head", 1))
                                .build())))
                .isInstanceOf(DynamoDbException.class);
        assertThat(get("head")).containsEntry("p", AttributeValue.fromN("2"));
        assertThat(get("new")).isEmpty();

        client.transactWriteItems(r -> r.transactItems(
                TransactWriteItem.builder().delete(deleteIfPending("head", 2)).build(),
                TransactWriteItem.builder()
                        .delete(Delete.builder()
                                .tableName(TABLE)
                                .key(key("other"))
                                .build())
                        .build()));
        assertThat(get("head")).isEmpty();
        assertThat(get("other")).isEmpty();
    }

    @Test
    void aDeleteItemWhoseConditionFailsIsRefusedAndDeletesNothing() {
        put("single", 2);
        Delete refused = deleteIfPending("single", 1);
        assertThatThrownBy(() -> client.deleteItem(r -> r.tableName(TABLE)
                        .key(refused.key())
                        .conditionExpression(refused.conditionExpression())
                        .expressionAttributeNames(refused.expressionAttributeNames())
                        .expressionAttributeValues(refused.expressionAttributeValues())))
                .isInstanceOf(ConditionalCheckFailedException.class);
        assertThat(get("single")).containsEntry("p", AttributeValue.fromN("2"));

        Delete taken = deleteIfPending("single", 2);
        client.deleteItem(r -> r.tableName(TABLE)
                .key(taken.key())
                .conditionExpression(taken.conditionExpression())
                .expressionAttributeNames(taken.expressionAttributeNames())
                .expressionAttributeValues(taken.expressionAttributeValues()));
        assertThat(get("single")).isEmpty();
    }
}
