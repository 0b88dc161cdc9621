package io.omniservice.carriers.twilio;

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

class TwilioProviderTest {
    private static final CarrierContext CONTEXT =
            new CarrierContext(Clock.systemUTC(), new InMemoryReplayGuard(Clock.systemUTC()));
    private static final String SID = "ACae0f6c7f1c4e4b8a9d2c3b4a5f6e7d8c";

    private static CarrierAdapter create(Map<String, Object> values) {
        return new TwilioProvider().create(new CarrierSettings("carriers.twilio.default", "default", values), CONTEXT);
    }

    private static Map<String, Object> with(String key, Object value) {
        Map<String, Object> values = new HashMap<>(Map.of("accountSid", SID, "authToken", "secret"));
        values.put(key, value);
        return values;
    }

    @Test
    void missingAuthTokenNamesTheKey() {
        assertThatThrownBy(() -> create(Map.of("accountSid", SID)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.twilio.default.authToken");
    }

    @Test
    void missingAccountSidNamesTheKey() {
        assertThatThrownBy(() -> create(Map.of("authToken", "secret")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.twilio.default.accountSid");
    }

    @Test
    void accountSidMustLookLikeOne() {
        assertThatThrownBy(() -> create(Map.of("accountSid", "9f86d081884c7d659a2feaa0c55ad015", "authToken", "s")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.twilio.default.accountSid");
    }

    @Test
    void misspeltKeyIsRefused() {
        assertThatThrownBy(() -> create(with("authtoken", "x")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.twilio.default.authtoken");
    }

    @Test
    void halfAnApiKeyIsRefused() {
        assertThatThrownBy(() -> create(with("apiKeySid", "SK0123456789abcdef0123456789abcdef")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.twilio.default.apiKeySecret");
    }

    @Test
    void badMessagingServiceSidIsRefused() {
        assertThatThrownBy(() -> create(with("messagingServiceSid", "PN0123456789abcdef0123456789abcdef")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.twilio.default.messagingServiceSid");
    }

    @Test
    void badApiBaseUrlIsRefused() {
        assertThatThrownBy(() -> create(with("apiBaseUrl", "api.twilio.com")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.twilio.default.apiBaseUrl");
    }

    @Test
    void fullOutboundConfigurationIsAccepted() {
        Map<String, Object> values = with("apiKeySid", "SK0123456789abcdef0123456789abcdef");
        values.put("apiKeySecret", "key-secret");
        values.put("messagingServiceSid", "MG0123456789abcdef0123456789abcdef");
        values.put("apiBaseUrl", "http://localhost:8089/");
        CarrierAdapter adapter = create(values);
        assertThat(adapter.type()).isEqualTo(CarrierType.TWILIO);
        assertThat(adapter.account()).isEqualTo("default");
        assertThat(adapter.capabilities().maxTextLength()).isEqualTo(1600);
    }

    @Test
    void receiveOnlyAccountHasNoSender() {
        assertThat(create(Map.of("accountSid", SID, "authToken", "secret")).sender())
                .isEmpty();
    }

    @Test
    void accountWithFromNumberSends() {
        assertThat(create(with("from", "+14155550199")).sender()).isPresent();
    }

    @Test
    void accountWithMessagingServiceSends() {
        assertThat(create(with("messagingServiceSid", "MG0123456789abcdef0123456789abcdef"))
                        .sender())
                .isPresent();
    }

    @Test
    void blankFromIsRefused() {
        assertThatThrownBy(() -> create(with("from", " ")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.twilio.default.from");
    }

    @Test
    void registeredForServiceLoader() {
        assertThat(ServiceLoader.load(CarrierProvider.class).stream().map(ServiceLoader.Provider::type))
                .contains(TwilioProvider.class);
    }

    @Test
    void aPoolOfNumbersSendsWithItsFromFirstAndNoneTwice() {
        Map<String, Object> values = with("from", "+14155550100");
        values.put("numbers", List.of("+12125550100", "+14155550100", "72345", "ACME Shop"));
        CarrierAdapter adapter = create(values);
        assertThat(adapter.sender().orElseThrow().numbers())
                .containsExactly("+14155550100", "+12125550100", "72345", "ACME Shop");
        // numbers stand in for from: the account sends, from its first number by default
        assertThat(create(with("numbers", List.of("+12125550100")))
                        .sender()
                        .orElseThrow()
                        .numbers())
                .containsExactly("+12125550100");
        assertThat(create(with("from", "+14155550100")).sender().orElseThrow().numbers())
                .as("no pool: any from a request names goes as it is")
                .isEmpty();
    }

    @Test
    void aBadPoolNumberIsNamedByItsIndex() {
        assertThatThrownBy(() -> create(with("numbers", List.of("+12125550100", "212-555-0100"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.twilio.default.numbers[1]")
                .hasMessageContaining("212-555-0100");
        assertThatThrownBy(() -> create(with("numbers", "+12125550100")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.twilio.default.numbers: must be a list");
        assertThatThrownBy(() -> create(with("numbers", List.of())))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.twilio.default.numbers");
    }
}
