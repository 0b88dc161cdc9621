package io.omniservice.carriers.whatsapp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.carrier.JsonBody;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.model.InboundEvent.InboundMessage;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.InboundEvent.Unreadable;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.PhoneNumber;
import io.omniservice.core.model.Sender;
import io.omniservice.core.model.WhatsAppIds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a Cloud API webhook body ({@code object: whatsapp_business_account}) into events: every
 * {@code entry[].changes[]} with {@code field: messages} may carry {@code messages[]} (from customers) and
 * {@code statuses[]} (on messages we sent). Other change fields (account, template and quality updates) and
 * change-level {@code errors} carry nothing we store.
 */
final class WhatsAppPayloadParser {
    private static final Logger LOG = LoggerFactory.getLogger(WhatsAppPayloadParser.class);
    private static final String OBJECT = "whatsapp_business_account";
    private static final Set<String> MEDIA_TYPES = Set.of("image", "video", "audio", "document", "sticker");

    /**
     * A WhatsApp message id: {@code wamid.} and the base64 of a short record (the number and a message key),
     * some 60 to 80 characters in Meta's examples. 200 is generous and keeps an id well inside its column.
     */
    static final Pattern MESSAGE_ID = Pattern.compile("wamid\\.[A-Za-z0-9+/=_-]{1,194}");

    /** {@code from}, {@code wa_id} and {@code recipient_id}: a phone number's digits, without '+'. */
    static final Pattern WA_ID = Pattern.compile("[0-9]{7,15}");

    private final String account;

    WhatsAppPayloadParser(String account) {
        this.account = account;
    }

    List<InboundEvent> parse(byte[] body, Instant receivedAt) throws WebhookRejection {
        JsonNode root = JsonBody.parse(body);
        if (!root.isObject()) {
            throw WebhookRejection.malformed("a WhatsApp webhook is a JSON object");
        }
        if (!OBJECT.equals(root.path("object").asText(null))) {
            throw WebhookRejection.malformed("object must be " + OBJECT, "object");
        }
        JsonNode entries = root.get("entry");
        if (entries == null || !entries.isArray()) {
            throw WebhookRejection.malformed("entry must be an array", "entry");
        }
        List<InboundEvent> events = new ArrayList<>();
        for (int e = 0; e < entries.size(); e++) {
            JsonNode changes = entries.get(e).get("changes");
            if (changes == null || !changes.isArray()) {
                throw WebhookRejection.malformed("changes must be an array", "entry[" + e + "].changes");
            }
            for (int c = 0; c < changes.size(); c++) {
                String at = "entry[" + e + "].changes[" + c + "]";
                JsonNode change = changes.get(c);
                if (!change.path("field").isTextual()) {
                    throw WebhookRejection.malformed("a change names its field", at + ".field");
                }
                if ("messages".equals(change.get("field").asText())) {
                    readMessagesChange(change.get("value"), at + ".value", receivedAt, events);
                }
            }
        }
        return events;
    }

    private void readMessagesChange(JsonNode value, String at, Instant receivedAt, List<InboundEvent> events)
            throws WebhookRejection {
        if (value == null || !value.isObject()) {
            throw WebhookRejection.malformed("a messages change carries a value object", at);
        }
        JsonNode messages = optionalArray(value, "messages", at);
        JsonNode statuses = optionalArray(value, "statuses", at);
        if (messages.isEmpty() && statuses.isEmpty()) {
            return;
        }
        String business = PhoneNumber.e164(
                value.path("metadata").path("display_phone_number").asText(null));
        if (business == null && !messages.isEmpty()) {
            throw WebhookRejection.malformed(
                    "metadata.display_phone_number must be the business phone number",
                    at + ".metadata.display_phone_number");
        }
        Map<String, String> names = new HashMap<>();
        for (JsonNode contact : value.path("contacts")) {
            String name = contact.path("profile").path("name").asText(null);
            if (name == null) {
                name = contact.path("profile").path("username").asText(null);
            }
            for (String id : List.of("wa_id", "user_id")) {
                if (contact.path(id).isTextual() && name != null) {
                    names.put(contact.get(id).asText(), name);
                }
            }
        }
        for (int i = 0; i < messages.size(); i++) {
            events.add(readMessage(messages.get(i), at + ".messages[" + i + "]", business, names));
        }
        WebhookRejection statusFault = null;
        for (int i = 0; i < statuses.size(); i++) {
            try {
                status(statuses.get(i), at + ".statuses[" + i + "]", receivedAt).ifPresent(events::add);
            } catch (WebhookRejection fault) {
                // A status we cannot read names no message we could update; it must not cost the rest.
                LOG.warn("WhatsApp status skipped: {} ({})", fault.getMessage(), fault.field());
                statusFault = statusFault == null ? fault : statusFault;
            }
        }
        if (statusFault != null && events.isEmpty()) {
            throw statusFault;
        }
    }

