package io.omniservice.core.contact;

import com.fasterxml.jackson.annotation.JsonValue;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.WhatsAppIds;
import java.util.regex.Pattern;

/**
 * One address of a person that the gateway already reaches, written as a conversation's participant: an E.164
 * phone number ({@code +14155550100}), a WhatsApp business-scoped user id ({@code whatsapp-user:US.1349…}) or a
 * LiveChat customer or chat ({@code livechat:<id>}). Its conversation is the one that address's messages join.
 */
public record Identity(@JsonValue String value) {
    private static final String LIVECHAT = CarrierType.LIVECHAT.wireName() + ":";
    private static final Pattern PHONE = Pattern.compile("\\+[1-9][0-9]{6,14}");
    private static final Pattern LIVECHAT_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    /** What an identity may be, for error messages. */
    public static final String FORMS =
            "an E.164 number (+14155550100), whatsapp-user:<business-scoped user id> or livechat:<customer or chat id>";

    /**
     * The identity {@code raw} names; {@link InvalidContactException} naming {@code field} when it is none of the
     * three forms.
     */
    public static Identity parse(String raw, String field) {
        if (raw == null || raw.isBlank()) {
            throw new InvalidContactException(field, "is required: " + FORMS);
        }
        if (raw.startsWith("+")) {
            if (!PHONE.matcher(raw).matches()) {
                throw new InvalidContactException(field, "must be an E.164 number such as +14155550100");
            }
            return new Identity(raw);
        }
        if (raw.startsWith(ConversationKey.WHATSAPP_USER)) {
            if (!WhatsAppIds.USER_ID
                    .matcher(raw.substring(ConversationKey.WHATSAPP_USER.length()))
                    .matches()) {
                throw new InvalidContactException(
                        field,
                        "has a WhatsApp user id that is not a business-scoped one: a"
                                + " country code, '.', and up to 128 letters or digits (whatsapp-user:US.13491208655302741918)");
            }
            return new Identity(raw);
        }
        if (raw.startsWith(LIVECHAT)) {
            if (!LIVECHAT_ID.matcher(raw.substring(LIVECHAT.length())).matches()) {
                throw new InvalidContactException(
                        field, "has a LiveChat id that is not 1 to 128 letters, digits, '.', '-' or '_'");
            }
            return new Identity(raw);
        }
        throw new InvalidContactException(field, "must be " + FORMS);
    }

    /**
     * The identity a send's {@code to} addresses (an E.164 number, {@code whatsapp-user:<id>}, or a LiveChat chat
     * id as given in {@code to.chatId}); null for a group, which no contact holds.
     */
    public static Identity ofRecipient(String to) {
        ConversationKey key = new ConversationKey(to);
        if (key.isGroup()) {
            return null;
        }
        if (to.startsWith("+") || key.whatsAppUserId().isPresent()) {
            return new Identity(to);
        }
        return new Identity(LIVECHAT + to);
    }

    /** The conversation this address's messages are in. */
    public ConversationKey conversation() {
        return new ConversationKey(value);
    }

    public boolean isPhoneNumber() {
        return value.startsWith("+");
    }

    /** The WhatsApp user id this identity is, if it is one. */
    public java.util.Optional<String> whatsAppUserId() {
        return conversation().whatsAppUserId();
    }

    /** The LiveChat id (a customer's or a chat's) this identity is, if it is one. */
    public java.util.Optional<String> liveChatId() {
        return value.startsWith(LIVECHAT)
                ? java.util.Optional.of(value.substring(LIVECHAT.length()))
                : java.util.Optional.empty();
    }

    /**
     * This identity as a send's {@code to}: the number, {@code whatsapp-user:<id>}, or the bare LiveChat chat id.
     */
    public String recipient() {
        return liveChatId().orElse(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
