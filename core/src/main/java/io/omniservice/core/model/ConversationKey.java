package io.omniservice.core.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;

/**
 * Who a conversation is with. A customer reached by phone is one conversation whatever the channel
 * (WhatsApp and SMS alike), keyed by the E.164 number; a WhatsApp user known only by their business-scoped
 * user id is keyed {@code whatsapp-user:<id>}, whichever carrier (Meta, Twilio) brought the message; a group
 * is its own conversation, {@code <channel>-group:<id>} ({@code whatsapp-group:...}, {@code sms-group:...} for a
 * group MMS); any other customer without a phone number (LiveChat)
 * is keyed by the carrier's id for them. The conversation id is derived from the key, so every node and
 * every retry computes the same id without a lookup; the one exception is a user id whose phone number
 * became known later (see {@link #alias}), which the store resolves to the phone's conversation.
 */
public record ConversationKey(@JsonValue String participant) {
    public static final String WHATSAPP_USER = "whatsapp-user:";
    private static final String GROUP = "-group:";
    /** The participant of messages whose sender could not be read at all (kept as unsupported). */
    public static final String UNIDENTIFIED = "unidentified";

    public static ConversationKey of(CarrierType carrier, Sender sender) {
        if (sender.phoneNumber() != null) {
            return new ConversationKey(sender.phoneNumber());
        }
        if (sender.userId() != null) {
            return new ConversationKey(WHATSAPP_USER + sender.userId());
        }
        return new ConversationKey(carrier.wireName() + ":" + sender.carrierId());
    }

    /** A group's conversation: {@code group} is the carrier's id for the group on that carrier's channel. */
    public static ConversationKey group(CarrierType carrier, String group) {
        return new ConversationKey(carrier.channel() + GROUP + group);
    }

    /**
     * The other key the same person had: a sender who shows both a phone number and a user id was, or may
     * later be, known by the user id alone. The store links the two and joins the user id's conversation
     * into the phone's.
     */
    public static Optional<ConversationKey> alias(Sender sender) {
        return sender.phoneNumber() != null && sender.userId() != null
                ? Optional.of(new ConversationKey(WHATSAPP_USER + sender.userId()))
                : Optional.empty();
    }

    public boolean isGroup() {
        return Arrays.stream(CarrierType.values()).anyMatch(c -> groupId(c).isPresent());
    }

    /** The WhatsApp user id this key is for, if it is a user id's key. */
    public Optional<String> whatsAppUserId() {
        return participant.startsWith(WHATSAPP_USER)
                ? Optional.of(participant.substring(WHATSAPP_USER.length()))
                : Optional.empty();
    }

    /** The carrier's id for the group on {@code carrier}'s channel, if this key is that group's. */
    public Optional<String> groupId(CarrierType carrier) {
        String prefix = carrier.channel() + GROUP;
        return participant.startsWith(prefix) && participant.length() > prefix.length()
                ? Optional.of(participant.substring(prefix.length()))
                : Optional.empty();
    }

    public String conversationId() {
        return UUID.nameUUIDFromBytes(("conversation:" + participant).getBytes(StandardCharsets.UTF_8))
                .toString();
    }
}
