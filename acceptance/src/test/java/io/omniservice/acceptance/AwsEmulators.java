package io.omniservice.acceptance;

import io.omniservice.aws.dynamo.FakeDynamo;
import java.net.URI;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * The AWS services of {@code storage.mode: aws}, played inside the test JVM on loopback ports for a gateway
 * process to reach: DynamoDB (http4k's fake), SQS (ElasticMQ) and S3 (S3Proxy over an in-memory store,
 * checking signatures). Each suite starts its own; the gateway creates its tables and queues at start.
 */
final class AwsEmulators implements AutoCloseable {
    static final String ACCESS_KEY = "acceptance";
    static final String SECRET_KEY = "acceptance-secret";
    static final String REGION = "us-east-1";
    static final String BUCKET = "omniservice-media";

    private final FakeDynamo dynamoDb;
    private final SQSRestServer sqs;
    private final int sqsPort;
    private final BlobStoreContext blobs;
    private final S3Proxy s3;

    private AwsEmulators() throws Exception {
        // through FakeDynamo: it serves one request at a time, as the fake needs (its parsers share state)
        dynamoDb = FakeDynamo.start();
        sqs = SQSRestServerBuilder.withInterface("127.0.0.1").withDynamicPort().start();
        sqsPort = sqs.waitUntilStarted().localAddress().getPort();
        blobs = ContextBuilder.newBuilder("transient")
                .credentials(ACCESS_KEY, SECRET_KEY)
                .build(BlobStoreContext.class);
        blobs.getBlobStore().createContainerInLocation(null, BUCKET);
        s3 = S3Proxy.builder()
                .blobStore(blobs.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        s3.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!AbstractLifeCycle.STARTED.equals(s3.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + s3.getState());
            }
            Thread.sleep(10);
        }
    }

    static AwsEmulators start() throws Exception {
        return new AwsEmulators();
    }

    /**
     * A node of the AWS mode on these services: its tables under {@code prefix} and its own send queue,
     * created at its start; media in the S3 bucket.
     */
    GatewayProcess.Setup setup(String prefix, String nodeId) {
        return setup(prefix, nodeId, null, null);
    }

    /** {@link #setup(String, String)}, publishing every event to the SNS topic {@code topicArn} at {@code sns}. */
    GatewayProcess.Setup setupPublishing(String prefix, String nodeId, URI sns, String topicArn) {
        return setup(prefix, nodeId, sns, topicArn);
    }

    private GatewayProcess.Setup setup(String prefix, String nodeId, URI sns, String topicArn) {
        String snsEndpoint = sns == null ? "" : "\n    sns: " + sns;
        String topic = topicArn == null ? "" : "\n  eventTopicArn: " + topicArn;
        return GatewayProcess.Setup.embedded()
                .withStorage("""
                        mode: aws
                        aws:
                          region: %s
                          tablePrefix: %s
                          createTables: true
                          sendQueue: %ssends
                          accessKeyId: %s
                          secretAccessKey: %s
                          endpoints:
                            dynamodb: %s
                            sqs: http://127.0.0.1:%d%s%s""".formatted(
                                REGION,
                                prefix,
                                prefix,
                                ACCESS_KEY,
                                SECRET_KEY,
                                dynamoDb.endpoint(),
                                sqsPort,
                                snsEndpoint,
                                topic))
                .withMoreMedia("""
                        s3:
                          bucket: %s
                          region: %s
                          endpoint: http://127.0.0.1:%d
                          accessKeyId: %s
                          secretAccessKey: %s
                        """.formatted(BUCKET, REGION, s3.getPort(), ACCESS_KEY, SECRET_KEY))
                .withNodeId(nodeId);
    }

    /**
     * For a failing test: the items of the tables under {@code prefix} that mention one of {@code needles}, and
     * every item of the same partitions (a conversation's events and messages, a delivery lane), one per line.
     */
    String itemsAbout(String prefix, java.util.Collection<String> needles) {
        var client = dynamoDb.client();
        StringBuilder out = new StringBuilder();
        for (String table : client.listTablesPaginator().tableNames()) {
            if (!table.startsWith(prefix)) {
                continue;
            }
            var keys = client.describeTable(b -> b.tableName(table)).table().keySchema();
            String partition = keys.stream()
                    .filter(k -> k.keyTypeAsString().equals("HASH"))
                    .findFirst()
                    .orElseThrow()
                    .attributeName();
            var items = client.scanPaginator(b -> b.tableName(table)).items().stream()
                    .toList();
            java.util.Set<Object> partitions = new java.util.HashSet<>();
            for (var item : items) {
                if (needles.stream().anyMatch(n -> item.toString().contains(n))) {
                    partitions.add(item.get(partition));
                }
            }
            items.stream()
                    .filter(item -> partitions.contains(item.get(partition)))
                    .forEach(item -> out.append(table).append(' ').append(item).append('\n'));
        }
        return out.toString();
    }

    @Override
    public void close() throws Exception {
        try {
            dynamoDb.close();
            sqs.stopAndWait();
        } finally {
            s3.stop();
            blobs.close();
        }
    }
}
