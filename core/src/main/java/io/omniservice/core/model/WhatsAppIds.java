package io.omniservice.core.model;

import java.util.regex.Pattern;

/**
 * The forms of WhatsApp's ids for people and groups that are not phone numbers, checked wherever one
 * arrives: Meta's webhooks, Twilio's {@code whatsapp:} addresses and the API's {@code to}.
 */
public final class WhatsAppIds {
    /**
     * A business-scoped user id: a two-letter country code, '.', and up to 128 letters and digits
     * ({@code US.13491208655302741918}); a parent id shared by linked portfolios has {@code ENT.} after the
     * country ({@code US.ENT.11815799212886844830}).
     */
    public static final Pattern USER_ID = Pattern.compile("[A-Z]{2}\\.(?:ENT\\.)?[A-Za-z0-9]{1,128}");

    /** A group id as the Groups API hands it out: opaque, base64-like; 128 characters is generous. */
    public static final Pattern GROUP_ID = Pattern.compile("[A-Za-z0-9._=-]{1,128}");

    private WhatsAppIds() {}
}
