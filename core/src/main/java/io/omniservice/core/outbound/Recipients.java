package io.omniservice.core.outbound;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import java.time.Instant;

/** What selection needs to know about a recipient: last carrier, opt-outs, WhatsApp's window. */
final class Recipients {
    private final OutboundStore store;

    Recipients(OutboundStore store) {
        this.store = store;
    }

    /**
     * A phone number's conversation is the one its inbound messages join, and so are a WhatsApp user id's
     * and a group's ({@code to} is then their conversation key); a chat id has its own.
     */
    static ConversationKey conversationOf(String to) {
        ConversationKey key = new ConversationKey(to);
        return to.startsWith("+") || key.whatsAppUserId().isPresent() || key.isGroup()
                ? key
                : new ConversationKey(CarrierType.LIVECHAT.wireName() + ":" + to);
    }

    RecipientFacts facts(String to) {
        return store.recipientFacts(conversationOf(to));
    }

    static CarrierSelector.Recipient recipient(RecipientFacts facts, Instant now) {
        return new CarrierSelector.Recipient(
                facts.lastCarrier(), facts.optedOutChannels(), facts.lastWhatsAppInbound(), now);
    }
}
