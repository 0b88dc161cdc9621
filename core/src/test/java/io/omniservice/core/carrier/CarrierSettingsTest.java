package io.omniservice.core.carrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.config.ConfigException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CarrierSettingsTest {
    private final CarrierSettings settings = new CarrierSettings(
            "carriers.twilio.default",
            "default",
            Map.of("authToken", "secret", "apiBaseUrl", "http://127.0.0.1:8089/", "timeout", "5s", "blank", " "));

    @Test
    void missingRequiredKeyIsNamedWithItsPath() {
        assertThatThrownBy(() -> settings.require("accountSid"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("carriers.twilio.default.accountSid: is required");
        assertThatThrownBy(() -> settings.require("blank")).hasMessageContaining("carriers.twilio.default.blank");
    }

    @Test
    void urlsLoseTheirTrailingSlashAndMustBeAbsolute() {
        assertThat(settings.url("apiBaseUrl", null)).hasToString("http://127.0.0.1:8089");
        assertThat(settings.url("other", "https://api.twilio.com")).hasToString("https://api.twilio.com");
        assertThatThrownBy(() -> settings.url("authToken", null))
                .hasMessageStartingWith("carriers.twilio.default.authToken: must be an absolute http(s) URL");
    }

    @Test
    void durationsAcceptShortForm() {
        assertThat(settings.duration("timeout", Duration.ZERO)).isEqualTo(Duration.ofSeconds(5));
        assertThatThrownBy(() -> settings.duration("authToken", Duration.ZERO))
                .hasMessageStartingWith("carriers.twilio.default.authToken: must be a duration");
    }

    @Test
    void unknownKeyIsRefusedByName() {
        assertThatThrownBy(() -> settings.rejectUnknown(Set.of("authToken", "apiBaseUrl", "timeout")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("carriers.twilio.default.blank: unknown key");
    }
}
