package io.omniservice.carriers.twilio;

import com.fasterxml.jackson.databind.node.ArrayNode;
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
import io.omniservice.core.model.WhatsAppIds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the fields of one Twilio messaging webhook: an incoming message (SMS, MMS or WhatsApp via Twilio)
 * or a status callback for a message we sent. Twilio posts one message or one status per request.
 *
 * <p>Every field is held to the form Twilio documents for it before anything is built from it. That is
 * more than tidiness: Twilio's signature joins names and values without separators, so a captured webhook
 * re-cut at a parameter boundary ({@code MessageSid=SM…&NumMedia=0} sent as {@code MessageSid=SM…NumMedia0})
 * keeps its signature; only the strict SID form tells the forgery from the original.
 */
final class TwilioPayloadParser {
    private static final Logger LOG = LoggerFactory.getLogger(TwilioPayloadParser.class);
    private static final String WHATSAPP_PREFIX = "whatsapp:";

    /** Twilio's documented maximum of attachments on one message (MediaUrl0..9). */
    static final int MAX_MEDIA = 10;

    /** A message SID as Twilio's API reference gives it: SM (SMS) or MM (MMS) and 32 hex digits. */
    static final Pattern MESSAGE_SID = Pattern.compile("(SM|MM)[0-9a-fA-F]{32}");

    static final Pattern ACCOUNT_SID = Pattern.compile("AC[0-9a-fA-F]{32}");
    static final Pattern MESSAGING_SERVICE_SID = Pattern.compile("MG[0-9a-fA-F]{32}");

