package io.omniservice.carriers.inteliquent;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.omniservice.carriers.testkit.WebhookFuzzing;
import io.omniservice.carriers.testkit.WebhookSigning;
import io.omniservice.core.carrier.CarrierAdapter;
import java.util.Map;

/**
 * Inteliquent's token check and parser under any input: a body with a real MessageId and its token, and any
 * MessageId (with the token computed for it, so the id itself reaches the parser) or any token.
 */
class InteliquentWebhookFuzzTest {
    private static final String URL = "https://gw.example.com/webhooks/inteliquent";
    private static final String MESSAGE_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    private static final CarrierAdapter ADAPTER = WebhookFuzzing.adapter(
            new InteliquentProvider(), new InteliquentFixtureTest().accounts().get("default"));

    @FuzzTest(maxDuration = "30s")
    void signedBody(byte[] body) {
        check(MESSAGE_ID, token(MESSAGE_ID), body);
    }

    @FuzzTest(maxDuration = "30s")
    void anyHeaders(FuzzedDataProvider data) {
        String messageId = data.consumeString(64);
        String token = data.consumeBoolean() ? token(messageId) : data.consumeString(80);
        check(messageId, token, data.consumeRemainingAsBytes());
    }

    private static String token(String messageId) {
        return WebhookSigning.inteliquentToken(InteliquentFixtureTest.INBOUND_API_KEY, messageId);
    }

    private static void check(String messageId, String token, byte[] body) {
        WebhookFuzzing.check(
                ADAPTER,
                WebhookFuzzing.post(
                        URL,
                        Map.of("Content-Type", "application/json", "MessageId", messageId, "VerificationToken", token),
                        body));
    }
}
