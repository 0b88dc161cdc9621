package io.omniservice.carriers.messagebird;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.InMemoryReplayGuard;
import io.omniservice.core.config.ConfigException;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageBirdProviderTest {
    private static final CarrierContext CONTEXT =
            new CarrierContext(Clock.systemUTC(), new InMemoryReplayGuard(Clock.systemUTC()));

    @Test
    void missingSigningKeyNamesTheKey() {
        var settings = new CarrierSettings("carriers.messagebird.default", "default", Map.of("accessKey", "k"));
        assertThatThrownBy(() -> new MessageBirdProvider().create(settings, CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.messagebird.default.signingKey");
    }

    @Test
    void misspeltKeyIsRefused() {
        var settings = new CarrierSettings(
                "carriers.messagebird.default", "default", Map.of("signingKey", "s", "signingkey", "s"));
        assertThatThrownBy(() -> new MessageBirdProvider().create(settings, CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.messagebird.default.signingkey");
    }

    @Test
    void badApiBaseUrlIsRefused() {
        var settings = new CarrierSettings(
                "carriers.messagebird.default", "default", Map.of("signingKey", "s", "apiBaseUrl", "rest.messagebird"));
        assertThatThrownBy(() -> new MessageBirdProvider().create(settings, CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.messagebird.default.apiBaseUrl");
    }
}
