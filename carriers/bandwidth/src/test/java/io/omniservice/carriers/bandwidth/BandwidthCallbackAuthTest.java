package io.omniservice.carriers.bandwidth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.carrier.WebhookRejection;
import org.junit.jupiter.api.Test;

class BandwidthCallbackAuthTest {
    private static int status(ThrowingCall call) {
        try {
            call.run();
            return 200;
        } catch (WebhookRejection e) {
            return e.status();
        }
    }

    @FunctionalInterface
    private interface ThrowingCall {
        void run() throws WebhookRejection;
    }

    /** RFC 7617 section 2: user "Aladdin", password "open sesame". */
    @Test
    void acceptsRfc7617Example() {
        assertThatCode(() -> new BandwidthCallbackAuth("Aladdin", "open sesame")
                        .verify("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="))
                .doesNotThrowAnyException();
    }

    @Test
    void schemeIsCaseInsensitive() {
        assertThatCode(() -> new BandwidthCallbackAuth("Aladdin", "open sesame")
                        .verify("basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="))
                .doesNotThrowAnyException();
    }

    /** RFC 7617 section 2.1's UTF-8 example: user "test", password "123£" is dGVzdDoxMjPCow==. */
    @Test
    void decodesCredentialsAsUtf8() {
        assertThatCode(() -> new BandwidthCallbackAuth("test", "123\u00A3").verify("Basic dGVzdDoxMjPCow=="))
                .doesNotThrowAnyException();
    }

    @Test
    void passwordMayContainColons() {
        // "user:pa:ss" - only the first colon separates the user name.
        assertThatCode(() -> new BandwidthCallbackAuth("user", "pa:ss").verify("Basic dXNlcjpwYTpzcw=="))
                .doesNotThrowAnyException();
    }

    @Test
    void missingOrOtherSchemeIsUnauthorized() {
        BandwidthCallbackAuth auth = new BandwidthCallbackAuth("Aladdin", "open sesame");
        assertThat(status(() -> auth.verify(null))).isEqualTo(401);
        assertThat(status(() -> auth.verify("Bearer QWxhZGRpbjpvcGVuIHNlc2FtZQ==")))
                .isEqualTo(401);
    }

    @Test
    void wrongPasswordOrUserIsForbidden() {
        BandwidthCallbackAuth auth = new BandwidthCallbackAuth("Aladdin", "open sesame!");
        assertThatThrownBy(() -> auth.verify("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="))
                .isInstanceOf(WebhookRejection.class)
                .hasMessageContaining("do not match");
        BandwidthCallbackAuth otherUser = new BandwidthCallbackAuth("aladdin", "open sesame");
        assertThat(status(() -> otherUser.verify("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")))
                .isEqualTo(403);
    }

    @Test
    void credentialsWithoutColonAreForbidden() {
        // "Aladdin" alone, base64 QWxhZGRpbg==
        assertThat(status(() -> new BandwidthCallbackAuth("Aladdin", "").verify("Basic QWxhZGRpbg==")))
                .isEqualTo(403);
    }
}
