package io.omniservice.carriers.bandwidth;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.omniservice.carriers.testkit.WebhookFuzzing;
import io.omniservice.core.carrier.CarrierAdapter;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** Bandwidth's callback auth and parser under any input, with the test credentials or any Authorization. */
class BandwidthWebhookFuzzTest {
    private static final String URL = "https://gw.example.com/webhooks/bandwidth";
    private static final CarrierAdapter ADAPTER = WebhookFuzzing.adapter(
            new BandwidthProvider(), new BandwidthFixtureTest().accounts().get("default"));
    private static final String AUTHORIZATION = "Basic "
            + Base64.getEncoder()
                    .encodeToString((BandwidthFixtureTest.USERNAME + ":" + BandwidthFixtureTest.PASSWORD)
                            .getBytes(StandardCharsets.UTF_8));

    @FuzzTest(maxDuration = "30s")
    void authenticatedBody(byte[] body) {
        WebhookFuzzing.check(
                ADAPTER,
                WebhookFuzzing.post(
                        URL, Map.of("Content-Type", "application/json", "Authorization", AUTHORIZATION), body));
    }

    @FuzzTest(maxDuration = "30s")
    void anyAuthorization(FuzzedDataProvider data) {
        String header = data.consumeString(120);
        WebhookFuzzing.check(
                ADAPTER, WebhookFuzzing.post(URL, Map.of("Authorization", header), data.consumeRemainingAsBytes()));
    }
}
