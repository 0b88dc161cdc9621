package io.omniservice.acceptance;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability invariant on {@code storage.mode: aws}: a webhook answered 200 is in DynamoDB once, through
 * a kill -9 of the gateway process and the carrier's retries after its restart.
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
}
