package io.omniservice.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * Who sent a message, as the seed's {@code sender}: an E.164 phone number where the channel shows one,
 * the carrier's own id for the sender ({@code wa_id}, LiveChat author id, ...), a display name if known,
 * and {@code userId}, a WhatsApp business-scoped user id ({@code US.13491208655302741918}) when Meta gives
 * one. A WhatsApp user who adopted a username may come with a user id and no phone number at all.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Sender(String phoneNumber, String carrierId, String displayName, String userId) {
    public Sender {
        Objects.requireNonNull(carrierId, "carrierId");
    }

    public Sender(String phoneNumber, String carrierId, String displayName) {
        this(phoneNumber, carrierId, displayName, null);
    }

    /**
     * How the sender is addressed, stored and shown: the phone number, else {@code whatsapp-user:<id>}, else
     * the carrier's id. A reply sent to it reaches them.
     */
    public String address() {
        if (phoneNumber != null) {
            return phoneNumber;
        }
        return userId != null ? ConversationKey.WHATSAPP_USER + userId : carrierId;
    }

    public static Sender phone(String e164, String displayName) {
        return new Sender(e164, e164, displayName);
    }
}
