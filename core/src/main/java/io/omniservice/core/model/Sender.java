package io.omniservice.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * Who sent a message, as the seed's {@code sender}: an E.164 phone number where the channel has one,
 * the carrier's own id for the sender ({@code wa_id}, LiveChat author id, ...) and a display name if known.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Sender(String phoneNumber, String carrierId, String displayName) {
    public Sender {
        Objects.requireNonNull(carrierId, "carrierId");
    }

    public static Sender phone(String e164, String displayName) {
        return new Sender(e164, e164, displayName);
    }
}
