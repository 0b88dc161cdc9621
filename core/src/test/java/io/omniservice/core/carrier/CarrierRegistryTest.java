package io.omniservice.core.carrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.outbound.CarrierSender;
import io.omniservice.core.outbound.OutboundSend;
import io.omniservice.core.outbound.SendFailure;
import io.omniservice.core.outbound.SendResult;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CarrierRegistryTest {
    /**
     * An account whose credentials are {@code token}: it accepts webhooks carrying it and sends with it, from a pool
     * of one number named after it.
     */
    private record TokenAdapter(CarrierType type, String account, String token, boolean sends)
            implements CarrierAdapter {
        @Override
        public CarrierCapabilities capabilities() {
            return new CarrierCapabilities(true, false, false, false, false, 0, List.of(), 160);
        }

        @Override
        public void verify(WebhookRequest request) throws WebhookRejection {
            if (!token.equals(request.header("token"))) {
                throw WebhookRejection.forbidden("wrong token");
            }
        }

        @Override
        public List<InboundEvent> parse(WebhookRequest request) {
            return List.of();
        }

        @Override
        public Optional<CarrierSender> sender() {
            CarrierSender sender = send -> new SendResult("sent-with-" + token, "queued", 1);
            return sends ? Optional.of(CarrierSender.pooled(sender, List.of("+1415555" + token))) : Optional.empty();
        }
    }

    private static final OutboundSend SEND =
            new OutboundSend("m-1", "+14155550100", "+14155550199", new MessageContent.Text("hi"), null, null);

    @Test
    void aReplacedAccountIsFoundAsTheNewAdapterAndOthersStay() {
        var old = new TokenAdapter(CarrierType.TWILIO, "default", "one", true);
        var bandwidth = new TokenAdapter(CarrierType.BANDWIDTH, "default", "bw", true);
        CarrierRegistry registry = new CarrierRegistry(List.of(old, bandwidth));
        CarrierAdapter foundBefore = registry.find("twilio", null).orElseThrow();
        var rotated = new TokenAdapter(CarrierType.TWILIO, "default", "two", true);

        registry.replace(List.of(rotated));

        assertThat(registry.find("twilio", null)).containsSame(rotated);
        assertThat(registry.find("bandwidth", "default")).containsSame(bandwidth);
        assertThat(registry.all()).containsExactlyInAnyOrder(rotated, bandwidth);
        // a request that found the old adapter finishes with it
        assertThat(foundBefore).isSameAs(old);
    }

    @Test
    void theCurrentViewVerifiesAndSendsWithTheAdapterOfTheMoment() throws Exception {
        CarrierRegistry registry =
                new CarrierRegistry(List.of(new TokenAdapter(CarrierType.TWILIO, "default", "one", true)));
        CarrierAdapter current = registry.current(CarrierType.TWILIO, "default");
        CarrierSender sender = current.sender().orElseThrow();
        WebhookRequest withNewToken = request("two");
        assertThatThrownBy(() -> current.verify(withNewToken)).isInstanceOf(WebhookRejection.class);
        assertThat(sender.send(SEND).carrierMessageId()).isEqualTo("sent-with-one");
        assertThat(sender.numbers()).containsExactly("+1415555one");

        registry.replace(List.of(new TokenAdapter(CarrierType.TWILIO, "default", "two", true)));

        current.verify(withNewToken);
        assertThat(sender.send(SEND).carrierMessageId()).isEqualTo("sent-with-two");
        assertThat(sender.numbers()).as("the pool of the moment").containsExactly("+1415555two");
        assertThat(current.type()).isEqualTo(CarrierType.TWILIO);
        assertThat(current.account()).isEqualTo("default");
    }

    @Test
    void aSenderWhoseAccountStoppedSendingFailsItsSendClearly() {
        CarrierRegistry registry =
                new CarrierRegistry(List.of(new TokenAdapter(CarrierType.TWILIO, "default", "one", true)));
        CarrierSender sender =
                registry.current(CarrierType.TWILIO, "default").sender().orElseThrow();

        registry.replace(List.of(new TokenAdapter(CarrierType.TWILIO, "default", "two", false)));

        assertThatThrownBy(() -> sender.send(SEND))
                .isInstanceOf(SendFailure.class)
                .hasMessageContaining("twilio/default is no longer configured to send");
        assertThat(registry.current(CarrierType.TWILIO, "default").sender()).isEmpty();
    }

    @Test
    void replacingNeverAddsAnAccountAndRefusesTheWholeBatch() {
        var twilio = new TokenAdapter(CarrierType.TWILIO, "default", "one", true);
        CarrierRegistry registry = new CarrierRegistry(List.of(twilio));

        assertThatThrownBy(() -> registry.replace(List.of(
                        new TokenAdapter(CarrierType.TWILIO, "default", "two", true),
                        new TokenAdapter(CarrierType.TWILIO, "second", "x", true))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("twilio/second");
        assertThat(registry.find("twilio", null)).containsSame(twilio);
        assertThatThrownBy(() -> registry.current(CarrierType.BANDWIDTH, "default"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static WebhookRequest request(String token) {
        return new WebhookRequest(
                "POST",
                "https://gw.example.com/webhooks/twilio",
                java.util.Map.of("token", List.of(token)),
                java.util.Map.of(),
                new byte[0],
                java.time.Instant.now());
    }
}
