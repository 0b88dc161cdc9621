package io.omniservice.acceptance;

import io.omniservice.aws.AwsStandIns;
import java.net.URI;

/**
 * The AWS services of {@code storage.mode: aws} ({@link AwsStandIns}: DynamoDB, SQS and S3 on loopback ports in
 * the test JVM) and the configuration that points a gateway process at them. Each suite starts its own; the
 * gateway creates its tables and queues at start.
 */
final class AwsEmulators implements AutoCloseable {
    static final String ACCESS_KEY = "acceptance";
    static final String SECRET_KEY = "acceptance-secret";
    static final String REGION = "us-east-1";
    static final String BUCKET = "omniservice-media";

    private final AwsStandIns services;

    private AwsEmulators() throws Exception {
        services = AwsStandIns.start(ACCESS_KEY, SECRET_KEY, BUCKET);
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
                                services.dynamo().endpoint(),
                                services.sqsPort(),
                                snsEndpoint,
                                topic))
                .withMoreMedia("""
                        s3:
                          bucket: %s
                          region: %s
                          endpoint: %s
                          accessKeyId: %s
                          secretAccessKey: %s
                        """.formatted(BUCKET, REGION, services.s3Endpoint(), ACCESS_KEY, SECRET_KEY))
                .withNodeId(nodeId);
    }

    /** For a failing test: what the tables under {@code prefix} hold about {@code needles}. */
    String itemsAbout(String prefix, java.util.Collection<String> needles) {
        return services.itemsAbout(prefix, needles);
    }

    @Override
    public void close() throws Exception {
        services.close();
    }
}
