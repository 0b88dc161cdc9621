package io.omniservice.carriers.inteliquent;

import io.omniservice.carriers.testkit.CarrierFixtureTest;
import io.omniservice.carriers.testkit.Prep;
import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Inteliquent message broker cases. "sign" sets {@code VerificationToken} to hex SHA-256 of the inbound API
 * key followed by the case's {@code MessageId}; "sign-hmac" to hex HMAC-SHA256 of the MessageId keyed with the
 * API key (Inteliquent's OpenAPI wording). Both are computed here with the JDK, not with the adapter's code.
 */
class InteliquentFixtureTest extends CarrierFixtureTest {
    static final String INBOUND_API_KEY = "iq-inbound-7b1f0c2e9d4a4c58";
    static final String SECOND_INBOUND_API_KEY = "iq-inbound-east-41d0a9";

    @Override
    protected Map<String, Map<String, Object>> accounts() {
        return Map.of(
                "default",
                Map.of(
                        "inboundApiKey", INBOUND_API_KEY,
                        "outboundApiKey", "iq-outbound-0c9e",
                        "from", "14155550199",
                        "apiBaseUrl", "https://messagebroker.inteliquent.com"),
                "east",
                Map.of("inboundApiKey", SECOND_INBOUND_API_KEY));
    }

    @Override
    protected CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        return new InteliquentProvider().create(settings, context);
    }

    @Override
    protected Map<String, Prep> preps() {
        return Map.of(
                "sign", r -> r.setHeader("VerificationToken", sha256(INBOUND_API_KEY + r.header("MessageId"))),
                "sign-hmac", r -> r.setHeader("VerificationToken", hmac(INBOUND_API_KEY, r.header("MessageId"))),
                "sign-second-account",
                        r -> r.setHeader("VerificationToken", sha256(SECOND_INBOUND_API_KEY + r.header("MessageId"))),
                "sign-with-other-key",
                        r -> r.setHeader("VerificationToken", sha256(SECOND_INBOUND_API_KEY + r.header("MessageId"))),
                "sign-other-message-id",
                        r -> r.setHeader(
                                "VerificationToken", sha256(INBOUND_API_KEY + "0b6d2f4e-1c3a-4e5b-9d7f-8a9b0c1d2e3f")),
                "change-text", r -> r.setBody(r.bodyText().replace("See you at 5", "Send me your password")));
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String hmac(String key, String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }
}
