package io.omniservice.aws.dynamo;

import io.omniservice.aws.queue.SendQueue;
import io.omniservice.aws.queue.SendQueueSettings;
import io.omniservice.core.access.ClientSecretStore;
import io.omniservice.core.carrier.ReplayGuard;
import io.omniservice.core.feed.FeedStore;
import io.omniservice.core.notify.NotificationStore;
import io.omniservice.core.outbound.OutboundStore;
import io.omniservice.core.rules.RuleStore;
import io.omniservice.core.store.MessageStore;
import io.omniservice.core.store.Storage;
import io.omniservice.store.contract.FeedStoreContract;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The whole storage contract (messages, outbound, feed) on a DynamoDB storage assembled here from the AWS mode's
 * stores: the http4k fake and ElasticMQ in this JVM, tables and queues of this class's own.
 */
class DynamoDbStorageContractTest extends FeedStoreContract {
    private FakeDynamo dynamo;
    private Tables tables;

    @Override
    protected Storage openStorage() {
        dynamo = FakeDynamo.start();
        // One bucket per index key: the fake answers an index query by going through the whole table, so each
        // bucket a claim fans out to costs the fake as much as all of them, and the feed tests work off what
        // the whole suite committed before them. The buckets themselves are tested where the data is small.
        tables = new Tables(FakeDynamo.uniquePrefix("storage"), 1);
        tables.create(dynamo.client(), Tables.TimeToLive.SKIP);
        SQSRestServer elasticMq = SQSRestServerBuilder.withInterface("127.0.0.1")
                .withDynamicPort()
                .start();
        SqsClient sqs = SqsClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:"
                        + elasticMq.waitUntilStarted().localAddress().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
        String queueName = "storage-" + UUID.randomUUID().toString().substring(0, 8);
        SendQueue queue = SendQueue.open(sqs, new SendQueueSettings(queueName, 10, true), Clock.systemUTC());
        return new AssembledStorage(dynamo, elasticMq, sqs, tables, queue, Clock.systemUTC());
    }

    /** Every store of the AWS mode on one set of tables and one send queue, as the gateway would wire them. */
    private static final class AssembledStorage implements Storage {
        private final FakeDynamo dynamo;
        private final SQSRestServer elasticMq;
        private final SqsClient sqs;
        private final DynamoDbMessageStore messages;
        private final DynamoDbFeedStore feed;
        private final DynamoDbOutboundStore outbound;
        private final DynamoDbNotificationStore notifications;
        private final DynamoDbRuleStore rules;
        private final DynamoDbClientSecretStore clientSecrets;

        AssembledStorage(
                FakeDynamo dynamo,
                SQSRestServer elasticMq,
                SqsClient sqs,
                Tables tables,
                SendQueue queue,
                Clock clock) {
            this.dynamo = dynamo;
            this.elasticMq = elasticMq;
            this.sqs = sqs;
            DynamoDbClient client = dynamo.client();
            Outbox outbox = new Outbox(client, tables, clock);
            Deliveries deliveries = new Deliveries(client, tables, clock);
            this.messages = new DynamoDbMessageStore(client, tables, clock, outbox, deliveries);
            this.feed = new DynamoDbFeedStore(client, tables, clock, outbox, deliveries, null);
            this.outbound = new DynamoDbOutboundStore(
                    client, tables, queue, clock, deliveries, outbox, DynamoDbOutboundStore.Settings.defaults());
            this.notifications = new DynamoDbNotificationStore(client, tables, clock, null);
            this.rules = new DynamoDbRuleStore(client, tables, clock);
            this.clientSecrets = new DynamoDbClientSecretStore(client, tables, clock);
        }

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
            return clientSecrets;
        }

        @Override
        public byte[] sharedKey(String name) {
            return messages.sharedKey(name);
        }

        @Override
        public ReplayGuard replayGuard(Clock clock) {
            return messages.replayGuard(clock);
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
    }

    @Override
    protected List<WrittenEvent> changeEvents(String conversationId) {
        return WrittenChangeEvents.changeEvents(dynamo.client(), tables, conversationId);
    }
}