    /**
     * A Twilio address: an E.164 number, a short code, an alphanumeric sender id (letters, digits, spaces) or
     * a channel address such as {@code whatsapp:+14155550123} or {@code messenger:1234}. 128 characters is
     * far above any of them and well within the stored columns.
     */
    static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9+:._@ -]{1,128}");

    /**
     * The longest {@code From}: {@code whatsapp:} and the longest user id {@link WhatsAppIds#USER_ID} allows
     * ({@code US.ENT.} and 128 letters and digits), so that every user id Meta may hand out is read.
     */
    static final int MAX_FROM = WHATSAPP_PREFIX.length() + "US.ENT.".length() + 128;

    private static final Pattern FROM = Pattern.compile("[A-Za-z0-9+:._@ -]{1," + MAX_FROM + "}");

    /** Twilio error codes are numbers (30003, 63016, ...). */
    static final Pattern ERROR_CODE = Pattern.compile("[0-9]{1,10}");

    private final String account;

    TwilioPayloadParser(String account) {
        this.account = account;
    }

    List<InboundEvent> parse(Map<String, List<String>> fields, Instant receivedAt) throws WebhookRejection {
        String messageSid = sid(required(fields, "MessageSid"), "MessageSid", MESSAGE_SID);
        String accountSid = FormBody.first(fields, "AccountSid");
        if (accountSid != null) {
            sid(accountSid, "AccountSid", ACCOUNT_SID);
        }
        String serviceSid = nonBlank(FormBody.first(fields, "MessagingServiceSid"));
        if (serviceSid != null) {
            sid(serviceSid, "MessagingServiceSid", MESSAGING_SERVICE_SID);
        }
        ObjectNode original = original(fields);
        String messageStatus = FormBody.first(fields, "MessageStatus");
        if (messageStatus != null) {
            return statusUpdate(fields, messageSid, messageStatus, receivedAt, original);
        }
        if ("received".equals(FormBody.first(fields, "SmsStatus")) || fields.containsKey("Body")) {
            return List.of(message(fields, messageSid, original));
        }
        // Signed by Twilio but neither an incoming message nor a status: nothing for us to store.
        return List.of();
    }

    private List<InboundEvent> statusUpdate(
            Map<String, List<String>> fields,
            String messageSid,
            String messageStatus,
            Instant receivedAt,
            ObjectNode original)
            throws WebhookRejection {
        Optional<MessageStatus> status = TwilioStatusMap.of(messageStatus);
        if (status.isEmpty()) {
            // A status value Twilio added after this was written: acknowledged, not stored, so no retry storm.
            LOG.info("twilio status callback with an unknown MessageStatus ignored status={}", messageStatus);
            return List.of();
        }
        String to = FormBody.first(fields, "To");
        if (to != null) {
            matching(to, "To", ADDRESS);
        }
        String errorCode = nonBlank(FormBody.first(fields, "ErrorCode"));
        if (errorCode != null) {
            matching(errorCode, "ErrorCode", ERROR_CODE);
        }
        return List.of(new StatusUpdate(
                CarrierType.TWILIO,
                account,
                messageSid,
                status.get(),
                messageStatus,
                errorCode,
                nonBlank(FormBody.first(fields, "ErrorMessage")),
                receivedAt,
                to == null ? null : address(to),
                original));
    }

    private InboundMessage message(Map<String, List<String>> fields, String messageSid, ObjectNode original)
            throws WebhookRejection {
        String from = matching(required(fields, "From"), "From", FROM, MAX_FROM);
        String to = matching(required(fields, "To"), "To", ADDRESS);
        String repliedTo = nonBlank(FormBody.first(fields, "OriginalRepliedMessageSid"));
        if (repliedTo != null) {
            sid(repliedTo, "OriginalRepliedMessageSid", MESSAGE_SID);
        }
        Sender sender =
                sender(from, nonBlank(FormBody.first(fields, "WaId")), nonBlank(FormBody.first(fields, "ProfileName")));
        return new InboundMessage(
                CarrierType.TWILIO,
                account,
                messageSid,
                sender,
                address(to),
                content(fields),
                null, // Twilio's incoming message webhook carries no timestamp of its own.
                repliedTo,
                original);
    }

    /**
     * A WhatsApp sender is a phone number ({@code whatsapp:+14155550123}) or, for a user who hides it behind a
     * username, their business-scoped user id ({@code whatsapp:US.13491208655302741918}): kept as {@code userId},
     * so the conversation is {@code whatsapp-user:<id>}, the one the Meta Cloud API path gives the same user.
     * Anything else after {@code whatsapp:} is no sender we could answer, so it is refused.
     */
    private static Sender sender(String from, String waId, String displayName) throws WebhookRejection {
        if (!from.startsWith(WHATSAPP_PREFIX)) {
            String phone = from.indexOf(':') >= 0 ? null : PhoneNumber.e164(from);
            return new Sender(phone, phone != null ? phone : from, displayName);
        }
        String id = from.substring(WHATSAPP_PREFIX.length());
        String phone = PhoneNumber.e164(id);
        if (phone != null) {
            return new Sender(phone, from, displayName);
        }
        if (WhatsAppIds.USER_ID.matcher(id).matches()) {
            // WaId is the sender's WhatsApp id, "typically a phone number": when it is digits, the phone is
            // known too, and the store links the user id's conversation to the phone's.
            String waPhone =
                    waId != null && waId.chars().allMatch(c -> c >= '0' && c <= '9') ? PhoneNumber.e164(waId) : null;
            return new Sender(waPhone, from, displayName, id);
        }
        throw WebhookRejection.malformed(
                "From is a whatsapp: address that is neither a phone number nor a WhatsApp user id", "From");
    }

    private static MessageContent content(Map<String, List<String>> fields) throws WebhookRejection {
        String body = FormBody.first(fields, "Body");
        int mediaCount = mediaCount(fields);
        if (mediaCount > 0) {
            List<MediaItem> items = new ArrayList<>(mediaCount);
            for (int i = 0; i < mediaCount; i++) {
                String url = nonBlank(FormBody.first(fields, "MediaUrl" + i));
                if (url == null) {
                    throw WebhookRejection.malformed(
                            "MediaUrl" + i + " is missing although NumMedia is " + mediaCount, "MediaUrl" + i);
                }
                items.add(MediaItem.url(url, nonBlank(FormBody.first(fields, "MediaContentType" + i))));
            }
            return new MessageContent.Media(nonBlank(body), items);
        }
        String latitude = nonBlank(FormBody.first(fields, "Latitude"));
        String longitude = nonBlank(FormBody.first(fields, "Longitude"));
        if (latitude != null && longitude != null) {
            String label = nonBlank(FormBody.first(fields, "Label"));
            String address = nonBlank(FormBody.first(fields, "Address"));
            return new MessageContent.Location(
                    label != null ? label : address,
                    coordinate(latitude, "Latitude", 90),
                    coordinate(longitude, "Longitude", 180),
                    label,
                    address);
        }
        String buttonText = nonBlank(FormBody.first(fields, "ButtonText"));
        String buttonPayload = nonBlank(FormBody.first(fields, "ButtonPayload"));
        if (buttonText != null || buttonPayload != null) {
            return new MessageContent.InteractiveReply(buttonText != null ? buttonText : body, buttonPayload, null);
        }
        return new MessageContent.Text(body == null ? "" : body);
    }

    private static int mediaCount(Map<String, List<String>> fields) throws WebhookRejection {
        String raw = FormBody.first(fields, "NumMedia");
        if (raw == null || raw.isBlank()) {
            return 0;
        }
        try {
            int count = Integer.parseInt(raw.trim());
            if (count > MAX_MEDIA) {
                // Trusting the count would size lists and fetches by what the payload says.
                throw WebhookRejection.malformed(
                        "NumMedia must be at most " + MAX_MEDIA + ", Twilio's limit of attachments, got " + count,
                        "NumMedia");
            }
            if (count >= 0) {
                return count;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw WebhookRejection.malformed(
                "NumMedia must be a whole number of attachments, got '" + excerpt(raw) + "'", "NumMedia");
    }

    private static String sid(String value, String field, Pattern form) throws WebhookRejection {
        if (!form.matcher(value).matches()) {
            throw WebhookRejection.malformed(field + " is not a Twilio SID (" + form.pattern() + ")", field);
        }
        return value;
    }

    private static String matching(String value, String field, Pattern form) throws WebhookRejection {
        return matching(value, field, form, 128);
    }

    private static String matching(String value, String field, Pattern form, int maxLength) throws WebhookRejection {
        if (value.length() > maxLength) {
            throw WebhookRejection.tooLong(field, maxLength);
        }
        if (!form.matcher(value).matches()) {
            throw WebhookRejection.malformed(field + " is not in the form Twilio sends it", field);
        }
        return value;
    }

    /** The start of a value for an error message: the payload is the attacker's, the answer should stay small. */
    private static String excerpt(String raw) {
        return raw.length() <= 20 ? raw : raw.substring(0, 20) + "…";
    }

    private static double coordinate(String raw, String field, double limit) throws WebhookRejection {
        try {
            double value = Double.parseDouble(raw.trim());
            if (Math.abs(value) <= limit) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw WebhookRejection.malformed(
                field + " must be a number within ±" + (int) limit + ", got '" + excerpt(raw) + "'", field);
    }

    /** An E.164 number for a plain or {@code whatsapp:}-prefixed phone number; null for anything else. */
    private static String phoneOf(String address) {
        if (address.startsWith(WHATSAPP_PREFIX)) {
            return PhoneNumber.e164(address.substring(WHATSAPP_PREFIX.length()));
        }
        return address.indexOf(':') >= 0 ? null : PhoneNumber.e164(address);
    }

    /** Our side or a status recipient: the E.164 number where there is one, otherwise Twilio's address. */
    private static String address(String raw) {
        String phone = phoneOf(raw);
        return phone != null ? phone : raw;
    }

    private static ObjectNode original(Map<String, List<String>> fields) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        fields.forEach((name, values) -> {
            if (values.size() == 1) {
                node.put(name, values.getFirst());
            } else {
                ArrayNode array = node.putArray(name);
                values.forEach(array::add);
            }
        });
        return node;
    }

    private static String required(Map<String, List<String>> fields, String name) throws WebhookRejection {
        String value = nonBlank(FormBody.first(fields, name));
        if (value == null) {
            throw WebhookRejection.malformed(name + " is missing; Twilio sends it with every message webhook", name);
        }
        return value;
    }

    private static String nonBlank(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
