package io.omniservice.carriers.messagebird;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.carrier.FormBody;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.model.InboundEvent.InboundMessage;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.PhoneNumber;
import io.omniservice.core.model.Sender;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The SMS API's flat webhooks (query string of a GET or form body of a POST): an SMS or MMS to a virtual
 * mobile number ({@code id, recipient, originator, body, createdDatetime}, an MMS adding {@code subject} and
 * {@code mediaUrls}), an SMS to a short code ({@code mid, shortcode, keyword, originator, operator, message,
 * receive_datetime}) or a status report for an SMS we sent ({@code id, reference, recipient, status,
 * statusDatetime, statusReason, statusErrorCode}).
 */
final class MessageBirdSmsParser {
    /** MessageBird's message ids are 32 hex digits ({@code e8077d803532c0b5937c639b60216938}). */
    static final Pattern MESSAGE_ID = Pattern.compile("[0-9a-fA-F]{32}");

    /**
     * An originator is a phone number (up to 15 digits, an optional '+') or an alphanumeric sender id of at
     * most 11 characters, as MessageBird's SMS API defines it; a recipient is a phone number or short code.
     */
    static final Pattern ORIGINATOR = Pattern.compile("\\+?[0-9]{1,15}|[A-Za-z0-9 ]{1,11}");

    static final Pattern NUMBER = Pattern.compile("\\+?[0-9]{1,15}");

    /** A short code's message id ({@code mid}): a number in MessageBird's example, kept opaque. */
    static final Pattern SHORT_CODE_MESSAGE_ID = Pattern.compile("[0-9A-Za-z]{1,40}");

    /** A short code: 3 to 8 digits. */
    static final Pattern SHORT_CODE = Pattern.compile("[0-9]{3,8}");

    /** {@code receive_datetime} of a short-code message: {@code YmdHis}, e.g. {@code 20160503142657}. */
    private static final DateTimeFormatter SHORT_CODE_TIME = DateTimeFormatter.ofPattern("uuuuMMddHHmmss");

    /**
     * The names an MMS's media URLs arrive under: {@code mediaUrls} as the MMS API names the field, and the
     * {@code mediaURLs} spelling; a form carries an array as repeats, or with {@code []} / {@code [n]} suffixes.
     */
    private static final Pattern MEDIA_FIELD = Pattern.compile("media(?:Urls|URLs)(?:\\[[0-9]*\\])?");

    /** Longest media URL we take; MessageBird's own are well under 200 characters. */
    private static final int MEDIA_URL_LIMIT = 2048;

    /** statusErrorCode: MessageBird's numeric error codes. */
    static final Pattern ERROR_CODE = Pattern.compile("[0-9]{1,10}");

    private final String account;

    MessageBirdSmsParser(String account) {
        this.account = account;
    }

    List<InboundEvent> parse(Map<String, List<String>> fields, Instant receivedAt) throws WebhookRejection {
        ObjectNode original = Json.MAPPER.createObjectNode();
        fields.forEach((name, values) -> {
            if (values.size() == 1) {
                original.put(name, values.getFirst());
            } else {
                values.forEach(original.putArray(name)::add);
            }
        });
        if (fields.containsKey("status")) {
            return statusReport(fields, original, receivedAt);
        }
        if (fields.containsKey("originator")) {
            // The virtual-number set (id, recipient, body, createdDatetime) and the short-code set (mid,
            // shortcode, message, receive_datetime) are never mixed: a message is read as the set whose id it
            // carries, and as the virtual-number set when it carries both, since that id is the one the SMS API
            // knows the message by. Fields of the other set are then ignored (they stay in the original payload).
            if (blankToNull(FormBody.first(fields, "id")) == null
                    && blankToNull(FormBody.first(fields, "mid")) != null) {
                return List.of(shortCodeSms(fields, original));
            }
            return List.of(inboundSms(fields, original));
        }
        throw WebhookRejection.malformed(
                "neither an inbound SMS (originator, body) nor a status report (status): no originator or status");
    }

    private InboundEvent inboundSms(Map<String, List<String>> fields, ObjectNode original) throws WebhookRejection {
        String id = checked(required(fields, "id"), "id", MESSAGE_ID, 32);
        String originator = checked(required(fields, "originator"), "originator", ORIGINATOR, 16);
        String recipient = blankToNull(FormBody.first(fields, "recipient"));
        if (recipient != null) {
            checked(recipient, "recipient", NUMBER, 16);
        }
        String body = blankToNull(FormBody.first(fields, "body"));
        List<MediaItem> media = mediaItems(fields);
        MessageContent content;
        if (!media.isEmpty()) {
            // an MMS: the body is the caption; without one the subject is what the sender titled it
            String caption = body != null ? body : blankToNull(FormBody.first(fields, "subject"));
            content = new MessageContent.Media(caption, media);
        } else if (body != null) {
            content = new MessageContent.Text(body);
        } else {
            throw WebhookRejection.malformed(
                    "an inbound message has neither a body nor mediaUrls: not a message", "body");
        }
        return new InboundMessage(
                CarrierType.MESSAGEBIRD,
                account,
                id,
                sender(originator),
                numberOrRaw(recipient),
                content,
                timestamp(fields, "createdDatetime"),
                null,
                original);
    }

