package io.omniservice.core.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.Sender;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class InboundLimitsTest {
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    @Test
    void fieldsThatFitTheirColumnsPass() {
        assertThatCode(() -> InboundLimits.check(message("SM1", new Sender("+14155550123", "+14155550123", "Ann"))))
                .doesNotThrowAnyException();
    }

    @Test
    void overLongSenderIdIsRefusedNamingTheField() {
        WebhookRejection refusal = catchThrowableOfType(
                WebhookRejection.class,
                () -> InboundLimits.check(message("SM1", new Sender(null, "x".repeat(256), null))));

        assertThat(refusal.status()).isEqualTo(400);
        assertThat(refusal.code()).isEqualTo("field_too_long");
        assertThat(refusal.field()).isEqualTo("sender.carrierId");
    }

    @Test
    void participantCountsTheCarrierPrefixOfAPhonelessSender() {
        // "livechat:" + 250 characters is over the 255 of conversations.participant
        WebhookRejection refusal = catchThrowableOfType(
                WebhookRejection.class,
                () -> InboundLimits.check(message("SM1", new Sender(null, "u".repeat(250), null))));

        assertThat(refusal.field()).isEqualTo("sender");
    }

    @Test
    void overLongCarrierStatusOfAStatusUpdateIsRefused() {
        var status = new InboundEvent.StatusUpdate(
                CarrierType.TWILIO, "default", "SM1", MessageStatus.SENT, "s".repeat(65), null, null, NOW, null, null);

        WebhookRejection refusal = catchThrowableOfType(WebhookRejection.class, () -> InboundLimits.check(status));

        assertThat(refusal.field()).isEqualTo("carrierStatus");
    }

    @Test
    void nulInAStoredIdentifierIsRefused() {
        WebhookRejection refusal = catchThrowableOfType(
                WebhookRejection.class,
                () -> InboundLimits.check(message("SM\u00001", new Sender("+14155550123", "+14155550123", null))));

        assertThat(refusal.code()).isEqualTo("malformed_payload");
        assertThat(refusal.field()).isEqualTo("carrierMessageId");
    }

    private static InboundEvent message(String id, Sender sender) {
        return new InboundEvent.InboundMessage(
                CarrierType.LIVECHAT,
                "default",
                id,
                sender,
                "+14155550100",
                new MessageContent.Text("hi"),
                null,
                null,
                null);
    }
}
