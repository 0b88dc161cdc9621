package io.omniservice.core.outbound;

import io.omniservice.core.contact.Contacts;
import io.omniservice.core.contact.Identity;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What selection needs to know about a recipient: last carrier, opt-outs, WhatsApp's window; and, for a send
 * that may go across channels, the same about the other identities of their contact.
 */
final class Recipients {
    private final OutboundStore store;
    private final Contacts contacts;

    Recipients(OutboundStore store, Contacts contacts) {
        this.store = store;
        this.contacts = contacts;
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

    /**
     * The other addresses of the person {@code plan} goes to, in the order their contact linked them, when the plan
     * may go across channels; none otherwise, or when no contact holds its address. Opt-outs are per channel and
     * per person: a channel the person left at any of their addresses ({@code own}'s included) is used to reach
     * them at none of the others.
     */
    List<CarrierSelector.Alternative> alternatives(SendPlan plan, RecipientFacts own, Instant now) {
        if (!plan.goesAcrossChannels()) {
            return List.of();
        }
        List<Identity> others = contacts.otherIdentities(plan.to());
        if (others.isEmpty()) {
            return List.of();
        }
        List<RecipientFacts> facts =
                others.stream().map(i -> store.recipientFacts(i.conversation())).toList();
        Set<String> left = new HashSet<>(own.optedOutChannels());
        facts.forEach(f -> left.addAll(f.optedOutChannels()));
        return java.util.stream.IntStream.range(0, others.size())
                .mapToObj(i -> new CarrierSelector.Alternative(
                        others.get(i).recipient(),
                        new CarrierSelector.Recipient(
                                facts.get(i).lastCarrier(), left, facts.get(i).lastWhatsAppInbound(), now)))
                .toList();
    }

    static CarrierSelector.Recipient recipient(RecipientFacts facts, Instant now) {
        return new CarrierSelector.Recipient(
                facts.lastCarrier(), facts.optedOutChannels(), facts.lastWhatsAppInbound(), now);
    }
}
