package io.omniservice.aws;

import io.omniservice.aws.dynamo.Deliveries;
import io.omniservice.aws.dynamo.DynamoDbClientSecretStore;
import io.omniservice.aws.dynamo.DynamoDbFeedStore;
import io.omniservice.aws.dynamo.DynamoDbMessageStore;
import io.omniservice.aws.dynamo.DynamoDbNotificationStore;
import io.omniservice.aws.dynamo.DynamoDbOutboundStore;
import io.omniservice.aws.dynamo.DynamoDbRateBuckets;
import io.omniservice.aws.dynamo.DynamoDbRuleStore;
import io.omniservice.aws.dynamo.EventSequence;
import io.omniservice.aws.dynamo.Outbox;
import io.omniservice.aws.dynamo.Tables;
import io.omniservice.aws.queue.SendQueue;
import io.omniservice.aws.queue.SendQueueSettings;
import io.omniservice.aws.sns.SnsEventPublisher;
import io.omniservice.core.access.ClientSecretStore;
import io.omniservice.core.carrier.ReplayGuard;
import io.omniservice.core.feed.FeedStore;
import io.omniservice.core.notify.EventPublisher;
import io.omniservice.core.notify.NotificationStore;
import io.omniservice.core.outbound.OutboundStore;
import io.omniservice.core.rules.RuleStore;
import io.omniservice.core.store.MessageStore;
import io.omniservice.core.store.Storage;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The AWS mode's storage system, assembled once from {@link AwsSettings}: the DynamoDB stores sharing one
 * outbox (change events) and one delivery side (callbacks, subscription events, forwards), the send jobs on
 * SQS FIFO, and the SNS topic events are also published to. Closing it closes the clients it made.
 */
public final class AwsStorage implements Storage {
    private static final Logger LOG = LoggerFactory.getLogger(AwsStorage.class);
    /**
     * Receives a send may take before SQS moves it to the dead-letter queue (the store keeps retries itself).
     * The send queue refuses to start on queues that redrive after any other count, so the infrastructure
     * module builds its queues from this number.
     */
    public static final int MAX_RECEIVES = 10;

    private final DynamoDbClient dynamo;
    private final SqsClient sqs;
    private final SnsClient sns;
    private final DynamoDbMessageStore messages;
    private final DynamoDbFeedStore feed;
    private final DynamoDbOutboundStore outbound;
    private final DynamoDbNotificationStore notifications;
    private final DynamoDbRuleStore rules;
    private final DynamoDbClientSecretStore clientSecrets;
    private final io.omniservice.aws.dynamo.DynamoDbContactStore contacts;
    private final List<EventPublisher> publishers;
    private final DynamoDbRateBuckets rateBuckets;
    private final SendQueue queue;

    private AwsStorage(
            DynamoDbClient dynamo,
            SqsClient sqs,
            SnsClient sns,
            Tables tables,
            AwsSettings settings,
            Duration keepEvents,
            Clock clock) {
        this.dynamo = dynamo;
        this.sqs = sqs;
        this.sns = sns;
        if (settings.createTables()) {
            tables.create(dynamo, Tables.TimeToLive.ENABLE);
        }
        // one number per instance from the deployment's counter: no two running nodes write the same seq
        EventSequence sequence = EventSequence.numbered(dynamo, tables, clock);
        Outbox outbox = new Outbox(dynamo, tables, clock, sequence);
        Deliveries deliveries = new Deliveries(dynamo, tables, clock, sequence);
        this.messages = new DynamoDbMessageStore(dynamo, tables, clock, outbox, deliveries);
        this.queue = SendQueue.open(
                sqs, new SendQueueSettings(settings.sendQueue(), MAX_RECEIVES, settings.createTables()), clock);
        this.outbound = new DynamoDbOutboundStore(
                dynamo, tables, queue, clock, deliveries, outbox, DynamoDbOutboundStore.Settings.defaults());
        this.feed = new DynamoDbFeedStore(dynamo, tables, clock, outbox, deliveries, keepEvents);
        this.notifications = new DynamoDbNotificationStore(dynamo, tables, clock, keepEvents);
        this.rules = new DynamoDbRuleStore(dynamo, tables, clock);
        this.clientSecrets = new DynamoDbClientSecretStore(dynamo, tables, clock);
        this.contacts = new io.omniservice.aws.dynamo.DynamoDbContactStore(dynamo, tables);
        this.rateBuckets = new DynamoDbRateBuckets(dynamo, tables, clock, Duration.ofMinutes(1));
        this.publishers = sns == null ? List.of() : List.of(new SnsEventPublisher(sns, settings.eventTopicArn()));
        LOG.info(
                "storage: DynamoDB tables {}*, SQS send queues {}-*.fifo, {} in {}",
                settings.tablePrefix(),
                settings.sendQueue(),
                sns == null ? "no SNS topic" : "events to " + settings.eventTopicArn(),
                settings.region());
    }

    /**
     * Opens the AWS storage: builds the clients, creates missing tables and queues when the settings ask,
     * and checks the queues exist (a missing one stops the start, naming it).
     *
     * @param keepEvents how long published events stay readable (and are kept by TTL)
     */
    public static AwsStorage open(AwsSettings settings, Duration keepEvents, Clock clock) {
        AwsClients clients = new AwsClients(settings);
        return open(
                clients.dynamoDb(),
                clients.sqs(),
                settings.eventTopicArn() == null ? null : clients.sns(),
                new Tables(settings.tablePrefix()),
                settings,
                keepEvents,
                clock);
    }

    /**
     * {@link #open(AwsSettings, Duration, Clock)} on clients and tables the caller made (an emulator's, or tables
     * with fewer index buckets); closing the storage closes the clients.
     *
     * @param sns the client for {@link AwsSettings#eventTopicArn()}, null when there is no topic
     */
    public static AwsStorage open(
            DynamoDbClient dynamo,
            SqsClient sqs,
            SnsClient sns,
            Tables tables,
            AwsSettings settings,
            Duration keepEvents,
            Clock clock) {
        try {
            return new AwsStorage(dynamo, sqs, sns, tables, settings, keepEvents, clock);
        } catch (RuntimeException e) {
            dynamo.close();
            sqs.close();
            if (sns != null) {
                sns.close();
            }
            throw e;
        }
    }

    /** The SQS send queues, for a Lambda function that SQS hands sends to directly. */
    public SendQueue sendQueue() {
        return queue;
    }

    /**
     * The API clients' rate buckets, shared by every node (and Lambda instance) of the deployment; an item stays
     * a minute after its bucket would be full again.
     */
    public io.github.bucket4j.distributed.proxy.ProxyManager<String> sharedRateBuckets() {
        return rateBuckets;
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
    public io.omniservice.core.contact.ContactStore contacts() {
        return contacts;
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
    public List<EventPublisher> eventPublishers() {
        return publishers;
    }

    @Override
    public boolean isReady() {
        return messages.isReady();
    }

    @Override
    public void close() {
        dynamo.close();
        sqs.close();
        if (sns != null) {
            sns.close();
        }
    }
}
