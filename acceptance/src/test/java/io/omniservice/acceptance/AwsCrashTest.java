package io.omniservice.acceptance;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability invariant on {@code storage.mode: aws}, through a kill -9 of the gateway process and its
 * restart: a webhook answered 200 is in DynamoDB once, a send answered 202 reaches the carrier, a workflow
 * begun runs to its end. The same checks as the embedded mode's tests, on the emulated AWS services.
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

    /**
     * When it fails it prints the gateway's warnings, its log lines, the store's items about the messages in
     * question (their conversations' lanes and deliveries too) and what the subscriber got twice.
     */
    @Test
    void everyWorkflowBegunRunsToItsEndAfterKillNine() throws Exception {
        try (AwsEmulators aws = AwsEmulators.start()) {
            // a third of the embedded run's webhooks (96): the fake serves one request at a time, and 288 took it a
            // minute on an idle machine, over five under a loaded CI run
            WorkflowCrashTest.workflowsSurviveKillNine(
                    directory,
                    aws.setup("workflow-", "aws-workflow"),
                    8,
                    java.time.Duration.ofSeconds(300),
                    missing -> aws.itemsAbout("workflow-", missing));
        }
    }
}
