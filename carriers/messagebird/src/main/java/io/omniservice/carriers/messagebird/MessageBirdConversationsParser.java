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
import java.util.List;
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

    private static MessageContent content(JsonNode message) throws WebhookRejection {
        String type = message.path("type").asText("");
        JsonNode content = message.path("content");
        if ("text".equals(type)) {
            String text = text(content, "text");
            if (text == null) {
                throw WebhookRejection.malformed("a text message has no content.text", "message.content.text");
            }
            return new MessageContent.Text(text);
        }
        if (MEDIA_TYPES.contains(type)) {
            JsonNode media = content.path(type);
            String url = text(media, "url");
            if (url == null) {
                throw WebhookRejection.malformed(
                        "a " + type + " message has no content." + type + ".url", "message.content." + type);
            }
            return new MessageContent.Media(
                    text(media, "caption"), List.of(new MediaItem(url, null, null, null, null, null)));
        }
        if ("location".equals(type)) {
            JsonNode location = content.path("location");
            if (!location.path("latitude").isNumber()
                    || !location.path("longitude").isNumber()) {
                throw WebhookRejection.malformed(
                        "a location message needs numeric latitude and longitude", "message.content.location");
            }
            return new MessageContent.Location(
                    null,
                    location.get("latitude").asDouble(),
                    location.get("longitude").asDouble(),
                    null,
                    null);
        }
        // hsm, interactive, whatsappSticker, email, event ...: kept as the carrier's kind, payload in metadata.
        return new MessageContent.Other(text(content, "text"), type.isEmpty() ? "unknown" : type);
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
