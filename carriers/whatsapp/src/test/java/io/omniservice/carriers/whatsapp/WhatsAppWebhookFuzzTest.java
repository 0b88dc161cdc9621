package io.omniservice.carriers.whatsapp;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.omniservice.carriers.testkit.WebhookFuzzing;
import io.omniservice.carriers.testkit.WebhookSigning;
import io.omniservice.core.carrier.CarrierAdapter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** WhatsApp's verifier and parser under any input, signed with the test app secret or not. Seeds: fixture bodies. */
class WhatsAppWebhookFuzzTest {
    private static final String URL = "https://gw.example.com/webhooks/whatsapp";
    private static final CarrierAdapter ADAPTER = WebhookFuzzing.adapter(
            new WhatsAppProvider(), new WhatsAppFixtureTest().accounts().get("default"));

    @FuzzTest(maxDuration = "30s")
    void signedBody(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        WebhookFuzzing.check(
                ADAPTER,
                WebhookFuzzing.post(
                        URL,
                        Map.of(
                                "Content-Type",
                                "application/json",
                                WhatsAppSignature.HEADER,
                                WebhookSigning.metaSignature(WhatsAppFixtureTest.APP_SECRET, text)),
                        text.getBytes(StandardCharsets.UTF_8)));
    }

    @FuzzTest(maxDuration = "30s")
    void anySignature(FuzzedDataProvider data) {
        String header = data.consumeString(80);
        WebhookFuzzing.check(
                ADAPTER,
                WebhookFuzzing.post(URL, Map.of(WhatsAppSignature.HEADER, header), data.consumeRemainingAsBytes()));
    }
}