    /** One message, or what could be read of it as {@link Unreadable}: it never costs the others. */
    private InboundEvent readMessage(JsonNode message, String at, String business, Map<String, String> names) {
        String id = null;
        Sender sender = null;
        WebhookRejection fault = null;
        try {
            id = messageId(requiredText(message, "id", at), at + ".id");
        } catch (WebhookRejection e) {
            fault = e;
        }
        try {
            sender = sender(message, at, names);
        } catch (WebhookRejection e) {
            fault = fault != null ? fault : e;
        }
        if (fault == null) {
            try {
                return message(message, at, id, sender, business);
            } catch (WebhookRejection e) {
                fault = e;
            }
        }
        return Unreadable.of(CarrierType.WHATSAPP, account, id, sender, business, fault, message);
    }

    /**
     * Who wrote: {@code from} is the phone number's digits, or absent or the user id itself for a user who
     * adopted a username; {@code from_user_id} is their business-scoped user id when Meta shares it.
     */
    private static Sender sender(JsonNode message, String at, Map<String, String> names) throws WebhookRejection {
        String from = optionalText(message, "from", at);
        String userId = optionalText(message, "from_user_id", at);
        if (userId != null && !WhatsAppIds.USER_ID.matcher(userId).matches()) {
            throw WebhookRejection.malformed("from_user_id must be a business-scoped user id", at + ".from_user_id");
        }
        String phone = null;
        if (from != null) {
            if (WA_ID.matcher(from).matches()) {
                phone = PhoneNumber.e164(from);
            } else if (WhatsAppIds.USER_ID.matcher(from).matches() && (userId == null || userId.equals(from))) {
                userId = from;
            } else {
                throw WebhookRejection.malformed(
                        "from must be the sender's phone number or business-scoped user id", at + ".from");
            }
        }
        if (phone == null && userId == null) {
            throw WebhookRejection.malformed("a message names its sender in from or from_user_id", at + ".from");
        }
        String carrierId = from != null ? from : userId;
        String name = names.get(carrierId);
        if (name == null && userId != null) {
            name = names.get(userId);
        }
        return new Sender(phone, carrierId, name, userId);
    }

    private InboundMessage message(JsonNode message, String at, String id, Sender sender, String business)
            throws WebhookRejection {
        String type = requiredText(message, "type", at);
        String group = optionalText(message, "group_id", at);
        if (group != null && !WhatsAppIds.GROUP_ID.matcher(group).matches()) {
            throw WebhookRejection.malformed("group_id must be a WhatsApp group id", at + ".group_id");
        }
        String replyTo = optionalMessageId(message.path("context").path("id"), at + ".context.id");
        MessageContent content = content(message, type, at);
        if ("reaction".equals(type)) {
            // A reaction has no context: the message it reacts to is in the reaction itself.
            replyTo = optionalMessageId(message.path("reaction").path("message_id"), at + ".reaction.message_id");
        }
        ConversationKey changedTo = null;
        if ("system".equals(type)
                && "user_changed_number"
                        .equals(message.path("system").path("type").asText())) {
            // The user's new number joins the conversation held under the old one (the message's sender).
            String newNumber =
                    PhoneNumber.e164(message.path("system").path("wa_id").asText(null));
            if (newNumber == null || sender.phoneNumber() == null) {
                throw WebhookRejection.malformed(
                        "a number change names the new number in system.wa_id", at + ".system.wa_id");
            }
            changedTo = new ConversationKey(newNumber);
        }
        return new InboundMessage(
                CarrierType.WHATSAPP,
                account,
                id,
                sender,
                business,
                content,
                timestamp(message, at),
                replyTo,
                message,
                group,
                changedTo);
    }

