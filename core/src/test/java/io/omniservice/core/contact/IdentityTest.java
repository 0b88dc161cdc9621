package io.omniservice.core.contact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.Sender;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdentityTest {

    @Test
    void eachAddressFormIsTheParticipantOfItsConversation() {
        Identity phone = Identity.parse("+14155550100", "identity");
        Identity user = Identity.parse("whatsapp-user:US.13491208655302741918", "identity");
        Identity customer = Identity.parse("livechat:b7eff798-f8df-4364-8059-649c35c9ed0c", "identity");

        assertThat(phone.conversation())
                .isEqualTo(ConversationKey.of(CarrierType.TWILIO, Sender.phone("+14155550100", null)));
        assertThat(user.conversation().whatsAppUserId()).contains("US.13491208655302741918");
        assertThat(customer.conversation())
                .isEqualTo(ConversationKey.of(
                        CarrierType.LIVECHAT, new Sender(null, "b7eff798-f8df-4364-8059-649c35c9ed0c", null)));
    }

    @Test
    void whatIsNoAddressIsRefusedNamingTheField() {
        for (String bad : List.of(
                "",
                "14155550100",
                "+0415555",
                "+1415555010012345",
                "whatsapp-user:13491208655302741918",
                "livechat:",
                "livechat:has space",
                "whatsapp-group:12345",
                "sms-group:+1,+2")) {
            assertThatThrownBy(() -> Identity.parse(bad, "identities[2]"))
                    .isInstanceOfSatisfying(InvalidContactException.class, e -> assertThat(e.field())
                            .isEqualTo("identities[2]"));
        }
        assertThatThrownBy(() -> Identity.parse(null, "identity")).isInstanceOf(InvalidContactException.class);
    }

    @Test
    void aSendsRecipientIsTheIdentityItAddressesAndBack() {
        assertThat(Identity.ofRecipient("+14155550100")).isEqualTo(new Identity("+14155550100"));
        assertThat(Identity.ofRecipient("whatsapp-user:US.1")).isEqualTo(new Identity("whatsapp-user:US.1"));
        // to.chatId is a bare LiveChat id
        assertThat(Identity.ofRecipient("PJ0MRSHTDG")).isEqualTo(new Identity("livechat:PJ0MRSHTDG"));
        assertThat(Identity.ofRecipient("whatsapp-group:120363")).isNull();

        assertThat(new Identity("livechat:PJ0MRSHTDG").recipient()).isEqualTo("PJ0MRSHTDG");
        assertThat(new Identity("+14155550100").recipient()).isEqualTo("+14155550100");
        assertThat(new Identity("whatsapp-user:US.1").recipient()).isEqualTo("whatsapp-user:US.1");
    }

    @Test
    void aContactListsEachIdentityOnceAndKeepsLinkOrder() {
        Identity a = new Identity("+14155550100");
        Identity b = new Identity("livechat:abc");
        assertThatThrownBy(() -> new Contact("c", null, List.of(a, a), Instant.EPOCH))
                .isInstanceOf(IllegalArgumentException.class);
        Contact contact = new Contact("c", null, List.of(a), Instant.EPOCH);
        assertThat(contact.linking(b).identities()).containsExactly(a, b);
        assertThat(contact.linking(a)).isSameAs(contact);
        assertThat(contact.linking(b).unlinking(a).identities()).containsExactly(b);
    }
}
