package io.omniservice.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConversationKeyTest {

    @Test
    void samePhoneNumberOverWhatsAppAndSmsIsOneConversation() {
        var overWhatsApp =
                ConversationKey.of(CarrierType.WHATSAPP, new Sender("+16505551234", "16505551234", "Sheena"));
        var overTwilio = ConversationKey.of(CarrierType.TWILIO, Sender.phone("+16505551234", null));
        assertThat(overWhatsApp).isEqualTo(overTwilio);
        assertThat(overWhatsApp.conversationId()).isEqualTo(overTwilio.conversationId());
    }

    @Test
    void customerWithoutPhoneIsKeyedByCarrierId() {
        var key = ConversationKey.of(
                CarrierType.LIVECHAT, new Sender(null, "b7eff798-f8df-4364-8059-649c35c9ed0c", null));
        assertThat(key.participant()).isEqualTo("livechat:b7eff798-f8df-4364-8059-649c35c9ed0c");
        assertThat(key.conversationId())
                .isNotEqualTo(ConversationKey.of(CarrierType.TWILIO, Sender.phone("+14155550100", null))
                        .conversationId());
    }
}
