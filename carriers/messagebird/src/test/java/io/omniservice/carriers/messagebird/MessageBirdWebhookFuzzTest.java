package io.omniservice.carriers.messagebird;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.omniservice.carriers.testkit.CarrierFixtureTest;
import io.omniservice.carriers.testkit.WebhookFuzzing;
import io.omniservice.carriers.testkit.WebhookSigning;
import io.omniservice.core.carrier.CarrierAdapter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * MessageBird's JWT verifier and both parsers (SMS form, Conversations JSON, told apart by the body as the
 * adapter does without a Content-Type) under any input, signed with the test key or with any header.
 */
class MessageBirdWebhookFuzzTest {
    private static final String URL = "https://gw.example.com/webhooks/messagebird";
    private static final CarrierAdapter ADAPTER = WebhookFuzzing.adapter(
            new MessageBirdProvider(), new MessageBirdFixtureTest().accounts().get("default"));

    @FuzzTest(maxDuration = "30s")
    void signedBody(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        String jwt =
                WebhookSigning.messageBirdJwt(MessageBirdFixtureTest.SIGNING_KEY, URL, text, CarrierFixtureTest.NOW);
        WebhookFuzzing.check(
                ADAPTER,
                WebhookFuzzing.post(
                        URL, Map.of(MessageBirdSignature.HEADER, jwt), text.getBytes(StandardCharsets.UTF_8)));
    }

    @FuzzTest(maxDuration = "30s")
    void anyToken(FuzzedDataProvider data) {
        String token = data.consumeString(600);
        WebhookFuzzing.check(
                ADAPTER,
                WebhookFuzzing.post(URL, Map.of(MessageBirdSignature.HEADER, token), data.consumeRemainingAsBytes()));
    }
}
