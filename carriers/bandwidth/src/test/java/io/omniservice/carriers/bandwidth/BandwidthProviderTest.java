package io.omniservice.carriers.bandwidth;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class BandwidthProviderTest {
    private static final CarrierContext CONTEXT =
            new CarrierContext(Clock.systemUTC(), new InMemoryReplayGuard(Clock.systemUTC()));

    private static CarrierAdapter create(Map<String, Object> values) {
        return new BandwidthProvider()
                .create(new CarrierSettings("carriers.bandwidth.default", "default", values), CONTEXT);
    }

    private static Map<String, Object> outbound(Map<String, Object> overrides) {
        Map<String, Object> values = new HashMap<>(Map.of(
                "callbackUsername", "u",
                "callbackPassword", "p",
                "accountId", "9900001",
                "apiUsername", "api-user",
                "apiPassword", "api-password",
                "applicationId", "93de2206-9669-4e07-948d-329f4b722ee2",
                "from", "+19195551234"));
        values.putAll(overrides);
        values.values().removeIf(v -> v.equals(""));
        return values;
    }

    @Test
    void senderIsEmptyWithoutOutboundSettings() {
        assertThat(create(Map.of("callbackUsername", "u", "callbackPassword", "p"))
                        .sender())
                .isEmpty();
    }

    @Test
    void senderIsPresentWithAllOutboundSettings() {
        assertThat(create(outbound(Map.of())).sender()).isPresent();
    }

    @Test
    void partialOutboundSettingsNameTheFirstMissingKey() {
        assertThatThrownBy(() -> create(outbound(Map.of("apiPassword", "", "from", ""))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.bandwidth.default.apiPassword");
    }

    @Test
    void missingFromIsNamedWhenTheRestIsSet() {
        assertThatThrownBy(() -> create(outbound(Map.of("from", ""))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.bandwidth.default.from");
    }

    @Test
    void fromThatIsNotANumberIsRefused() {
        assertThatThrownBy(() -> create(outbound(Map.of("from", "9195551234x"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.bandwidth.default.from");
    }

    @Test
    void missingCallbackPasswordNamesTheKey() {
        assertThatThrownBy(() -> create(Map.of("callbackUsername", "u")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.bandwidth.default.callbackPassword");
    }

    @Test
    void missingCallbackUsernameNamesTheKey() {
        assertThatThrownBy(() -> create(Map.of("callbackPassword", "p")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.bandwidth.default.callbackUsername");
    }

    @Test
    void usernameWithColonIsRefused() {
        assertThatThrownBy(() -> create(Map.of("callbackUsername", "a:b", "callbackPassword", "p")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.bandwidth.default.callbackUsername");
    }

    @Test
    void misspeltKeyIsRefused() {
        assertThatThrownBy(() -> create(Map.of("callbackUsername", "u", "callbackPassword", "p", "apiUser", "x")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.bandwidth.default.apiUser");
    }

    @Test
    void badApiBaseUrlIsRefused() {
        assertThatThrownBy(() -> create(Map.of(
                        "callbackUsername", "u", "callbackPassword", "p", "apiBaseUrl", "messaging.bandwidth.com")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.bandwidth.default.apiBaseUrl");
    }

    @Test
    void nonNumericAccountIdIsRefused() {
        assertThatThrownBy(
                        () -> create(Map.of("callbackUsername", "u", "callbackPassword", "p", "accountId", "acct-1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.bandwidth.default.accountId");
    }

    @Test
    void isFoundByServiceLoader() {
        assertThat(ServiceLoader.load(CarrierProvider.class).stream().map(ServiceLoader.Provider::get))
                .anySatisfy(p -> assertThat(p.type()).isEqualTo(CarrierType.BANDWIDTH));
    }

    @Test
    void aPoolOfNumbersMayStandInForFrom() {
        Map<String, Object> values = outbound(Map.of("from", ""));
        values.put("numbers", List.of("+19195551234", "+12125550100", "72345"));
        assertThat(create(values).sender().orElseThrow().numbers())
                .containsExactly("+19195551234", "+12125550100", "72345");
    }

    @Test
    void aPoolNumberBandwidthCannotSendFromIsNamedByItsIndex() {
        Map<String, Object> values = outbound(Map.of());
        values.put("numbers", List.of("+12125550100", "ACME"));
        assertThatThrownBy(() -> create(values))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.bandwidth.default.numbers[1]")
                .hasMessageContaining("short code");
    }
}
