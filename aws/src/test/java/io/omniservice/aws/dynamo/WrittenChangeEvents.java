package io.omniservice.aws.dynamo;

import io.omniservice.aws.dynamo.Tables.ChangeEvents;
import io.omniservice.core.json.Json;
import io.omniservice.store.contract.MessageStoreContract;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/** The change events a commit wrote for one conversation, read back as the store contract's hook wants them. */
final class WrittenChangeEvents {
    private WrittenChangeEvents() {}

    static List<MessageStoreContract.WrittenEvent> changeEvents(
            DynamoDbClient client, Tables tables, String conversationId) {
        return new Reads(client)
                        .queryAll(QueryRequest.builder()
                                .tableName(tables.name(Tables.CHANGE_EVENTS))
                                .keyConditionExpression("#c = :c AND #s > :head")
                                .expressionAttributeNames(
                                        Map.of("#c", ChangeEvents.CONVERSATION_ID, "#s", ChangeEvents.SEQ))
                                .expressionAttributeValues(Map.of(
                                        ":c", AttributeValue.fromS(conversationId), ":head", AttributeValue.fromN("0")))
                                .consistentRead(true)
                                .build())
                        .stream()
                        .map(item -> {
                            try {
                                return new MessageStoreContract.WrittenEvent(
                                        item.get(ChangeEvents.TYPE).s(),
                                        UUID.fromString(
                                                item.get(ChangeEvents.EVENT_ID).s()),
                                        item.containsKey(ChangeEvents.MESSAGE_ID)
                                                ? item.get(ChangeEvents.MESSAGE_ID)
                                                        .s()
                                                : null,
                                        Json.MAPPER.readTree(
                                                item.get(ChangeEvents.PAYLOAD).s()));
                            } catch (java.io.IOException e) {
                                throw new IllegalStateException(e);
                            }
                        })
                        .toList();
    }
}
