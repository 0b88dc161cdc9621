package io.omniservice.aws.dynamo;

import io.omniservice.aws.dynamo.Tables.ChangeEvents;
import io.omniservice.aws.queue.SendQueue;
import io.omniservice.aws.queue.SendQueueSettings;
import io.omniservice.core.access.ClientSecretStore;
import io.omniservice.core.carrier.ReplayGuard;
import io.omniservice.core.feed.FeedStore;
import io.omniservice.core.json.Json;
import io.omniservice.core.notify.NotificationStore;
import io.omniservice.core.outbound.OutboundStore;
import io.omniservice.core.outbound.QueuedMessage;
import io.omniservice.core.outbound.SendOutcome;
import io.omniservice.core.rules.RuleStore;
import io.omniservice.core.store.MessageStore;
import io.omniservice.core.store.Storage;
import io.omniservice.store.contract.FeedStoreContract;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The whole store contract (messages, outbound, the change feed) on a DynamoDB storage assembled here: the
 * http4k fake and ElasticMQ in this JVM, tables and queues of this class's own, and one outbox and one delivery
 * side shared by the message, feed and outbound stores, as the AWS mode wires them.
 */
class DynamoDbStorageContractTest extends FeedStoreContract {
    private FakeDynamo dynamo;
    private SQSRestServer elasticMq;
    private SqsClient sqs;
    private Tables tables;

    @Override
    protected Storage openStorage() {
        dynamo = FakeDynamo.start();
        elasticMq = SQSRestServerBuilder.withInterface("127.0.0.1")
                .withDynamicPort()
                .start();
        int port = elasticMq.waitUntilStarted().localAddress().getPort();
        sqs = SqsClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
        tables = new Tables(FakeDynamo.uniquePrefix("storage"));
        tables.create(dynamo.client(), Tables.TimeToLive.SKIP);
        Clock clock = Clock.systemUTC();
        var client = dynamo.client();
        Outbox outbox = new Outbox(client, tables, clock);
        Deliveries deliveries = new Deliveries(client, tables, clock);
        DynamoDbMessageStore messages = new DynamoDbMessageStore(client, tables, clock, outbox, deliveries);
        SendQueue queue = SendQueue.open(
                sqs,
                new SendQueueSettings("storage-" + UUID.randomUUID().toString().substring(0, 8), 5, true),
                clock);
        DynamoDbOutboundStore outbound = new DynamoDbOutboundStore(
                client,
                tables,
                queue,
                clock,
                new NoMessageSide(),
                DynamoDbOutboundStore.Settings.defaults(),
                outbox,
                deliveries);
        DynamoDbFeedStore feed = new DynamoDbFeedStore(client, tables, clock, outbox, deliveries, null);
        DynamoDbNotificationStore notifications = new DynamoDbNotificationStore(client, tables, clock, null);
        DynamoDbRuleStore rules = new DynamoDbRuleStore(client, tables, clock);
        DynamoDbClientSecretStore secrets = new DynamoDbClientSecretStore(client, tables, clock);
        return new Storage() {
            @Override
            public MessageStore messages() {
                return messages;
            }

            @Override
            public FeedStore feed() {
                return feed;
            }

            @Override
            public OutboundStore outbound() {
                return outbound;
            }

            @Override
            public NotificationStore notifications() {
                return notifications;
            }

            @Override
            public RuleStore rules() {
                return rules;
            }

            @Override
            public ClientSecretStore clientSecrets() {
                return secrets;
            }

            @Override
            public byte[] sharedKey(String name) {
                return messages.sharedKey(name);
            }

            @Override
            public ReplayGuard replayGuard(Clock guardClock) {
                return messages.replayGuard(guardClock);
            }

            @Override
            public boolean isReady() {
                return messages.isReady();
            }

            @Override
            public void close() {
                sqs.close();
                elasticMq.stopAndWait();
                dynamo.close();
            }
        };
    }

    /**
     * What a send does to its message is the message store's to plan (its {@code OutboundMessages}), which is
     * not built yet: every send of the outbound store fails here, saying so, and the contract's send tests with it.
     */
    private static final class NoMessageSide implements OutboundMessages {
        private static UnsupportedOperationException notYet() {
            return new UnsupportedOperationException("the message store's OutboundMessages is not built yet");
        }

        @Override
        public List<TransactWriteItem> queued(QueuedMessage queued, Instant now) {
            throw notYet();
        }

        @Override
        public List<TransactWriteItem> sent(SendOutcome.Sent sent, Instant now) {
            throw notYet();
        }

        @Override
        public List<TransactWriteItem> failed(SendOutcome.Failed failed, Instant now) {
            throw notYet();
        }

        @Override
        public List<TransactWriteItem> requeued(String messageId, Instant now) {
            throw notYet();
        }
    }

    @Override
    protected List<WrittenEvent> changeEvents(String conversationId) {
        return new Reads(dynamo.client())
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
                                return new WrittenEvent(
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
