package io.omniservice.carriers.whatsapp;

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

class WhatsAppProviderTest {
    private static final CarrierContext CONTEXT =
            new CarrierContext(Clock.systemUTC(), new InMemoryReplayGuard(Clock.systemUTC()));

    private static CarrierAdapter create(Map<String, Object> values) {
        return new WhatsAppProvider()
                .create(new CarrierSettings("carriers.whatsapp.default", "default", values), CONTEXT);
    }

    @Test
    void senderIsEmptyWithoutOutboundCredentials() {
        assertThat(create(Map.of("appSecret", "s", "verifyToken", "t")).sender())
                .isEmpty();
    }

    @Test
    void senderIsEmptyWithATokenButNoPhoneNumberId() {
        assertThat(create(Map.of("appSecret", "s", "verifyToken", "t", "accessToken", "EAAG"))
                        .sender())
                .isEmpty();
    }

    @Test
    void senderIsEmptyWithAPhoneNumberIdButNoToken() {
        assertThat(create(Map.of("appSecret", "s", "verifyToken", "t", "phoneNumberId", "106540352242922"))
                        .sender())
                .isEmpty();
    }

    @Test
    void senderIsPresentWithTokenAndPhoneNumberId() {
        assertThat(create(Map.of(
                                "appSecret",
                                "s",
                                "verifyToken",
                                "t",
                                "accessToken",
                                "EAAG",
                                "phoneNumberId",
                                "106540352242922",
                                "templateLanguage",
                                "pt_BR"))
                        .sender())
                .isPresent();
    }

    @Test
    void templateLanguageWithAHyphenIsRefused() {
        assertThatThrownBy(() -> create(Map.of("appSecret", "s", "verifyToken", "t", "templateLanguage", "en-US")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.whatsapp.default.templateLanguage");
    }

    @Test
    void missingAppSecretNamesTheKey() {
        assertThatThrownBy(() -> create(Map.of("verifyToken", "t")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.whatsapp.default.appSecret");
    }

    @Test
    void missingVerifyTokenNamesTheKey() {
        assertThatThrownBy(() -> create(Map.of("appSecret", "s")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.whatsapp.default.verifyToken");
    }

    @Test
    void misspeltKeyIsRefused() {
        assertThatThrownBy(() -> create(Map.of("appSecret", "s", "verifyToken", "t", "app_secret", "s")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.whatsapp.default.app_secret");
    }

    @Test
    void badApiBaseUrlIsRefused() {
        assertThatThrownBy(
                        () -> create(Map.of("appSecret", "s", "verifyToken", "t", "apiBaseUrl", "graph.facebook.com")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.whatsapp.default.apiBaseUrl");
    }

    @Test
    void badApiVersionIsRefused() {
        assertThatThrownBy(() -> create(Map.of("appSecret", "s", "verifyToken", "t", "apiVersion", "21")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.whatsapp.default.apiVersion");
    }

    @Test
    void isFoundByServiceLoader() {
        assertThat(ServiceLoader.load(CarrierProvider.class).stream().map(ServiceLoader.Provider::get))
                .anySatisfy(p -> assertThat(p.type()).isEqualTo(CarrierType.WHATSAPP));
    }
}
