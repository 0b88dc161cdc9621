package io.omniservice.carriers.livechat;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.model.InboundEvent.InboundMessage;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.Sender;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * Reads LiveChat webhooks (v3.5) into customer messages: {@code incoming_event} (one event posted to a chat),
 * {@code incoming_chat} (a new chat with the events its thread started with) and
 * {@code incoming_rich_message_postback} (a customer clicked a rich-message button). Customers' {@code message},
 * {@code file} and {@code filled_form} (survey answers, as a form response) events are stored; {@code custom}
 * events (app-to-app signals) and {@code form} events (sent to customers) are not. Every other action
 * ({@code chat_deactivated}, {@code incoming_customer}, {@code event_updated}, properties, tags, configuration) is
 * acknowledged and ignored: none carries a customer message. In an {@code incoming_chat} whose thread starts with
 * several customer events, one that cannot be read is kept as unreadable and the others are stored. Customers have
 * no phone number: they are keyed by their LiveChat user id.
 *
 * <p>Only customers' events become messages. {@code incoming_chat} names every user with its {@code type}
 * ({@code customer} or {@code agent}). {@code incoming_event} carries only the event's {@code author_id}:
 * LiveChat's way to get customers' events alone is registering the webhook with
 * {@code filters.author_type: customer}; as a second line we drop what the payload itself shows to be an
 * agent's: {@code visibility: agents} (internal notes), system messages (no author), and authors whose id is
 * an email address (LiveChat agent ids are their login emails; customer ids are UUIDs).
 */