    /** An SMS to a short code: sent to the short code by the originator; the body includes the keyword. */
    private InboundEvent shortCodeSms(Map<String, List<String>> fields, ObjectNode original) throws WebhookRejection {
        String id = checked(required(fields, "mid"), "mid", SHORT_CODE_MESSAGE_ID, 40);
        String originator = checked(required(fields, "originator"), "originator", ORIGINATOR, 16);
        String shortCode = checked(required(fields, "shortcode"), "shortcode", SHORT_CODE, 8);
        String message = blankToNull(FormBody.first(fields, "message"));
        if (message == null) {
            throw WebhookRejection.malformed("a short-code message has no message text: not a message", "message");
        }
        return new InboundMessage(
                CarrierType.MESSAGEBIRD,
                account,
                id,
                sender(originator),
                shortCode, // a short code stays as it is: it is no E.164 number
                new MessageContent.Text(message),
                shortCodeTimestamp(fields),
                null,
                original);
    }

    private static Sender sender(String originator) {
        String phone = PhoneNumber.e164(originator);
        return new Sender(phone, phone != null ? phone : originator, null);
    }

    /** The media URLs of an MMS, in the order sent; fetched later with the account's credentials. */
    private static List<MediaItem> mediaItems(Map<String, List<String>> fields) throws WebhookRejection {
        List<MediaItem> items = new ArrayList<>();
        for (Map.Entry<String, List<String>> field : fields.entrySet()) {
            if (!MEDIA_FIELD.matcher(field.getKey()).matches()) {
                continue;
            }
            for (String value : field.getValue()) {
                String url = blankToNull(value);
                if (url == null) {
                    continue;
                }
                items.add(MediaItem.url(mediaUrl(url, field.getKey()), null));
            }
        }
        return items;
    }

    private static String mediaUrl(String url, String field) throws WebhookRejection {
        if (url.length() > MEDIA_URL_LIMIT) {
            throw WebhookRejection.tooLong(field, MEDIA_URL_LIMIT);
        }
        try {
            URI uri = new URI(url);
            if (("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()))
                    && uri.getHost() != null) {
                return url;
            }
        } catch (URISyntaxException e) {
            // refused below
        }
        throw WebhookRejection.malformed("the " + field + " field holds something other than an http(s) URL", field);
    }

    /**
     * {@code receive_datetime} as MessageBird documents it ({@code YmdHis}, no zone: read as UTC, as MessageBird's
     * other timestamps are); an ISO-8601 date-time with an offset is taken too.
     */
    private static Instant shortCodeTimestamp(Map<String, List<String>> fields) throws WebhookRejection {
        String value = blankToNull(FormBody.first(fields, "receive_datetime"));
        if (value == null) {
            return null;
        }
        try {
            return LocalDateTime.parse(value, SHORT_CODE_TIME).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(value).toInstant();
            } catch (DateTimeParseException again) {
                throw WebhookRejection.malformed(
                        "the receive_datetime field is not a YmdHis date-time", "receive_datetime");
            }
        }
    }

    private List<InboundEvent> statusReport(Map<String, List<String>> fields, ObjectNode original, Instant receivedAt)
            throws WebhookRejection {
        String id = checked(required(fields, "id"), "id", MESSAGE_ID, 32);
        String raw = required(fields, "status");
        Optional<MessageStatus> status = MessageBirdStatusMap.sms(raw);
        if (status.isEmpty()) {
            return List.of();
        }
        boolean failed = status.get() == MessageStatus.FAILED;
        String errorCode = blankToNull(FormBody.first(fields, "statusErrorCode"));
        if (errorCode != null) {
            checked(errorCode, "statusErrorCode", ERROR_CODE, 10);
        }
        String recipient = blankToNull(FormBody.first(fields, "recipient"));
        if (recipient != null) {
            checked(recipient, "recipient", NUMBER, 16);
        }
        Instant occurredAt = timestamp(fields, "statusDatetime");
        return List.of(new StatusUpdate(
                CarrierType.MESSAGEBIRD,
                account,
                id,
                status.get(),
                raw,
                errorCode,
                // On a delivered report statusReason says "successfully delivered": not an error.
                failed ? blankToNull(FormBody.first(fields, "statusReason")) : null,
                occurredAt != null ? occurredAt : receivedAt,
                numberOrRaw(recipient),
                original));
    }

    private static String numberOrRaw(String value) {
        String phone = PhoneNumber.e164(value);
        return phone != null ? phone : blankToNull(value);
    }

    /** Too long is {@code field_too_long}; otherwise not in MessageBird's form is malformed. */
    static String checked(String value, String field, Pattern form, int limit) throws WebhookRejection {
        if (value.length() > limit) {
            throw WebhookRejection.tooLong(field, limit);
        }
        if (!form.matcher(value).matches()) {
            throw WebhookRejection.malformed("the " + field + " field is not in the form MessageBird sends", field);
        }
        return value;
    }

    private static String required(Map<String, List<String>> fields, String name) throws WebhookRejection {
        String value = FormBody.first(fields, name);
        if (value == null || value.isBlank()) {
            throw WebhookRejection.malformed("the " + name + " field is missing", name);
        }
        return value;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static Instant timestamp(Map<String, List<String>> fields, String name) throws WebhookRejection {
        String value = blankToNull(FormBody.first(fields, name));
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw WebhookRejection.malformed("the " + name + " field is not an ISO-8601 date-time", name);
        }
    }
}
