package io.omniservice.carriers.twilio;

import io.omniservice.carriers.testkit.CarrierFixtureTest;
import io.omniservice.carriers.testkit.FixtureRequest;
import io.omniservice.carriers.testkit.Prep;
import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.FormBody;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Twilio webhook cases. Signing steps use the official SDK's signature code ({@link TwilioSdkSigner});
 * "add-body-hash" appends {@code bodySHA256} to the URL as Twilio does for JSON bodies; "tamper" steps
 * change the request after it was signed.
 */
class TwilioFixtureTest extends CarrierFixtureTest {
    static final String ACCOUNT_SID = "ACae0f6c7f1c4e4b8a9d2c3b4a5f6e7d8c";
    static final String AUTH_TOKEN = "9f86d081884c7d659a2feaa0c55ad015";
    static final String SECOND_ACCOUNT_SID = "AC11223344556677889900aabbccddeeff";
    static final String SECOND_AUTH_TOKEN = "2c26b46b68ffc68ff99b453c1d304134";

    @Override
    protected Map<String, Map<String, Object>> accounts() {
        return Map.of(
                "default",
                Map.of(
                        "accountSid",
                        ACCOUNT_SID,
                        "authToken",
                        AUTH_TOKEN,
                        "messagingServiceSid",
                        "MG0123456789abcdef0123456789abcdef",
                        "apiBaseUrl",
                        "https://api.twilio.com"),
                "east",
                Map.of("accountSid", SECOND_ACCOUNT_SID, "authToken", SECOND_AUTH_TOKEN));
    }

    @Override
    protected CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        return new TwilioProvider().create(settings, context);
    }

    @Override
    protected Map<String, Prep> preps() {
        return Map.ofEntries(
                Map.entry("sign", r -> sign(r, AUTH_TOKEN, r.url)),
                Map.entry("sign-second-account", r -> sign(r, SECOND_AUTH_TOKEN, r.url)),
                Map.entry("sign-with-other-token", r -> sign(r, SECOND_AUTH_TOKEN, r.url)),
                Map.entry("sign-other-url", r -> sign(r, AUTH_TOKEN, "https://gw.example.com/webhooks/twilio/east")),
                Map.entry("sign-with-default-port", r -> sign(r, AUTH_TOKEN, r.url.replace(".com/", ".com:443/"))),
                Map.entry("sign-dropping-port", r -> sign(r, AUTH_TOKEN, r.url.replace(":8443/", "/"))),
                Map.entry(
                        "add-body-hash",
                        r -> r.url +=
                                (r.url.contains("?") ? "&" : "?") + "bodySHA256=" + TwilioSignature.bodyHash(r.body)),
                Map.entry("pad-to-65-kib", r -> r.setBody(r.bodyText() + "&Pad=" + "x".repeat(65 * 1024))),
                Map.entry("garbage-signature", r -> r.setHeader(TwilioSignature.HEADER, "not-a-signature")),
                Map.entry("tamper-body", r -> r.setBody(r.bodyText().replace("Body=Hello", "Body=Goodbye"))),
                Map.entry(
                        "tamper-json", r -> r.setBody(r.bodyText().replace("CA1234567890ABCDE", "CA0000000000EVIL"))));
    }

    private static void sign(FixtureRequest request, String token, String url) throws Exception {
        Map<String, String> params = new LinkedHashMap<>();
        boolean urlOnly = "GET".equals(request.method) || url.contains("bodySHA256=");
        if (!urlOnly) {
            for (Map.Entry<String, List<String>> field :
                    FormBody.parse(request.body).entrySet()) {
                params.put(field.getKey(), field.getValue().getFirst());
            }
        }
        request.setHeader(TwilioSignature.HEADER, TwilioSdkSigner.sign(token, url, params));
    }
}
