package io.omniservice.carriers.twilio;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.omniservice.carriers.testkit.WebhookFuzzing;
import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.FormBody;
import io.omniservice.core.carrier.WebhookRejection;
import java.util.List;
import java.util.Map;

/**
 * Twilio's verifier and parser under any input: a form signed with the test auth token (so the parser is
 * reached), and any signature header on any body. Seeds are the fixture cases' bodies.
 */
class TwilioWebhookFuzzTest {
    private static final String URL = "https://gw.example.com/webhooks/twilio";
    private static final CarrierAdapter ADAPTER = WebhookFuzzing.adapter(
            new TwilioProvider(), new TwilioFixtureTest().accounts().get("default"));
    private static final TwilioSignature SIGNATURE = new TwilioSignature(TwilioFixtureTest.AUTH_TOKEN);

    @FuzzTest(maxDuration = "30s")
    void signedForm(byte[] body) {
        Map<String, List<String>> params;
        try {
            params = FormBody.parse(body);
        } catch (WebhookRejection notAForm) {
            params = Map.of();
        }
        WebhookFuzzing.check(
                ADAPTER,
                WebhookFuzzing.post(
                        URL,
                        Map.of(
                                "Content-Type",
                                "application/x-www-form-urlencoded",
                                TwilioSignature.HEADER,
                                SIGNATURE.sign(URL, params)),
                        body));
    }

    @FuzzTest(maxDuration = "30s")
    void anySignature(FuzzedDataProvider data) {
        String header = data.consumeString(64);
        WebhookFuzzing.check(
                ADAPTER,
                WebhookFuzzing.post(URL, Map.of(TwilioSignature.HEADER, header), data.consumeRemainingAsBytes()));
    }
}
