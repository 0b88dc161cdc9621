package io.omniservice.carriers.whatsapp;

import io.omniservice.carriers.testkit.CarrierFixtureTest;
import io.omniservice.carriers.testkit.FixtureRequest;
import io.omniservice.carriers.testkit.Prep;
import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * WhatsApp Cloud API webhook cases. The "sign" steps compute {@code X-Hub-Signature-256} here with the JDK's
 * HMAC (not the code under test) over the fixture's body, as Meta does with the app secret.
 */
class WhatsAppFixtureTest extends CarrierFixtureTest {
    static final String APP_SECRET = "3f2b9c41d87e4a0f96c5e2b1a7d0c8e4";
    static final String SECOND_APP_SECRET = "b81e6f0a2c9d47e3a5f4c0d9e8b7a612";

    @Override
    protected Map<String, Map<String, Object>> accounts() {
        return Map.of(
                "default",
                Map.of(
                        "appSecret", APP_SECRET,
                        "verifyToken", "omniservice-verify-7c1d",
                        "accessToken", "EAAG-test-token",
                        "phoneNumberId", "106540352242922",
                        "apiVersion", "v21.0"),
                "brand-b",
                Map.of("appSecret", SECOND_APP_SECRET, "verifyToken", "brand-b-verify-92aa"));
    }

    @Override
    protected CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        return new WhatsAppProvider().create(settings, context);
    }

    @Override
    protected Map<String, Prep> preps() {
        return Map.of(
                "sign", r -> sign(r, APP_SECRET),
                "sign-with-second-app-secret", r -> sign(r, SECOND_APP_SECRET),
                "break-signature", WhatsAppFixtureTest::breakSignature,
                "tamper-body", r -> r.setBody(r.bodyText().replace("another color", "a refund to my new card")),
                // 100 KiB of id: kept out of the case file, which stays readable
                "inflate-message-id",
                        r -> r.setBody(r.bodyText().replace("wamid.INFLATE", "wamid." + "A".repeat(100 * 1024))));
    }

    static void sign(FixtureRequest request, String secret) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        request.setHeader("X-Hub-Signature-256", "sha256=" + HexFormat.of().formatHex(mac.doFinal(request.body)));
    }

    /** Flips the last hex digit: well-formed, but not the body's signature. */
    private static void breakSignature(FixtureRequest request) {
        String header = request.header("X-Hub-Signature-256");
        char last = header.charAt(header.length() - 1);
        request.setHeader("X-Hub-Signature-256", header.substring(0, header.length() - 1) + (last == '0' ? '1' : '0'));
    }
}
