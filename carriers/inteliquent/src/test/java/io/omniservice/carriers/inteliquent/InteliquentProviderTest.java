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
import java.util.List;
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
                "inboundApiKey",
                "in",
                "outboundApiKey",
                "out",
                "from",
                "+14155550199",
                "apiBaseUrl",
                "http://localhost:8089"));
        assertThat(adapter.type()).isEqualTo(CarrierType.INTELIQUENT);
        assertThat(adapter.account()).isEqualTo("default");
        assertThat(adapter.sender()).isPresent();
    }

    @Test
    void senderIsEmptyWithoutOutboundSettings() {
        assertThat(create(Map.of("inboundApiKey", "k")).sender()).isEmpty();
    }

    @Test
    void outboundKeyWithoutFromNamesFrom() {
        assertThatThrownBy(() -> create(Map.of("inboundApiKey", "k", "outboundApiKey", "out")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.inteliquent.default.from");
    }

    @Test
    void fromWithoutOutboundKeyNamesTheKey() {
        assertThatThrownBy(() -> create(Map.of("inboundApiKey", "k", "from", "14155550199")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.inteliquent.default.outboundApiKey");
    }

    @Test
    void fromOutsideNorthAmericaIsRefused() {
        assertThatThrownBy(() -> create(Map.of("inboundApiKey", "k", "outboundApiKey", "out", "from", "+442071838750")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.inteliquent.default.from");
    }

    @Test
    void brokerNumbersAreElevenNanpDigits() {
        assertThat(InteliquentSender.brokerNumber("+14155550199")).isEqualTo("14155550199");
        assertThat(InteliquentSender.brokerNumber("14155550199")).isEqualTo("14155550199");
        assertThat(InteliquentSender.brokerNumber("4155550199")).isEqualTo("14155550199");
        assertThat(InteliquentSender.brokerNumber("+442071838750")).isNull();
        assertThat(InteliquentSender.brokerNumber("1415555019")).isNull();
    }

    @Test
    void registeredForServiceLoader() {
        assertThat(ServiceLoader.load(CarrierProvider.class).stream().map(ServiceLoader.Provider::type))
                .contains(InteliquentProvider.class);
    }

    @Test
    void aPoolIsKeptInE164WhateverFormItWasWrittenIn() {
        CarrierAdapter adapter = create(Map.of(
                "inboundApiKey",
                "k",
                "outboundApiKey",
                "o",
                "numbers",
                List.of("4155550199", "1-212-555-0100", "+13125550100")));
        assertThat(adapter.sender().orElseThrow().numbers())
                .containsExactly("+14155550199", "+12125550100", "+13125550100");
        assertThatThrownBy(() -> create(
                        Map.of("inboundApiKey", "k", "outboundApiKey", "o", "numbers", List.of("+447700900100"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.inteliquent.default.numbers[0]");
    }
}
