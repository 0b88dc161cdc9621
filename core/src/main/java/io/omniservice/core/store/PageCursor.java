package io.omniservice.core.store;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque keyset cursors: base64url of the listing a cursor belongs to and the sort key of the last item
 * returned, with a MAC so a cursor that was altered, cut short or made for another listing is refused
 * instead of silently starting somewhere else. The key lives in the database ({@link Storage#sharedKey}),
 * so every node accepts the cursors of every other node and of earlier runs. One rule for every store.
 */
public final class PageCursor {
    private static final int MAC_BYTES = 16;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final SecretKeySpec key;

    public PageCursor(byte[] key) {
        this.key = new SecretKeySpec(key, "HmacSHA256");
    }

    /** The listing of a carrier's messages created in [since, until) (either may be null). */
    public static String carrierListing(io.omniservice.core.model.CarrierType carrier, Instant since, Instant until) {
        return "carrier\n" + carrier.wireName() + "\n" + since + "\n" + until;
    }

    /** The listing of messages in a status created after a time (null: any). */
    public static String statusListing(io.omniservice.core.model.MessageStatus status, Instant createdAfter) {
        return "status\n" + status.wireName() + "\n" + createdAfter;
    }

    /** The listing of one conversation's messages. */
    public static String conversationListing(String conversationId) {
        return "conversation\n" + conversationId;
    }

    /** The listing of a contact's joined timeline. */
    public static String contactListing(String contactId) {
        return "contact\n" + contactId;
    }

    /** The listing of conversations, all (null) or one participant's. */
    public static String conversationsListing(String participant) {
        return "conversations\n" + (participant == null ? "*" : "participant:" + participant);
    }

    /** The position after an item: its time and id. */
    public record Position(Instant at, String id) {}

    public String encode(String listing, Position position) {
        byte[] payload = (listing + "\n" + position.at() + "\n" + position.id()).getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(payload) + "." + ENCODER.encodeToString(mac(payload));
    }

    /** The position a cursor made by {@code listing} stands for. */
    public Position decode(String listing, String cursor) {
        int dot = cursor.lastIndexOf('.');
        if (dot < 0) {
            throw new InvalidCursorException("cursor is not one this listing made");
        }
        byte[] payload;
        byte[] presented;
        try {
            payload = DECODER.decode(cursor.substring(0, dot));
            presented = DECODER.decode(cursor.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            throw new InvalidCursorException("cursor is not one this listing made");
        }
        if (!MessageDigest.isEqual(mac(payload), presented)) {
            throw new InvalidCursorException("cursor is not one this listing made");
        }
        String text = new String(payload, StandardCharsets.UTF_8);
        int idStart = text.lastIndexOf('\n');
        int atStart = idStart <= 0 ? -1 : text.lastIndexOf('\n', idStart - 1);
        if (atStart < 0 || !text.substring(0, atStart).equals(listing)) {
            throw new InvalidCursorException("cursor belongs to another listing");
        }
        try {
            return new Position(Instant.parse(text.substring(atStart + 1, idStart)), text.substring(idStart + 1));
        } catch (DateTimeParseException e) {
            throw new InvalidCursorException("cursor is not one this listing made");
        }
    }

    private byte[] mac(byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return Arrays.copyOf(mac.doFinal(payload), MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
