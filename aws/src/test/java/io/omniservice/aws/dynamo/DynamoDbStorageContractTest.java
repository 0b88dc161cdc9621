package io.omniservice.aws.dynamo;

import io.omniservice.aws.AwsSettings;
import io.omniservice.aws.AwsStorage;
import io.omniservice.core.store.Storage;
import io.omniservice.store.contract.FeedStoreContract;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The whole storage contract (messages, outbound, feed) on the AWS mode's storage as the gateway assembles it
 * ({@link AwsStorage}): the http4k fake and ElasticMQ in this JVM, tables and queues of this class's own.
 */
class DynamoDbStorageContractTest extends FeedStoreContract {
    private FakeDynamo dynamo;
    private SQSRestServer elasticMq;
    private Tables tables;

    @Override
    protected Storage openStorage() {
        dynamo = FakeDynamo.start();
        // One bucket per index key: the fake answers an index query by going through the whole table, so each
        // bucket a claim fans out to costs the fake as much as all of them, and the feed tests work off what
        // the whole suite committed before them. The buckets themselves are tested where the data is small.
        String prefix = FakeDynamo.uniquePrefix("storage");
        tables = new Tables(prefix, 1);
        elasticMq = SQSRestServerBuilder.withInterface("127.0.0.1")
                .withDynamicPort()
                .start();
        SqsClient sqs = SqsClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:"
                        + elasticMq.waitUntilStarted().localAddress().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
        // the gateway's own assembly, creating its tables and queues as a first start does
        AwsSettings settings = new AwsSettings(
                "us-east-1",
                prefix,
                true,
                "storage-" + UUID.randomUUID().toString().substring(0, 8),
                null,
                Map.of(),
                null,
                null);
        return AwsStorage.open(dynamo.client(), sqs, null, tables, settings, null, Clock.systemUTC());
    }

    @Override
    protected void dropStore() {
        if (elasticMq != null) {
            elasticMq.stopAndWait();
        }
        if (dynamo != null) {
            dynamo.close();
        }
    }

    @Override
    protected List<WrittenEvent> changeEvents(String conversationId) {
        return WrittenChangeEvents.changeEvents(dynamo.client(), tables, conversationId);
    }
}
