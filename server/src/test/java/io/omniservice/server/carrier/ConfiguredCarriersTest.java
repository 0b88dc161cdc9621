package io.omniservice.server.carrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.InMemoryReplayGuard;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.model.CarrierType;
import io.omniservice.server.support.ScriptedCarrier;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfiguredCarriersTest {
    private static final CarrierContext CONTEXT =
            new CarrierContext(Clock.systemUTC(), new InMemoryReplayGuard(Clock.systemUTC()));

    private static Map<String, CarrierSettings> accounts(CarrierType type, String... names) {
        var accounts = new java.util.LinkedHashMap<String, CarrierSettings>();
        for (String name : names) {
            accounts.put(name, new CarrierSettings("carriers." + type.wireName() + "." + name, name, Map.of()));
        }
        return accounts;
    }

    @Test
    void buildsOneAdapterPerConfiguredAccount() {
        var registry = ConfiguredCarriers.build(
                Map.of(CarrierType.LIVECHAT, accounts(CarrierType.LIVECHAT, "default", "eu")),
                List.of(new ScriptedCarrier(CarrierType.LIVECHAT), new ScriptedCarrier(CarrierType.TWILIO)),
                CONTEXT);

        assertThat(registry.find("livechat", null))
                .hasValueSatisfying(a -> assertThat(a.account()).isEqualTo("default"));
        assertThat(registry.find("livechat", "eu")).isPresent();
        assertThat(registry.find("twilio", null))
                .as("installed but not configured")
                .isEmpty();
    }

    @Test
    void configuredCarrierWithoutProviderIsAConfigError() {
        assertThatThrownBy(() -> ConfiguredCarriers.build(
                        Map.of(CarrierType.WHATSAPP, accounts(CarrierType.WHATSAPP, "default")),
                        List.of(new ScriptedCarrier(CarrierType.LIVECHAT)),
                        CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.key()).isEqualTo("carriers.whatsapp"));
    }

    @Test
    void providerRefusingItsSettingsStopsStartUpWithItsKey() {
        var settings = Map.of(
                "default", new CarrierSettings("carriers.livechat.default", "default", Map.of("secretKee", "x")));

        assertThatThrownBy(() -> ConfiguredCarriers.build(
                        Map.of(CarrierType.LIVECHAT, settings),
                        List.of(new ScriptedCarrier(CarrierType.LIVECHAT)),
                        CONTEXT))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key())
                        .isEqualTo("carriers.livechat.default.secretKee"));
    }

    @Test
    void everyCarrierHasAnInstalledProvider() {
        // The six carrier modules are runtime dependencies; each registers its provider for ServiceLoader.
        assertThat(ConfiguredCarriers.installedProviders())
                .extracting(provider -> provider.type())
                .containsExactlyInAnyOrder(CarrierType.values());
    }
}
