package io.omniservice.acceptance;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability invariant on {@code storage.mode: aws}, as the embedded suites prove it: webhooks
 * answered 200 are in DynamoDB once, accepted sends reach the carrier through SQS FIFO, and interrupted
 * workflows act once, each through a kill -9 of the gateway process and its restart.
 */
class AwsCrashTest {
    @TempDir
    Path directory;

    @Test
    void everyAcknowledgedWebhookSurvivesKillNineExactlyOnce() throws Exception {
        try (AwsEmulators aws = AwsEmulators.start()) {
            DurabilityTest.survivesKillNine(directory, aws.setup("durability-", "aws-durability"));
        }
    }

    @Test
    void everyAcceptedSendReachesTheCarrierAfterKillNine() throws Exception {
        try (AwsEmulators aws = AwsEmulators.start()) {
            OutboundCrashTest.sendsSurviveKillNine(directory, aws.setup("outbound-", "aws-outbound"));
        }
    }

    @Test
    void workflowsInterruptedByKillNineActOnceForEveryAnsweredWebhook() throws Exception {
        try (AwsEmulators aws = AwsEmulators.start()) {
            WorkflowCrashTest.workflowsSurviveKillNine(directory, aws.setup("workflow-", "aws-workflow"));
        }
    }
}
