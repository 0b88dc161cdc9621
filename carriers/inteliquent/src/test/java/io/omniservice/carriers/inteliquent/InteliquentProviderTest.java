package io.omniservice.carriers.inteliquent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.InMemoryReplayGuard;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.model.CarrierType;
import java.time.Clock;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class InteliquentProviderTest {
    private static final CarrierContext CONTEXT =
            new CarrierContext(Clock.systemUTC(), new InMemoryReplayGuard(Clock.systemUTC()));

    private static CarrierAdapter create(Map<String, Object> values) {
        return new InteliquentProvider()
                .create(new CarrierSettings("carriers.inteliquent.default", "default", values), CONTEXT);
    }

    @Test
    void missingInboundApiKeyNamesTheKey() {
        assertThatThrownBy(() -> create(Map.of("outboundApiKey", "k")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.inteliquent.default.inboundApiKey");
    }

    @Test
    void misspeltKeyIsRefused() {
        assertThatThrownBy(() -> create(Map.of("inboundApiKey", "k", "outboundKey", "x")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.inteliquent.default.outboundKey");
    }

    @Test
    void badApiBaseUrlIsRefused() {
        assertThatThrownBy(() -> create(Map.of("inboundApiKey", "k", "apiBaseUrl", "messagebroker.inteliquent.com")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.inteliquent.default.apiBaseUrl");
    }

    @Test
    void fullConfigurationIsAccepted() {
        CarrierAdapter adapter = create(Map.of(
                "inboundApiKey", "in", "outboundApiKey", "out", "apiBaseUrl", "http://localhost:8089/msgbroker"));
        assertThat(adapter.type()).isEqualTo(CarrierType.INTELIQUENT);
        assertThat(adapter.account()).isEqualTo("default");
    }

    @Test
    void registeredForServiceLoader() {
        assertThat(ServiceLoader.load(CarrierProvider.class).stream().map(ServiceLoader.Provider::type))
                .contains(InteliquentProvider.class);
    }
}