final class LiveChatPayloadParser {
    /** Chat, thread and event ids: upper-case letters and digits, events with a {@code _n} suffix ({@code K600PKZON8_3}). */
    static final Pattern CHAT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /**
     * Customer ids: UUIDs, or the 32 hex digits and {@code S…}-style ids of older licences. Agents' ids are
     * their emails, so '@' and '.' pass here and are told apart by {@link #isAgentId}.
     */
    static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9._@+:-]{1,128}");

    /** A rich message button's id is the business's own; bounded so the composed message id fits its column. */
    static final int MAX_POSTBACK_ID = 128;

    /** The actions that can carry a customer's message; every other action is acknowledged and not read. */
    private static final Set<String> CUSTOMER_ACTIONS =
            Set.of("incoming_event", "incoming_chat", "incoming_rich_message_postback");

    private final String account;

    LiveChatPayloadParser(String account) {
        this.account = account;
    }

    List<InboundEvent> parse(JsonNode webhook) throws WebhookRejection {
        JsonNode action = webhook.path("action");
        if (!action.isTextual()) {
            throw WebhookRejection.malformed("a LiveChat webhook has an action", "action");
        }
        String name = action.asText();
        if (!CUSTOMER_ACTIONS.contains(name)) {
            // chat_deactivated, incoming_customer, event_updated, event_properties_updated, ...: no customer
            // message. Their payloads are not read, so an auto_accesses_updated payload (an array) is no error.
            return List.of();
        }
        JsonNode payload = webhook.path("payload");
        if (!payload.isObject()) {
            throw WebhookRejection.malformed("a LiveChat webhook has a payload object", "payload");
        }
        return switch (name) {
            case "incoming_event" -> incomingEvent(payload);
            case "incoming_chat" -> incomingChat(payload);
            default -> postback(payload);
        };
    }

    private List<InboundEvent> incomingEvent(JsonNode payload) throws WebhookRejection {
        String chatId = id(required(payload, "chat_id", "payload.chat_id"), "payload.chat_id", CHAT_ID);
        JsonNode event = payload.path("event");
        if (!event.isObject()) {
            throw WebhookRejection.malformed("incoming_event has no event object", "payload.event");
        }
        String author = event.path("author_id").asText("");
        if (!fromCustomer(event) || isAgentId(author)) {
            return List.of();
        }
        id(author, "payload.event.author_id", USER_ID);
        return message(chatId, event, new Sender(null, author, null), "payload.event")
                .map(List::<InboundEvent>of)
                .orElse(List.of());
    }

    private List<InboundEvent> incomingChat(JsonNode payload) throws WebhookRejection {
        JsonNode chat = payload.path("chat");
        String chatId = id(required(chat, "id", "payload.chat.id"), "payload.chat.id", CHAT_ID);
        Map<String, Sender> customers = new HashMap<>();
        for (JsonNode user : chat.path("users")) {
            if ("customer".equals(user.path("type").asText()) && user.path("id").isTextual()) {
                String id = id(user.get("id").asText(), "payload.chat.users[].id", USER_ID);
                customers.put(id, new Sender(null, id, displayName(user)));
            }
        }
        List<InboundEvent> events = new ArrayList<>();
        JsonNode threadEvents = chat.path("thread").path("events");
        for (int i = 0; i < threadEvents.size(); i++) {
            JsonNode event = threadEvents.get(i);
            Sender customer = customers.get(event.path("author_id").asText(""));
            if (customer == null || !fromCustomer(event)) {
                continue; // an agent's greeting, a system message, an internal note
            }
            String path = "payload.chat.thread.events[" + i + "]";
            try {
                message(chatId, event, customer, path).ifPresent(events::add);
            } catch (WebhookRejection unreadable) {
                // One broken event of the thread is kept as unreadable; it does not cost the customer's others.
                events.add(InboundEvent.Unreadable.of(
                        CarrierType.LIVECHAT, account, readableId(chatId, event), customer, chatId, unreadable, event));
            }
        }
        return events;
    }

    /** The message id of an event whose id is a LiveChat id, else null (the unreadable's id is then derived). */
    private static String readableId(String chatId, JsonNode event) {
        String id = text(event, "id");
        return id != null && CHAT_ID.matcher(id).matches() ? chatId + "/" + id : null;
    }

    private List<InboundEvent> postback(JsonNode payload) throws WebhookRejection {
        String chatId = id(required(payload, "chat_id", "payload.chat_id"), "payload.chat_id", CHAT_ID);
        String userId = id(required(payload, "user_id", "payload.user_id"), "payload.user_id", USER_ID);
        String eventId = id(required(payload, "event_id", "payload.event_id"), "payload.event_id", CHAT_ID);
        JsonNode postback = payload.path("postback");
        String postbackId = required(postback, "id", "payload.postback.id");
        if (postbackId.length() > MAX_POSTBACK_ID) {
            throw WebhookRejection.tooLong("payload.postback.id", MAX_POSTBACK_ID);
        }
        if (isAgentId(userId) || !postback.path("toggled").asBoolean(true)) {
            return List.of(); // an agent's click, or a customer taking a choice back
        }
        return List.of(new InboundMessage(
                CarrierType.LIVECHAT,
                account,
                chatId + "/" + eventId + "/" + postbackId,
                new Sender(null, userId, null),
                chatId,
                // The postback names the button, not its label: the label lives in the rich message event.
                new MessageContent.InteractiveReply(postbackId, postbackId, null),
                null,
                chatId + "/" + eventId,
                payload));
    }

    private Optional<InboundEvent> message(String chatId, JsonNode event, Sender sender, String path)
            throws WebhookRejection {
        String id = id(required(event, "id", path + ".id"), path + ".id", CHAT_ID);
        MessageContent content = content(event, path);
        if (content == null) {
            return Optional.empty();
        }
        String replyTo = null;
        JsonNode postback = event.path("postback");
        if (postback.path("event_id").isTextual()) {
            replyTo = chatId + "/" + id(postback.get("event_id").asText(), path + ".postback.event_id", CHAT_ID);
        }
        return Optional.of(new InboundMessage(
                CarrierType.LIVECHAT,
                account,
                chatId + "/" + id,
                sender,
                chatId,
                content,
                timestamp(event, path),
                replyTo,
                event));
    }

    /** Null for an event that is not a message (a custom event, an empty form). */
    private static MessageContent content(JsonNode event, String path) throws WebhookRejection {
        String type = event.path("type").asText("");
        switch (type) {
            case "message" -> {
                String text = event.path("text").asText("");
                JsonNode postback = event.path("postback");
                if (postback.path("id").isTextual()) {
                    return new MessageContent.InteractiveReply(
                            text, postback.get("id").asText(), null);
                }
                return new MessageContent.Text(text);
            }
            case "file" -> {
                String url = event.path("url").asText(null);
                if (url == null || url.isBlank()) {
                    throw WebhookRejection.malformed("a file event has no url", path + ".url");
                }
                Long size = event.path("size").canConvertToLong()
                        ? event.get("size").asLong()
                        : null;
                return new MessageContent.Media(
                        text(event, "alternative_text"),
                        List.of(new MediaItem(
                                url, null, text(event, "content_type"), text(event, "name"), size, null)));
            }
            case "rich_message" -> {
                JsonNode first = event.path("elements").path(0);
                return new MessageContent.Other(text(first, "title"), "rich_message");
            }
            case "filled_form" -> {
                return formResponse(event, path);
            }
            case "" -> throw WebhookRejection.malformed("the event has no type", path + ".type");
            default -> {
                return null;
            }
        }
    }

    /**
     * A pre-chat, post-chat or ask-for-email survey: {@code fields} keyed by the field's id, each answer as LiveChat
     * sent it (text for name, email, question and textarea; {@code {id, label}} for radio and select; {@code
     * {id, label, group_id}} for group_chooser; {@code answers: [{id, label}]} for checkbox; a boolean for
     * checkbox_for_email). {@code name} is the {@code form_type} ({@code prechat}, {@code postchat}, ...), or
     * {@code filled_form} for chats started before LiveChat added it; {@code body} one "label answer" line per
     * answered field, so keyword rules and people read the answers too.
     */
    private static MessageContent formResponse(JsonNode event, String path) throws WebhookRejection {
        JsonNode fields = event.path("fields");
        if (!fields.isArray()) {
            throw WebhookRejection.malformed("a filled_form event has a fields array", path + ".fields");
        }
        Map<String, Object> answers = new LinkedHashMap<>();
        StringJoiner lines = new StringJoiner("\n");
        for (int i = 0; i < fields.size(); i++) {
            JsonNode field = fields.get(i);
            String id = text(field, "id");
            if (id == null) {
                throw WebhookRejection.malformed("a form field has no id", path + ".fields[" + i + "].id");
            }
            JsonNode answer = field.has("answers") ? field.get("answers") : field.path("answer");
            if (answer.isMissingNode() || answer.isNull()) {
                continue; // a field the customer left empty
            }
            answers.put(id, Json.MAPPER.convertValue(answer, Object.class));
            String shown = shown(answer);
            if (!shown.isBlank()) {
                String label = field.path("label").asText("");
                lines.add(
                        label.isBlank()
                                ? shown
                                : label.endsWith(":") || label.endsWith("?")
                                        ? label + " " + shown
                                        : label + ": " + shown);
            }
        }
        String formType = text(event, "form_type");
        return new MessageContent.FormResponse(
                lines.length() == 0 ? null : lines.toString(), formType != null ? formType : "filled_form", answers);
    }

    /** An answer as the customer saw it: the text, the chosen options' labels, or yes/no. */
    private static String shown(JsonNode answer) {
        if (answer.isTextual()) {
            return answer.asText();
        }
        if (answer.isBoolean()) {
            return answer.asBoolean() ? "yes" : "no";
        }
        if (answer.isArray()) {
            StringJoiner labels = new StringJoiner(", ");
            answer.forEach(option -> {
                String label = shown(option);
                if (!label.isBlank()) {
                    labels.add(label);
                }
            });
            return labels.toString();
        }
        return answer.path("label").asText("");
    }

    /** What the event itself says: customers post visible events with an author; system messages have none. */
    private static boolean fromCustomer(JsonNode event) {
        return !"agents".equals(event.path("visibility").asText())
                && !"agents".equals(event.path("recipients").asText())
                && !"system_message".equals(event.path("type").asText())
                && event.path("author_id").isTextual();
    }

    /** LiveChat agent ids are their login emails; customer ids are UUIDs and never contain '@'. */
    private static boolean isAgentId(String userId) {
        return userId.indexOf('@') >= 0;
    }

    private static String displayName(JsonNode user) {
        String name = text(user, "name");
        return name != null ? name : text(user, "email");
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
    }

    /** An id held to LiveChat's form: too long is {@code field_too_long}, other characters malformed. */
    private static String id(String value, String path, Pattern form) throws WebhookRejection {
        int limit = form == CHAT_ID ? 64 : 128;
        if (value.length() > limit) {
            throw WebhookRejection.tooLong(path, limit);
        }
        if (!form.matcher(value).matches()) {
            throw WebhookRejection.malformed("the " + path + " field is not a LiveChat id", path);
        }
        return value;
    }

    private static String required(JsonNode node, String field, String path) throws WebhookRejection {
        String value = text(node, field);
        if (value == null) {
            throw WebhookRejection.malformed("the " + path + " field is missing", path);
        }
        return value;
    }

    private static Instant timestamp(JsonNode event, String path) throws WebhookRejection {
        String value = text(event, "created_at");
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw WebhookRejection.malformed("created_at is not an RFC 3339 time", path + ".created_at");
        }
    }
}
