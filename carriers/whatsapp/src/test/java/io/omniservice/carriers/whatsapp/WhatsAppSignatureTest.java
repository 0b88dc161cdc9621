package io.omniservice.carriers.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.carrier.WebhookRejection;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WhatsAppSignatureTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** RFC 4231 test case 2 (HMAC-SHA-256, key "Jefe"): the header is that digest in lower-case hex. */
    @Test
    void signsWithHmacSha256AsRfc4231TestCase2() {
        assertThat(new WhatsAppSignature("Jefe").sign(utf8("what do ya want for nothing?")))
                .isEqualTo("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    /** Vector computed independently with {@code openssl dgst -sha256 -hmac} over a Meta-shaped body. */
    @Test
    void acceptsOpensslComputedSignatureOverRawBody() {
        byte[] body = utf8("{\"object\":\"whatsapp_business_account\",\"entry\":[]}");
        assertThatCode(() -> new WhatsAppSignature("3f2b9c41d87e4a0f96c5e2b1a7d0c8e4")
                        .verify("sha256=" + OPENSSL_VECTOR, body))
                .doesNotThrowAnyException();
    }

    @Test
    void acceptsUpperCaseHex() {
        byte[] body = utf8("{\"object\":\"whatsapp_business_account\",\"entry\":[]}");
        assertThatCode(() -> new WhatsAppSignature("3f2b9c41d87e4a0f96c5e2b1a7d0c8e4")
                        .verify("sha256=" + OPENSSL_VECTOR.toUpperCase(java.util.Locale.ROOT), body))
                .doesNotThrowAnyException();
    }

    @Test
    void missingHeaderIsUnauthorized() {
        assertThatThrownBy(() -> new WhatsAppSignature("s").verify(null, utf8("{}")))
                .isInstanceOf(WebhookRejection.class)
                .extracting(e -> ((WebhookRejection) e).status())
                .isEqualTo(401);
    }

    @Test
    void sha1HeaderFormatIsForbidden() {
        // The legacy X-Hub-Signature carries sha1=<40 hex>; only the SHA-256 form is accepted.
        assertThatThrownBy(() ->
                        new WhatsAppSignature("s").verify("sha1=0123456789abcdef0123456789abcdef01234567", utf8("{}")))
                .isInstanceOf(WebhookRejection.class)
                .extracting(e -> ((WebhookRejection) e).status())
                .isEqualTo(403);
    }

    @Test
    void nonHexDigestIsForbidden() {
        String notHex = "sha256=" + "zz".repeat(32);
        assertThatThrownBy(() -> new WhatsAppSignature("s").verify(notHex, utf8("{}")))
                .isInstanceOf(WebhookRejection.class)
                .extracting(e -> ((WebhookRejection) e).status())
                .isEqualTo(403);
    }

    @Test
    void signatureOfAnotherBodyIsForbidden() {
        WhatsAppSignature signature = new WhatsAppSignature("s");
        String header = signature.sign(utf8("{\"a\":1}"));
        assertThatThrownBy(() -> signature.verify(header, utf8("{\"a\":2}")))
                .isInstanceOf(WebhookRejection.class)
                .extracting(e -> ((WebhookRejection) e).status())
                .isEqualTo(403);
    }

    private static final String OPENSSL_VECTOR = "3c72dc1437c9d9f47bd90690c9f95543307c9dfa7f72a7ca43d7c96ad00b3870";
}
