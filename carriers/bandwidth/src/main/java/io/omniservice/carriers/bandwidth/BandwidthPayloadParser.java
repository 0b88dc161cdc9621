package io.omniservice.carriers.bandwidth;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.carrier.JsonBody;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.model.InboundEvent.InboundMessage;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.InboundEvent.Unreadable;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.PhoneNumber;
import io.omniservice.core.model.Sender;
import java.net.URI;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads a Bandwidth Messaging v2 callback body, always a JSON array of events, each
 * {@code {type, time, description, to, message: {...}}}: inbound messages ({@code message-received}, and the
 * RBM answers {@code suggestion-response} and {@code request-location-response}) and statuses of messages
 * we sent. Event types Bandwidth may add later are skipped. An inbound message that cannot be read becomes an
 * {@link Unreadable} so the other events of its array are still stored; a body that is not an array of typed
 * events, or a status that cannot be read, refuses the callback.
 */
final class BandwidthPayloadParser {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BandwidthPayloadParser.class);

    /** Bandwidth message ids: a millisecond timestamp and lower-case letters and digits ({@code 1589228074636lm4k2je7j7jklbn2}). */
    static final Pattern MESSAGE_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

    /** A number in E.164, a short code or an alphanumeric sender as Bandwidth writes them. */
    static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9+ ._:-]{1,64}");

    /** A short code: digits only, too few to be an E.164 number (US short codes have 5 or 6). */
    static final Pattern SHORT_CODE = Pattern.compile("[0-9]{3,8}");

    /** Bandwidth's error codes are numbers (4720, 9902, ...). */
    static final Pattern ERROR_CODE = Pattern.compile("[0-9]{1,10}");

    private static final Set<String> INBOUND_TYPES =
            Set.of("message-received", "suggestion-response", "request-location-response");

    private final String account;

    BandwidthPayloadParser(String account) {
        this.account = account;
    }

    List<InboundEvent> parse(byte[] body, Instant receivedAt) throws WebhookRejection {
        JsonNode root = JsonBody.parse(body);
        if (!root.isArray()) {
            throw WebhookRejection.malformed("a Bandwidth callback is a JSON array of events");
        }
        List<InboundEvent> events = new ArrayList<>(root.size());
        WebhookRejection statusFault = null;
        for (int i = 0; i < root.size(); i++) {
            JsonNode event = root.get(i);
            String at = "[" + i + "]";
            if (!event.isObject()) {
                throw WebhookRejection.malformed("each callback event is a JSON object", at);
            }
            String type = requiredText(event, "type", at);
            Optional<MessageStatus> status = BandwidthStatusMap.of(type);
            if (INBOUND_TYPES.contains(type)) {
                Read read = new Read();
                try {
                    events.add(message(event, type, at, read));
                } catch (WebhookRejection fault) {
                    events.add(Unreadable.of(
                            CarrierType.BANDWIDTH, account, read.id, read.sender, read.recipient, fault, event));
                }
            } else if (status.isPresent()) {
                try {
                    events.add(status(event, type, status.get(), at, receivedAt));
                } catch (WebhookRejection fault) {
                    // A status we cannot read names no message we could update; it must not cost the rest.
                    LOG.warn("Bandwidth status skipped: {} ({})", fault.getMessage(), fault.field());
                    statusFault = statusFault != null ? statusFault : fault;
                }
            }
        }
        if (statusFault != null && events.isEmpty()) {
            throw statusFault;
        }
        return events;
    }

    /** What was read of an inbound message before a fault, kept on its {@link Unreadable}. */
    private static final class Read {
        String id;
        Sender sender;
        String recipient;
    }

    private InboundMessage message(JsonNode event, String type, String at, Read read) throws WebhookRejection {
        JsonNode message = requiredObject(event, "message", at);
        String mat = at + ".message";
        String id = checked(requiredText(message, "id", mat), mat + ".id", MESSAGE_ID, 64);
        read.id = id;
        // owner is the copy's own number of ours (one per number we own in a group message); the event's to agrees.
        String ours = message.path("owner").asText(event.path("to").asText(null));
        if (ours == null) {
            throw WebhookRejection.malformed("an inbound message names our number in message.owner", mat + ".owner");
        }
        checked(ours, mat + ".owner", ADDRESS, 64);
        String recipient = PhoneNumber.e164(ours) != null ? PhoneNumber.e164(ours) : ours;
        read.recipient = recipient;
        Sender sender = sender(requiredText(message, "from", mat), mat + ".from");
        read.sender = sender;
        String group = group(message, recipient, sender, mat);
        MessageContent content =
                switch (type) {
                    case "suggestion-response" -> {
                        JsonNode reply = requiredObject(message, "suggestionResponse", mat);
                        yield new MessageContent.InteractiveReply(
                                reply.path("text").asText(null),
                                reply.path("postbackData").asText(null),
                                null);
                    }
                    case "request-location-response" ->
                        location(requiredObject(message, "locationResponse", mat), mat + ".locationResponse");
                    default -> textOrMedia(message, mat);
                };
        return new InboundMessage(
                CarrierType.BANDWIDTH,
                account,
                id,
                sender,
                recipient,
                content,
                time(message, "time", mat),
                null,
                event,
                group);
    }

    /**
     * Bandwidth writes senders in E.164 ({@code +19195550123}); short codes come as their digits. Anything else
     * (an alphanumeric sender id such as {@code MTN}) is not a sender a Bandwidth number can receive from.
     */
    private static Sender sender(String from, String at) throws WebhookRejection {
        checked(from, at, ADDRESS, 64);
        String phone = PhoneNumber.e164(from);
        if (phone != null) {
            return Sender.phone(phone, null);
        }
        if (SHORT_CODE.matcher(from).matches()) {
            // A short code has no E.164 form: the conversation is keyed by it as sent.
            return new Sender(null, from, null);
        }
        throw WebhookRejection.malformed("from is neither an E.164 number nor a short code", at);
    }

    /**
     * A group MMS lists every participant but the sender in {@code message.to}, our number among them. The group
     * is everyone but us, sender included, sorted: every member's message to the group names the same set, so
     * they all land in one {@code sms-group:} conversation. Null when the message went to our number alone.
     */
    private static String group(JsonNode message, String ours, Sender sender, String at) throws WebhookRejection {
        JsonNode to = message.get("to");
        if (to == null || !to.isArray() || to.size() < 2) {
            return null;
        }
        TreeSet<String> members = new TreeSet<>();
        for (int i = 0; i < to.size(); i++) {
            String where = at + ".to[" + i + "]";
            JsonNode number = to.get(i);
            if (!number.isTextual()) {
                throw WebhookRejection.malformed("message.to lists phone numbers", where);
            }
            String raw = checked(number.asText(), where, ADDRESS, 64);
            String member = PhoneNumber.e164(raw);
            if (member == null) {
                throw WebhookRejection.malformed("message.to lists E.164 phone numbers", where);
            }
            if (!member.equals(ours)) {
                members.add(member);
            }
        }
        if (members.isEmpty()) {
            return null;
        }
        members.add(sender.address());
        return String.join(",", members);
    }

    private static MessageContent textOrMedia(JsonNode message, String at) throws WebhookRejection {
        String text = message.path("text").asText("");
        JsonNode media = message.get("media");
        if (media == null || media.isNull() || media.isEmpty()) {
            return new MessageContent.Text(text);
        }
        if (!media.isArray()) {
            throw WebhookRejection.malformed("media must be an array of URLs", at + ".media");
        }
        List<MediaItem> items = new ArrayList<>(media.size());
        for (int i = 0; i < media.size(); i++) {
            JsonNode url = media.get(i);
            if (!url.isTextual() || !url.asText().startsWith("http")) {
                throw WebhookRejection.malformed("media must be an array of URLs", at + ".media[" + i + "]");
            }
            items.add(new MediaItem(url.asText(), null, null, filename(url.asText()), null, null));
        }
        return new MessageContent.Media(text.isEmpty() ? null : text, items);
    }

    /** Bandwidth's media URLs end in the file's original name ({@code .../media/{messageId}/{n}/{name}}). */
    private static String filename(String url) {
        try {
            String path = URI.create(url).getPath();
            String last = path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
            return last.isEmpty() ? null : last;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static MessageContent location(JsonNode location, String at) throws WebhookRejection {
        JsonNode latitude = location.get("latitude");
        JsonNode longitude = location.get("longitude");
        if (latitude == null || !latitude.isNumber() || longitude == null || !longitude.isNumber()) {
            throw WebhookRejection.malformed("a location response carries numeric latitude and longitude", at);
        }
        return new MessageContent.Location(null, latitude.asDouble(), longitude.asDouble(), null, null);
    }

    private StatusUpdate status(JsonNode event, String type, MessageStatus status, String at, Instant receivedAt)
            throws WebhookRejection {
        JsonNode message = requiredObject(event, "message", at);
        String id = checked(requiredText(message, "id", at + ".message"), at + ".message.id", MESSAGE_ID, 64);
        boolean failed = status == MessageStatus.FAILED;
        String errorCode =
                failed && event.hasNonNull("errorCode") ? event.get("errorCode").asText() : null;
        if (errorCode != null) {
            checked(errorCode, at + ".errorCode", ERROR_CODE, 10);
        }
        String errorMessage = failed ? event.path("description").asText(null) : null;
        // message-read carries the moment of reading in eventTime; time is when Bandwidth sent the callback.
        Instant eventTime = time(event, "eventTime", at);
        Instant time = time(event, "time", at);
        Instant occurredAt = eventTime != null ? eventTime : time != null ? time : receivedAt;
        return new StatusUpdate(
                CarrierType.BANDWIDTH,
                account,
                id,
                status,
                type,
                errorCode,
                errorMessage,
                occurredAt,
                PhoneNumber.e164(event.path("to").asText(null)),
                event);
    }

    private static Instant time(JsonNode node, String name, String at) throws WebhookRejection {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value.asText()).toInstant();
        } catch (DateTimeParseException e) {
            throw WebhookRejection.malformed(name + " must be an ISO-8601 date-time", at + "." + name);
        }
    }

    /** Too long is {@code field_too_long}; otherwise not in Bandwidth's form is malformed. */
    private static String checked(String value, String at, Pattern form, int limit) throws WebhookRejection {
        if (value.length() > limit) {
            throw WebhookRejection.tooLong(at, limit);
        }
        if (!form.matcher(value).matches()) {
            throw WebhookRejection.malformed(at + " is not in the form Bandwidth sends", at);
        }
        return value;
    }

    private static JsonNode requiredObject(JsonNode parent, String name, String at) throws WebhookRejection {
        JsonNode value = parent.get(name);
        if (value == null || !value.isObject()) {
            throw WebhookRejection.malformed(name + " must be an object", at + "." + name);
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
