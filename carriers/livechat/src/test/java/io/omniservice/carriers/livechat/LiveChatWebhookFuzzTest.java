package io.omniservice.carriers.livechat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.omniservice.carriers.testkit.WebhookFuzzing;
import io.omniservice.core.carrier.CarrierAdapter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * LiveChat's secret check and parser under any input. An input is the body as sent; "authenticated" inputs
 * get the test license's secret_key substituted for the placeholder {@code SECRET}, so seeds reach the parser.
 */
class LiveChatWebhookFuzzTest {
    private static final String URL = "https://gw.example.com/webhooks/livechat";
    private static final String SECRET = "lc-webhook-secret-7Qm2vX9pR4";
    private static final CarrierAdapter ADAPTER = WebhookFuzzing.adapter(
            new LiveChatProvider(), new LiveChatFixtureTest().accounts().get("default"));

    @FuzzTest(maxDuration = "30s")
    void authenticatedBody(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8).replace("\"SECRET\"", "\"" + SECRET + "\"");
        WebhookFuzzing.check(
                ADAPTER,
                WebhookFuzzing.post(
                        URL, Map.of("Content-Type", "application/json"), text.getBytes(StandardCharsets.UTF_8)));
    }

    @FuzzTest(maxDuration = "30s")
    void anyBody(byte[] input) {
        WebhookFuzzing.check(ADAPTER, WebhookFuzzing.post(URL, Map.of("Content-Type", "application/json"), input));
    }
}
