package io.omniservice.aws;

import io.omniservice.aws.dynamo.FakeDynamo;
import java.net.URI;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * The AWS services the gateway's {@code storage.mode: aws} and its Lambda functions talk to, played inside the test
 * JVM on loopback ports: DynamoDB (http4k's fake, through {@link FakeDynamo}, which serves one request at a time as
 * the fake needs), SQS (ElasticMQ) and S3 (S3Proxy over an in-memory store, checking signatures with these
 * credentials; one bucket made). Shared by the end-to-end suite and the Lambda handler tests.
 */
public final class AwsStandIns implements AutoCloseable {
    public static final String REGION = "us-east-1";

    private final String accessKey;
    private final String secretKey;
    private final FakeDynamo dynamo;
    private final SQSRestServer sqs;
    private final int sqsPort;
    private final BlobStoreContext blobs;
    private final S3Proxy s3;

    private AwsStandIns(String accessKey, String secretKey, String bucket) throws Exception {
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        dynamo = FakeDynamo.start();
        sqs = SQSRestServerBuilder.withInterface("127.0.0.1").withDynamicPort().start();
        sqsPort = sqs.waitUntilStarted().localAddress().getPort();
        blobs = ContextBuilder.newBuilder("transient")
                .credentials(accessKey, secretKey)
                .build(BlobStoreContext.class);
        blobs.getBlobStore().createContainerInLocation(null, bucket);
        s3 = S3Proxy.builder()
                .blobStore(blobs.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
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

    /** The three services, S3 holding an empty {@code bucket}, all accepting these credentials. */
    public static AwsStandIns start(String accessKey, String secretKey, String bucket) throws Exception {
        return new AwsStandIns(accessKey, secretKey, bucket);
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    public FakeDynamo dynamo() {
        return dynamo;
    }

    public int sqsPort() {
        return sqsPort;
    }

    public String sqsEndpoint() {
        return "http://127.0.0.1:" + sqsPort;
    }

    public String s3Endpoint() {
        return "http://127.0.0.1:" + s3.getPort();
    }

    /**
     * For a failing test: the items of the tables under {@code prefix} that mention one of {@code needles} or the
     * id of a message or conversation such an item names, and every item of the same partitions (a conversation's events and messages, a delivery lane), one per line.
     */
    public String itemsAbout(String prefix, Collection<String> needles) {
        // and the ids of what mentions them (a message's, its conversation's), so its lanes and deliveries show too
        Set<String> all = new java.util.TreeSet<>(needles);
        java.util.regex.Matcher found = java.util.regex.Pattern.compile(
                        "(?:conversationId|messageId)=AttributeValue\\(S=([0-9a-f-]{36})\\)")
                .matcher(itemsMentioning(prefix, needles));
        while (found.find()) {
            all.add(found.group(1));
        }
        return itemsMentioning(prefix, all);
    }

    private String itemsMentioning(String prefix, Collection<String> needles) {
        var client = dynamo.client();
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
            Set<Object> partitions = new HashSet<>();
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
            dynamo.close();
            sqs.stopAndWait();
        } finally {
            s3.stop();
            blobs.close();
        }
    }
}