    private static MessageContent content(JsonNode message, String type, String at) throws WebhookRejection {
        if (MEDIA_TYPES.contains(type)) {
            JsonNode media = requiredObject(message, type, at);
            MediaItem item = new MediaItem(
                    media.path("url").asText(null),
                    requiredText(media, "id", at + "." + type),
                    media.path("mime_type").asText(null),
                    media.path("filename").asText(null),
                    null,
                    media.path("sha256").asText(null));
            return new MessageContent.Media(media.path("caption").asText(null), List.of(item));
        }
        return switch (type) {
            case "text" ->
                new MessageContent.Text(requiredText(requiredObject(message, "text", at), "body", at + ".text"));
            case "location" -> location(requiredObject(message, "location", at), at + ".location");
            case "interactive" -> interactive(requiredObject(message, "interactive", at), at + ".interactive");
            case "button" -> {
                JsonNode button = requiredObject(message, "button", at);
                yield new MessageContent.InteractiveReply(
                        button.path("text").asText(null), button.path("payload").asText(null), null);
            }
            case "reaction" ->
                new MessageContent.Other(
                        requiredObject(message, "reaction", at).path("emoji").asText(null), type);
            case "contacts" -> new MessageContent.Other(contactNames(message.path("contacts")), type);
            case "order" ->
                new MessageContent.Other(
                        requiredObject(message, "order", at).path("text").asText(null), type);
            case "system" ->
                new MessageContent.Other(
                        requiredObject(message, "system", at).path("body").asText(null), type);
            // Meta could not show us the message (a type the Cloud API does not carry): its error says why.
            case "unsupported" ->
                new MessageContent.Unsupported(
                        null,
                        message.path("errors")
                                .path(0)
                                .path("error_data")
                                .path("details")
                                .asText(message.path("errors")
                                        .path(0)
                                        .path("title")
                                        .asText("unsupported by WhatsApp")),
                        null);
            // request_welcome and types Meta adds later: kept whole in the original payload.
            default -> new MessageContent.Other(null, type);
        };
    }

    private static MessageContent location(JsonNode location, String at) throws WebhookRejection {
        JsonNode latitude = location.get("latitude");
        JsonNode longitude = location.get("longitude");
        if (latitude == null || !latitude.isNumber() || longitude == null || !longitude.isNumber()) {
            throw WebhookRejection.malformed("a location carries numeric latitude and longitude", at);
        }
        double lat = latitude.asDouble();
        double lon = longitude.asDouble();
        if (!(Math.abs(lat) <= 90)) {
            throw WebhookRejection.malformed("latitude must be within ±90", at + ".latitude");
        }
        if (!(Math.abs(lon) <= 180)) {
            throw WebhookRejection.malformed("longitude must be within ±180", at + ".longitude");
        }
        String name = location.path("name").asText(null);
        String address = location.path("address").asText(null);
        return new MessageContent.Location(name != null ? name : address, lat, lon, name, address);
    }

    private static MessageContent interactive(JsonNode interactive, String at) throws WebhookRejection {
        String kind = requiredText(interactive, "type", at);
        JsonNode reply = interactive.path(kind);
        return switch (kind) {
            case "button_reply", "list_reply" ->
                new MessageContent.InteractiveReply(
                        reply.path("title").asText(null),
                        requiredText(reply, "id", at + "." + kind),
                        reply.path("description").asText(null));
            case "nfm_reply" -> formResponse(reply, at + ".nfm_reply");
            // Later kinds: the body is what the user saw, the rest is in the payload.
            default -> new MessageContent.Other(reply.path("body").asText(null), "interactive." + kind);
        };
    }

    /** A Flow's answers: {@code response_json} is the form's fields as a JSON object in a string. */
    private static MessageContent formResponse(JsonNode reply, String at) throws WebhookRejection {
        String json = requiredText(reply, "response_json", at);
        JsonNode fields;
        try {
            fields = Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw WebhookRejection.malformed("response_json must be a JSON object", at + ".response_json");
        }
        if (fields == null || !fields.isObject()) {
            throw WebhookRejection.malformed("response_json must be a JSON object", at + ".response_json");
        }
        Map<String, Object> answers =
                Json.MAPPER.convertValue(fields, new TypeReference<LinkedHashMap<String, Object>>() {});
        return new MessageContent.FormResponse(
                reply.path("body").asText(null), reply.path("name").asText(null), answers);
    }

