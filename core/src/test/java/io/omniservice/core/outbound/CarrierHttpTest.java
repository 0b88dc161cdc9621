package io.omniservice.core.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CarrierHttpTest {
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

    @Test
    void retryAfterIsSecondsOrAnHttpDate() {
        assertThat(CarrierHttp.parseRetryAfter("120", NOW)).isEqualTo(Duration.ofSeconds(120));
        assertThat(CarrierHttp.parseRetryAfter("Wed, 25 Nov 2026 12:00:30 GMT", NOW))
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(CarrierHttp.parseRetryAfter("Wed, 25 Nov 2026 11:59:00 GMT", NOW))
                .isEqualTo(Duration.ZERO);
        assertThat(CarrierHttp.parseRetryAfter("soon", NOW)).isNull();
        assertThat(CarrierHttp.parseRetryAfter("-5", NOW)).isNull();
    }

    @Test
    void basicAuthIsBase64OfUserColonPassword() {
        assertThat(CarrierHttp.basicAuth("Aladdin", "open sesame")).isEqualTo("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    }
}
