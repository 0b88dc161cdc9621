package io.omniservice.carriers.twilio;

import static org.assertj.core.api.Assertions.assertThat;

import com.twilio.security.RequestValidator;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Our {@code X-Twilio-Signature} computation checked against Twilio's documented example and its Java SDK. */
class TwilioSignatureTest {
    private static final String TOKEN = "9f86d081884c7d659a2feaa0c55ad015";

    /** The worked example of https://www.twilio.com/docs/usage/webhooks/webhooks-security (auth token 12345). */
    @Test
    void matchesTwilioDocumentedExample() {
        Map<String, List<String>> params = multi(Map.of(
                "CallSid", "CA1234567890ABCDE",
                "Caller", "+12349013030",
                "Digits", "1234",
                "From", "+12349013030",
                "To", "+18005551212"));
        TwilioSignature signature = new TwilioSignature("12345");
        String url = "https://mycompany.com/myapp.php?foo=1&bar=2";

        assertThat(signature.sign(url, params)).isEqualTo("0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assertThat(signature.matches(url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="))
                .isTrue();
        assertThat(signature.matches(url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ"))
                .isFalse();
    }

    static Stream<Arguments> requests() {
        Map<String, String> sms = new LinkedHashMap<>();
        sms.put("MessageSid", "SM6b1d6c1e0f9a4c3b8e2d7f6a5b4c3d2e");
        sms.put("AccountSid", "ACae0f6c7f1c4e4b8a9d2c3b4a5f6e7d8c");
        sms.put("From", "+14155550123");
        sms.put("To", "+14155550100");
        sms.put("Body", "Grüße, 東京 👋 & 100% = done?");
        sms.put("NumMedia", "0");
        Map<String, String> caseOrder = new LinkedHashMap<>();
        caseOrder.put("body", "lower");
        caseOrder.put("Body", "upper");
        caseOrder.put("_x", "");
        caseOrder.put("a", "+");
        return Stream.of(
                Arguments.of("https://gw.example.com/webhooks/twilio", sms),
                Arguments.of("https://gw.example.com/webhooks/twilio?tenant=acme&region=us-west", sms),
                Arguments.of("https://gw.example.com:8443/webhooks/twilio", sms),
                Arguments.of("https://gw.example.com:8443/webhooks/twilio?tenant=acme%20corp", sms),
                Arguments.of("http://localhost:8080/webhooks/twilio/east", caseOrder),
                Arguments.of("https://gw.example.com/webhooks/twilio?MessageSid=SM1&Body=GET+body", Map.of()));
    }

    @ParameterizedTest
    @MethodSource("requests")
    void agreesWithTheOfficialSdk(String url, Map<String, String> params) {
        TwilioSignature ours = new TwilioSignature(TOKEN);
        String sdkSignature = TwilioSdkSigner.sign(TOKEN, url, params);

        assertThat(ours.sign(url, multi(params))).isEqualTo(sdkSignature);
        assertThat(new RequestValidator(TOKEN).validate(url, params, ours.sign(url, multi(params))))
                .isTrue();
        assertThat(ours.matches(url, multi(params), sdkSignature)).isTrue();
        assertThat(ours.matches(url, multi(params), TwilioSdkSigner.sign("another-token", url, params)))
                .isFalse();
    }

    @Test
    void jsonBodyIsCoveredByTheSignedBodySha256LikeTheSdk() throws URISyntaxException {
        // Body and hash from twilio-samples/api-snippets security/signature_validation_json.
        String body = "{\"CallSid\":\"CA1234567890ABCDE\",\"Caller\":\"+12349013030\"}";
        String hash = TwilioSignature.bodyHash(body.getBytes(StandardCharsets.UTF_8));
        assertThat(hash).isEqualTo("5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9");

        String url = "https://gw.example.com:8443/webhooks/twilio?tenant=acme&bodySHA256=" + hash;
        String ours = new TwilioSignature(TOKEN).sign(url, Map.of());
        RequestValidator sdk = new RequestValidator(TOKEN);
        assertThat(sdk.validate(url, body, ours)).isTrue();
        assertThat(sdk.validate(url, body.replace("CA1234567890ABCDE", "CA0000000000EVIL"), ours))
                .isFalse();
        assertThat(new TwilioSignature(TOKEN).matches(url, Map.of(), TwilioSdkSigner.sign(TOKEN, url, Map.of())))
                .isTrue();
    }

    @Test
    void defaultPortWrittenOutOrLeftOffIsTheSameUrlLikeInTheSdk() {
        Map<String, String> params = Map.of("MessageSid", "SM1", "Body", "hi");
        String called = "https://gw.example.com/webhooks/twilio?x=1";
        String signedWithPort = TwilioSdkSigner.sign(TOKEN, "https://gw.example.com:443/webhooks/twilio?x=1", params);
        TwilioSignature ours = new TwilioSignature(TOKEN);

        assertThat(new RequestValidator(TOKEN).validate(called, params, signedWithPort))
                .isTrue();
        assertThat(ours.matches(called, multi(params), signedWithPort)).isTrue();
        String signedWithoutPort = TwilioSdkSigner.sign(TOKEN, called, params);
        assertThat(ours.matches("https://gw.example.com:443/webhooks/twilio?x=1", multi(params), signedWithoutPort))
                .isTrue();
        // Port 80 is not https's default: a different URL.
        assertThat(ours.matches(
                        called,
                        multi(params),
                        TwilioSdkSigner.sign(TOKEN, "https://gw.example.com:80/webhooks/twilio?x=1", params)))
                .isFalse();
    }

    /**
     * Deliberately stricter than the Java SDK, which also tries the URL with any port removed: a webhook
     * called on port 8443 is not the URL without it, so a signature over that URL is refused.
     */
    @Test
    void nonDefaultPortIsNeverDropped() {
        Map<String, String> params = Map.of("MessageSid", "SM1");
        String signedWithoutPort = TwilioSdkSigner.sign(TOKEN, "https://gw.example.com/webhooks/twilio", params);

        assertThat(new RequestValidator(TOKEN)
                        .validate("https://gw.example.com:8443/webhooks/twilio", params, signedWithoutPort))
                .isTrue();
        assertThat(new TwilioSignature(TOKEN)
                        .matches("https://gw.example.com:8443/webhooks/twilio", multi(params), signedWithoutPort))
                .isFalse();
    }

    /**
     * The Java SDK takes one value per name; twilio-node's validator (src/webhooks/webhooks.ts,
     * toFormUrlEncodedParam) appends a repeated name once per distinct value, values sorted.
     */
    @Test
    void repeatedParameterContributesEachDistinctValueSorted() {
        Map<String, List<String>> params = new LinkedHashMap<>();
        params.put("b", List.of("2", "1", "2"));
        params.put("a", List.of("x"));

        assertThat(TwilioSignature.signedText("https://h/p", params)).isEqualTo("https://h/paxb1b2");
        TwilioSignature ours = new TwilioSignature(TOKEN);
        Map<String, List<String>> reordered = Map.of("a", List.of("x"), "b", List.of("1", "2"));
        assertThat(ours.sign("https://h/p", params)).isEqualTo(ours.sign("https://h/p", reordered));
    }

    @Test
    void urlVariantsOnlyToggleTheSchemeDefaultPort() {
        assertThat(TwilioSignature.urlVariants("https://h.example/p?q=1"))
                .containsExactly("https://h.example/p?q=1", "https://h.example:443/p?q=1");
        assertThat(TwilioSignature.urlVariants("http://h.example:80"))
                .containsExactly("http://h.example:80", "http://h.example");
        assertThat(TwilioSignature.urlVariants("https://h.example:8443/p")).containsExactly("https://h.example:8443/p");
        assertThat(TwilioSignature.urlVariants("https://[::1]/p"))
                .containsExactly("https://[::1]/p", "https://[::1]:443/p");
    }

    private static Map<String, List<String>> multi(Map<String, String> single) {
        Map<String, List<String>> multi = new LinkedHashMap<>();
        single.forEach((name, value) -> multi.put(name, List.of(value)));
        return multi;
    }
}
