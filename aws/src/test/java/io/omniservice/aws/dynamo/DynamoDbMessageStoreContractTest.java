package io.omniservice.aws.dynamo;

import io.omniservice.aws.dynamo.Tables.Participants;
import io.omniservice.core.carrier.ReplayGuard;
import io.omniservice.core.store.MessageStore;
import io.omniservice.store.contract.MessageStoreContract;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/** The message store contract on DynamoDB: the http4k fake in this JVM, tables of this class's own. */
class DynamoDbMessageStoreContractTest extends MessageStoreContract {
    private FakeDynamo dynamo;
    private Tables tables;
    private DynamoDbMessageStore dynamoStore;

    @Override
    protected MessageStore openMessageStore() {
        dynamo = FakeDynamo.start();
        tables = new Tables(FakeDynamo.uniquePrefix("contract"));
        tables.create(dynamo.client(), Tables.TimeToLive.SKIP);
        dynamoStore = new DynamoDbMessageStore(dynamo.client(), tables, Clock.systemUTC());
        return dynamoStore;
    }

    @Override
    protected void closeStore() {
        dynamo.close();
    }

    @Override
    protected ReplayGuard replayGuard(Clock clock) {
        return dynamoStore.replayGuard(clock);
    }

    @Override
    protected boolean ready() {
        return dynamoStore.isReady();
    }

    @Override
    protected List<WrittenEvent> changeEvents(String conversationId) {
        return WrittenChangeEvents.changeEvents(dynamo.client(), tables, conversationId);
    }

    @Override
    protected Set<String> optedOutChannels(String participant) {
        return new Reads(dynamo.client())
                        .queryAll(QueryRequest.builder()
                                .tableName(tables.name(Tables.PARTICIPANTS))
                                .keyConditionExpression("#p = :p AND begins_with(#e, :prefix)")
                                .expressionAttributeNames(
                                        Map.of("#p", Participants.PARTICIPANT, "#e", Participants.ENTRY))
                                .expressionAttributeValues(Map.of(
                                        ":p", AttributeValue.fromS(participant),
                                        ":prefix", AttributeValue.fromS(Participants.OPT_OUT_PREFIX)))
                                .consistentRead(true)
                                .build())
                        .stream()
                        .map(item -> item.get(Participants.ENTRY).s().substring(Participants.OPT_OUT_PREFIX.length()))
                        .collect(Collectors.toCollection(TreeSet::new));
    }
}
