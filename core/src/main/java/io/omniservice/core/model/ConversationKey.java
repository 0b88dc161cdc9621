package io.omniservice.core.model;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Who a conversation is with. A customer reached by phone is one conversation whatever the channel
 * (WhatsApp and SMS alike), keyed by the E.164 number; a customer without a phone number (LiveChat) is
 * keyed by the carrier's id for them. The conversation id is derived from the key, so every node and
 * every retry computes the same id without a lookup.
 */
public record ConversationKey(String participant) {

    public static ConversationKey of(CarrierType carrier, Sender sender) {
        if (sender.phoneNumber() != null) {
            return new ConversationKey(sender.phoneNumber());
        }
        return new ConversationKey(carrier.wireName() + ":" + sender.carrierId());
    }

    public String conversationId() {
        return UUID.nameUUIDFromBytes(("conversation:" + participant).getBytes(StandardCharsets.UTF_8))
                .toString();
    }
}
