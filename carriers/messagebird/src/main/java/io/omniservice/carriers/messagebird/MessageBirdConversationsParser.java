package io.omniservice.carriers.messagebird;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.carrier.WebhookRejection;
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
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Conversations API webhooks ({@code message.created} / {@code message.updated}): a message a contact sent
 * us on a channel (direction {@code received}) or the progress of one we sent (direction {@code sent}).
 */
final class MessageBirdConversationsParser {
    private static final Set<String> MESSAGE_EVENTS = Set.of("message.created", "message.updated");
    private static final Set<String> MEDIA_TYPES = Set.of("image", "video", "audio", "file");
    /** Platforms whose contact identifier is an MSISDN; on the others (Messenger, Telegram, ...) it is an id. */
    private static final Set<String> PHONE_PLATFORMS = Set.of("sms", "whatsapp");

    /** A Conversations address: a number, a channel id or a platform's id for a user. */
    private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9+._:@-]{1,128}");

    private final String account;

    MessageBirdConversationsParser(String account) {
        this.account = account;
    }

    List<InboundEvent> parse(JsonNode root, Instant receivedAt) throws WebhookRejection {
        if (!root.isObject() || !root.path("type").isTextual()) {
            throw WebhookRejection.malformed("a Conversations webhook is a JSON object with a type", "type");
        }
        if (!MESSAGE_EVENTS.contains(root.get("type").asText())) {
            return List.of(); // conversation.created / conversation.updated carry no message
        }
        JsonNode message = root.path("message");
        if (!message.isObject()) {
            throw WebhookRejection.malformed("the message object is missing", "message");
        }
        String id = text(message, "id");
        if (id == null) {
            throw WebhookRejection.malformed("the message has no id", "message.id");
        }
        MessageBirdSmsParser.checked(id, "message.id", MessageBirdSmsParser.MESSAGE_ID, 32);
        return switch (message.path("direction").asText("")) {
            case "received" -> List.of(received(root, message, id));
            case "sent" -> sent(root, message, id, receivedAt);
            case "" -> throw WebhookRejection.malformed("the message has no direction", "message.direction");
            default -> List.of();
        };
    }

    private InboundEvent received(JsonNode root, JsonNode message, String id) throws WebhookRejection {
        String from = text(message, "from");
        if (from == null) {
            throw WebhookRejection.malformed("a received message has no from", "message.from");
        }
        // a phone number, a channel's 32-hex id or a platform's user id (Messenger PSID, Telegram id, ...)
        MessageBirdSmsParser.checked(from, "message.from", ADDRESS, 128);
        String phone = PHONE_PLATFORMS.contains(message.path("platform").asText()) ? PhoneNumber.e164(from) : null;
        Sender sender = new Sender(phone, phone != null ? phone : from, displayName(root.path("contact")));
        String recipient = Optional.ofNullable(text(message, "channelId")).orElse(text(message, "to"));
        return new InboundMessage(
                CarrierType.MESSAGEBIRD,
                account,
                id,
                sender,
                recipient,
                content(message),
                timestamp(message, "createdDatetime"),
                null,
                root);
    }

    private List<InboundEvent> sent(JsonNode root, JsonNode message, String id, Instant receivedAt)
            throws WebhookRejection {
        String raw = text(message, "status");
        if (raw == null) {
            throw WebhookRejection.malformed("a sent message has no status", "message.status");
        }
        Optional<MessageStatus> status = MessageBirdStatusMap.conversations(raw);
        if (status.isEmpty()) {
            return List.of();
        }
        Instant updated = timestamp(message, "updatedDatetime");
        Instant created = timestamp(message, "createdDatetime");
        Instant occurredAt = updated != null ? updated : created != null ? created : receivedAt;
        String to = text(message, "to");
        String recipient = PhoneNumber.e164(to) != null ? PhoneNumber.e164(to) : to;
        return List.of(new StatusUpdate(
                CarrierType.MESSAGEBIRD, account, id, status.get(), raw, null, null, occurredAt, recipient, root));
    }

    /**
     * The content of a received message by its {@code type}, as the Conversations API documents them: text,
     * media (image, video, audio, file, WhatsApp sticker), location, WhatsApp text, interactive replies and
     * HSM templates. Other documented types (email, event, rich, menu, buttons, link, whatsappOrder, external
     * attachments, Facebook templates) have no kind of ours and are kept as {@link MessageContent.Other}; a type
     * MessageBird does not document is kept as {@link MessageContent.Unsupported}. Content a known type needs
     * but lacks is refused, naming the field.
     */
    private static MessageContent content(JsonNode message) throws WebhookRejection {
        String type = message.path("type").asText("");
        JsonNode content = message.path("content");
        if (MEDIA_TYPES.contains(type)) {
            JsonNode media = content.path(type);
            String url = text(media, "url");
            if (url == null) {
                throw WebhookRejection.malformed(
                        "the " + type + " message has no content." + type + ".url", "message.content." + type + ".url");
            }
            return new MessageContent.Media(text(media, "caption"), List.of(MediaItem.url(url, null)));
        }
        return switch (type) {
            case "text" -> new MessageContent.Text(required(content, "text", "message.content.text"));
            case "whatsappText" ->
                new MessageContent.Text(required(
                        content.path("whatsappText").path("text"), "body", "message.content.whatsappText.text.body"));
            case "whatsappSticker" -> {
                String link = text(content.path("whatsappSticker"), "link");
                if (link == null) {
                    throw WebhookRejection.malformed(
                            "a whatsappSticker message has no content.whatsappSticker.link",
                            "message.content.whatsappSticker.link");
                }
                yield new MessageContent.Media(null, List.of(MediaItem.url(link, "image/webp")));
            }
            case "location" -> location(content.path("location"));
            case "interactive" -> interactive(content.path("interactive"));
            case "hsm" -> hsm(content.path("hsm"));
            case "email" -> new MessageContent.Other(emailText(content.path("email")), type);
            case "whatsappOrder" -> new MessageContent.Other(text(content.path("whatsappOrder"), "text"), type);
            case "event",
                    "rich",
                    "menu",
                    "buttons",
                    "link",
                    "externalAttachment",
                    "facebookQuickReply",
                    "facebookMediaTemplate",
                    "facebookGenericTemplate" -> new MessageContent.Other(text(content, "text"), type);
            case "" -> throw WebhookRejection.malformed("a received message has no type", "message.type");
            default ->
                new MessageContent.Unsupported(
                        text(content, "text"),
                        "MessageBird message type '" + type + "' is not one the Conversations API documents",
                        "message.type");
        };
    }

    private static MessageContent location(JsonNode location) throws WebhookRejection {
        if (!location.path("latitude").isNumber() || !location.path("longitude").isNumber()) {
            throw WebhookRejection.malformed(
                    "a location message needs numeric latitude and longitude", "message.content.location");
        }
        double latitude = location.get("latitude").asDouble();
        double longitude = location.get("longitude").asDouble();
        if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
            throw WebhookRejection.malformed(
                    "a location's latitude or longitude is out of range", "message.content.location");
        }
        return new MessageContent.Location(null, latitude, longitude, null, null);
    }

    /**
     * A customer's answer to interactive content: {@code interactive.reply} ({@code id}, {@code text},
     * {@code description}) on a {@code button_reply} or {@code list_reply}. Interactive content without a reply
     * (a business's own list or buttons) is kept as the carrier's kind.
     */
    private static MessageContent interactive(JsonNode interactive) throws WebhookRejection {
        JsonNode reply = interactive.path("reply");
        if (reply.isObject()) {
            String id = text(reply, "id");
            String title = text(reply, "text");
            if (id == null && title == null) {
                throw WebhookRejection.malformed(
                        "an interactive reply has neither an id nor a text", "message.content.interactive.reply");
            }
            return new MessageContent.InteractiveReply(title, id, text(reply, "description"));
        }
        return new MessageContent.Other(text(interactive.path("body"), "text"), "interactive");
    }

    /** A WhatsApp template: its name and its parameters' default values, numbered from 1 as in the template. */
    private static MessageContent hsm(JsonNode hsm) throws WebhookRejection {
        String name = text(hsm, "templateName");
        if (name == null) {
            throw WebhookRejection.malformed(
                    "an hsm message has no content.hsm.templateName", "message.content.hsm.templateName");
        }
        Map<String, String> params = new LinkedHashMap<>();
        int index = 1;
        for (JsonNode param : hsm.path("params")) {
            String value = text(param, "default");
            if (value != null) {
                params.put(Integer.toString(index), value);
            }
            index++;
        }
        return new MessageContent.Template(null, name, params);
    }

    private static String emailText(JsonNode email) {
        String text = text(email.path("content"), "text");
        return text != null ? text : text(email, "subject");
    }

    private static String required(JsonNode node, String field, String path) throws WebhookRejection {
        String value = text(node, field);
        if (value == null) {
            throw WebhookRejection.malformed(
                    "the received message has no " + path.substring("message.".length()), path);
        }
        return value;
    }

    private static String displayName(JsonNode contact) {
        String display = text(contact, "displayName");
        if (display != null) {
            return display;
        }
        String first = text(contact, "firstName");
        String last = text(contact, "lastName");
        if (first == null && last == null) {
            return null;
        }
        return first == null ? last : last == null ? first : first + " " + last;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
    }

    private static Instant timestamp(JsonNode node, String field) throws WebhookRejection {
        String value = text(node, field);
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw WebhookRejection.malformed("the " + field + " is not an ISO-8601 date-time", "message." + field);
        }
    }
}
