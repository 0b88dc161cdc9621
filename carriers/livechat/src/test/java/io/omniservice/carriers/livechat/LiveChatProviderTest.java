package io.omniservice.carriers.livechat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.InMemoryReplayGuard;
import io.omniservice.core.config.ConfigException;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveChatProviderTest {
    private static final CarrierContext CONTEXT =
            new CarrierContext(Clock.systemUTC(), new InMemoryReplayGuard(Clock.systemUTC()));

    private static CarrierAdapter create(Map<String, Object> values) {
        return new LiveChatProvider()
                .create(new CarrierSettings("carriers.livechat.default", "default", values), CONTEXT);
    }

    @Test
    void senderIsEmptyWithoutAnAccessToken() {
        assertThat(create(Map.of("secretKey", "s")).sender()).isEmpty();
    }

    @Test
    void senderIsPresentWithAnAccessToken() {
        assertThat(create(Map.of("secretKey", "s", "accessToken", "dal:t")).sender())
                .isPresent();
    }

    @Test
    void accountIdWithoutAnAccessTokenNamesTheKey() {
        assertThatThrownBy(() -> create(Map.of("secretKey", "s", "accountId", "b7eff798")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.livechat.default.accountId");
    }

    @Test
    void badApiBaseUrlIsRefused() {
        assertThatThrownBy(() -> create(Map.of("secretKey", "s", "apiBaseUrl", "api.livechatinc.com")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.livechat.default.apiBaseUrl");
    }

    @Test
    void quickRepliesMakeInteractiveSupported() {
        assertThat(create(Map.of("secretKey", "s")).capabilities().supportsInteractive())
                .isTrue();
    }

    @Test
    void missingSecretKeyNamesTheKey() {
        assertThatThrownBy(() -> create(Map.of("accessToken", "t")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.livechat.default.secretKey");
    }

    @Test
    void misspeltKeyIsRefused() {
        assertThatThrownBy(() -> create(Map.of("secretKey", "s", "secret_key", "s")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.livechat.default.secret_key");
    }

    @Test
    void aRegionThatIsNotADataCenterNamesTheKey() {
        assertThatThrownBy(() -> create(Map.of("secretKey", "s", "accessToken", "t", "region", "europe")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.livechat.default.region")
                .hasMessageContaining("dal or fra");
    }

    @Test
    void badApiVersionIsRefused() {
        assertThatThrownBy(() -> create(Map.of("secretKey", "s", "apiVersion", "v3")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.livechat.default.apiVersion");
    }
}
