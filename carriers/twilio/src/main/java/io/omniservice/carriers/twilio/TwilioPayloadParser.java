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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the fields of one Twilio messaging webhook: an incoming message (SMS, MMS or WhatsApp via Twilio)
 * or a status callback for a message we sent. Twilio posts one message or one status per request.
 */
final class TwilioPayloadParser {
    private static final Logger LOG = LoggerFactory.getLogger(TwilioPayloadParser.class);
    private static final String WHATSAPP_PREFIX = "whatsapp:";

    private final String account;

    TwilioPayloadParser(String account) {
        this.account = account;
    }

    List<InboundEvent> parse(Map<String, List<String>> fields, Instant receivedAt) throws WebhookRejection {
        String messageSid = required(fields, "MessageSid");
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
            ObjectNode original) {
        Optional<MessageStatus> status = TwilioStatusMap.of(messageStatus);
        if (status.isEmpty()) {
            // A status value Twilio added after this was written: acknowledged, not stored, so no retry storm.
            LOG.info("twilio status callback with an unknown MessageStatus ignored status={}", messageStatus);
            return List.of();
        }
        String to = FormBody.first(fields, "To");
        return List.of(new StatusUpdate(
                CarrierType.TWILIO,
                account,
                messageSid,
                status.get(),
                messageStatus,
                nonBlank(FormBody.first(fields, "ErrorCode")),
                nonBlank(FormBody.first(fields, "ErrorMessage")),
                receivedAt,
                to == null ? null : address(to),
                original));
    }

    private InboundMessage message(Map<String, List<String>> fields, String messageSid, ObjectNode original)
            throws WebhookRejection {
        String from = required(fields, "From");
        String to = required(fields, "To");
        String phone = phoneOf(from);
        Sender sender = new Sender(
                phone,
                phone != null && !from.startsWith(WHATSAPP_PREFIX) ? phone : from,
                nonBlank(FormBody.first(fields, "ProfileName")));
        return new InboundMessage(
                CarrierType.TWILIO,
                account,
                messageSid,
                sender,
                address(to),
                content(fields),
                null, // Twilio's incoming message webhook carries no timestamp of its own.
                nonBlank(FormBody.first(fields, "OriginalRepliedMessageSid")),
                original);
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
            if (count >= 0) {
                return count;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw WebhookRejection.malformed(
                "NumMedia must be a whole number of attachments, got '" + raw + "'", "NumMedia");
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
                field + " must be a number within ±" + (int) limit + ", got '" + raw + "'", field);
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
