package io.omniservice.acceptance;

/**
 * The end-to-end suite on {@code storage.mode: aws}: the gateway process keeps everything in DynamoDB, sends
 * through SQS FIFO and media in S3, each played in this JVM.
 */
class AwsEndToEndTest extends EndToEndSuite {
    private AwsEmulators aws;

    @Override
    protected GatewayProcess.Setup setup() throws Exception {
        aws = AwsEmulators.start();
        return aws.setup("e2e-", "aws-node");
    }

    @Override
    protected void tearDown() throws Exception {
        if (aws != null) {
            aws.close();
        }
    }
}
