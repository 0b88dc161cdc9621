package io.omniservice.core.outbound;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Conversation;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.store.MessageStore;
import java.time.Instant;

/** What selection needs to know about a recipient: last carrier, opt-outs, WhatsApp's window. */
final class Recipients {
    private final OutboundStore store;
    private final MessageStore messages;

    Recipients(OutboundStore store, MessageStore messages) {
        this.store = store;
        this.messages = messages;
    }

    /** A phone number's conversation is the one its inbound messages join; a chat id has its own. */
    static ConversationKey conversationOf(String to) {
        return to.startsWith("+")
                ? new ConversationKey(to)
                : new ConversationKey(CarrierType.LIVECHAT.wireName() + ":" + to);
    }

    CarrierSelector.Recipient lookup(String to, Instant now) {
        ConversationKey conversation = conversationOf(to);
        CarrierType lastCarrier = messages.conversation(conversation.conversationId())
                .map(Conversation::carrier)
                .orElse(null);
        return new CarrierSelector.Recipient(
                lastCarrier,
                store.optedOutChannels(conversation.participant()),
                store.lastInboundAt(conversation.conversationId(), CarrierType.WHATSAPP.channel())
                        .orElse(null),
                now);
    }
}
