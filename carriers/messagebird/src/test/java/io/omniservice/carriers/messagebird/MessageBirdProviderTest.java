package io.omniservice.carriers.messagebird;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.InMemoryReplayGuard;
import io.omniservice.core.config.ConfigException;
import java.time.Clock;
import java.util.List;
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

    @Test
    void receiveOnlyAccountHasNoSender() {
        var settings = new CarrierSettings(
                "carriers.messagebird.default", "default", Map.of("signingKey", "s", "accessKey", "k"));
        assertThat(new MessageBirdProvider().create(settings, CONTEXT).sender()).isEmpty();
    }

    @Test
    void accessKeyWithOriginatorSends() {
        var settings = new CarrierSettings(
                "carriers.messagebird.default",
                "default",
                Map.of("signingKey", "s", "accessKey", "k", "originator", "Omni"));
        assertThat(new MessageBirdProvider().create(settings, CONTEXT).sender()).isPresent();
    }

    @Test
    void accessKeyWithChannelSends() {
        var settings = new CarrierSettings(
                "carriers.messagebird.default",
                "default",
                Map.of("signingKey", "s", "accessKey", "k", "channelId", "619747f69cf940a98fb443140ce9aed2"));
        assertThat(new MessageBirdProvider().create(settings, CONTEXT).sender()).isPresent();
    }

    @Test
    void originatorWithoutAccessKeyNamesTheAccessKey() {
        var settings = new CarrierSettings(
                "carriers.messagebird.default", "default", Map.of("signingKey", "s", "originator", "Omni"));
        assertThatThrownBy(() -> new MessageBirdProvider().create(settings, CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.messagebird.default.accessKey");
    }

    @Test
    void badConversationsBaseUrlIsRefused() {
        var settings = new CarrierSettings(
                "carriers.messagebird.default",
                "default",
                Map.of("signingKey", "s", "conversationsBaseUrl", "conversations.messagebird"));
        assertThatThrownBy(() -> new MessageBirdProvider().create(settings, CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.messagebird.default.conversationsBaseUrl");
    }

    @Test
    void aPoolOfOriginatorsSendsAndIsRefusedBesideAChannel() {
        var pooled = new CarrierSettings(
                "carriers.messagebird.default",
                "default",
                Map.of("signingKey", "s", "accessKey", "k", "numbers", List.of("+447700900100", "Omni")));
        assertThat(new MessageBirdProvider()
                        .create(pooled, CONTEXT)
                        .sender()
                        .orElseThrow()
                        .numbers())
                .containsExactly("+447700900100", "Omni");
        var withChannel = new CarrierSettings(
                "carriers.messagebird.default",
                "default",
                Map.of("signingKey", "s", "accessKey", "k", "channelId", "c1", "numbers", List.of("+447700900100")));
        assertThatThrownBy(() -> new MessageBirdProvider().create(withChannel, CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.messagebird.default.numbers");
    }
}