    private static String contactNames(JsonNode contacts) {
        StringJoiner names = new StringJoiner(", ");
        for (JsonNode contact : contacts) {
            String name = contact.path("name").path("formatted_name").asText(null);
            if (name != null) {
                names.add(name);
            }
        }
        return names.length() == 0 ? null : names.toString();
    }

    private Optional<InboundEvent> status(JsonNode status, String at, Instant receivedAt) throws WebhookRejection {
        String id = messageId(requiredText(status, "id", at), at + ".id");
        String raw = requiredText(status, "status", at);
        Optional<MessageStatus> normalized = WhatsAppStatusMap.of(raw);
        if (normalized.isEmpty()) {
            return Optional.empty();
        }
        JsonNode error = status.path("errors").path(0);
        String errorCode = error.hasNonNull("code") ? error.get("code").asText() : null;
        String errorMessage = error.hasNonNull("title")
                ? error.get("title").asText()
                : error.path("message").asText(null);
        Instant occurredAt = timestamp(status, at);
        return Optional.of(new StatusUpdate(
                CarrierType.WHATSAPP,
                account,
                id,
                normalized.get(),
                raw,
                errorCode,
                errorMessage,
                occurredAt != null ? occurredAt : receivedAt,
                statusRecipient(status),
                status));
    }

    /** The phone number a status is about, else the user id's address when only that is given. */
    private static String statusRecipient(JsonNode status) {
        String phone = PhoneNumber.e164(status.path("recipient_id").asText(null));
        String userId = status.path("recipient_user_id").asText(null);
        if (phone == null
                && userId != null
                && WhatsAppIds.USER_ID.matcher(userId).matches()) {
            return ConversationKey.WHATSAPP_USER + userId;
        }
        return phone;
    }

    private static String messageId(String id, String at) throws WebhookRejection {
        if (id.length() > 200) {
            throw WebhookRejection.tooLong(at, 200);
        }
        if (!MESSAGE_ID.matcher(id).matches()) {
            throw WebhookRejection.malformed("a message id is wamid. and base64 characters", at);
        }
        return id;
    }

    private static String optionalMessageId(JsonNode value, String at) throws WebhookRejection {
        if (value.isMissingNode() || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw WebhookRejection.malformed("a message id is text", at);
        }
        return messageId(value.asText(), at);
    }

    /** Meta's timestamps are epoch seconds as a string of digits. */
    private static Instant timestamp(JsonNode node, String at) throws WebhookRejection {
        JsonNode value = node.get("timestamp");
        if (value == null || value.isNull()) {
            return null;
        }
        String text = value.asText();
        if (!(value.isTextual() || value.isIntegralNumber()) || !text.matches("\\d{1,12}")) {
            throw WebhookRejection.malformed("timestamp must be epoch seconds", at + ".timestamp");
        }
        return Instant.ofEpochSecond(Long.parseLong(text));
    }

    private static String optionalText(JsonNode parent, String name, String at) throws WebhookRejection {
        JsonNode value = parent.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw WebhookRejection.malformed(name + " must be text", at + "." + name);
        }
        return value.asText();
    }

    private static JsonNode optionalArray(JsonNode parent, String name, String at) throws WebhookRejection {
        JsonNode array = parent.get(name);
        if (array == null || array.isNull()) {
            return Json.MAPPER.createArrayNode();
        }
        if (!array.isArray()) {
            throw WebhookRejection.malformed(name + " must be an array", at + "." + name);
        }
        return array;
    }

    private static JsonNode requiredObject(JsonNode parent, String name, String at) throws WebhookRejection {
        JsonNode value = parent.get(name);
        if (value == null || !value.isObject()) {
            throw WebhookRejection.malformed("a " + name + " message carries a " + name + " object", at + "." + name);
        }
        return value;
    }

    private static String requiredText(JsonNode parent, String name, String at) throws WebhookRejection {
        JsonNode value = parent.get(name);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw WebhookRejection.malformed(name + " is required", at + "." + name);
        }
        return value.asText();
    }
}
