package io.omniservice.carriers.whatsapp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.PhoneNumber;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.core.outbound.CarrierSender;
import io.omniservice.core.outbound.OutboundSend;
import io.omniservice.core.outbound.SendFailure;
import io.omniservice.core.outbound.SendResult;
import java.math.BigInteger;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Sends one message through the Cloud API ({@code POST /{version}/{phone-number-id}/messages}) and classifies
 * Meta's Graph API errors ({@code {"error":{"code",...}}}) for the pipeline.
 */
final class WhatsAppSender implements CarrierSender {
    /** Reply buttons: Meta refuses more than three, or titles over 20 characters, or ids over 256. */
    static final int MAX_BUTTONS = 3;

    static final int MAX_BUTTON_TITLE = 20;
    static final int MAX_BUTTON_ID = 256;
    /** The body of an interactive message is capped lower than a plain text's 4096. */
    static final int MAX_INTERACTIVE_BODY = 1024;

    /** Codes worth waiting for: Meta's throughput, pair, account and spam rate limits, and service downtime. */
    static final Set<Integer> RETRYABLE = Set.of(4, 2, 80007, 130429, 131048, 131056);
    /**
     * Codes that say this account cannot carry this message but another carrier may: expired or refused
     * token (190, 0, 10, 200-299 are permission errors), a parameter the Cloud API refuses (100), outside
     * the 24-hour window (131047), a type it does not take (131051), and every template error (132xxx).
     */
    private static final Set<Integer> CARRIER_REJECTED = Set.of(0, 3, 10, 100, 190, 131047, 131051);
    /** The number is not on WhatsApp, has not accepted the terms, or runs too old an app: no carrier here helps. */
    private static final Set<Integer> RECIPIENT_REJECTED = Set.of(131026);

    private final URI endpoint;
    private final String authorization;
    private final String defaultTemplateLanguage;
    private final CarrierHttp http;
    private final Clock clock;

    WhatsAppSender(
            URI apiBaseUrl,
            String apiVersion,
            String phoneNumberId,
            String accessToken,
            String defaultTemplateLanguage,
            CarrierHttp http,
            Clock clock) {
        this.endpoint = URI.create(apiBaseUrl + "/" + apiVersion + "/" + phoneNumberId + "/messages");
        this.authorization = "Bearer " + accessToken;
        this.defaultTemplateLanguage = defaultTemplateLanguage;
        this.http = http;
        this.clock = clock;
    }

    @Override
    public SendResult send(OutboundSend send) throws SendFailure {
        ObjectNode request = request(send);
        byte[] body;
        try {
            body = Json.MAPPER.writeValueAsBytes(request);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings always serializes", e);
        }
        CarrierHttp.Response response =
                http.post(endpoint, Map.of("Authorization", authorization), "application/json", body);
        if (!response.isSuccess()) {
            throw failure(response, clock.instant());
        }
        return result(response);
    }

    /** The Cloud API's message object for one send; a content WhatsApp cannot take is refused before any call. */
    ObjectNode request(OutboundSend send) throws SendFailure {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("messaging_product", "whatsapp");
        var key = new ConversationKey(send.to());
        Optional<String> userId = key.whatsAppUserId();
        Optional<String> group = key.groupId(CarrierType.WHATSAPP);
        if (userId.isPresent()) {
            // A user known by their business-scoped user id only: Meta takes it as `recipient`, without `to`.
            root.put("recipient_type", "individual");
            root.put("recipient", userId.get());
        } else if (group.isPresent()) {
            root.put("recipient_type", "group");
            root.put("to", group.get());
        } else {
            String phone = PhoneNumber.e164(send.to());
            if (phone == null) {
                // Not a phone number (a LiveChat chat id, say): a carrier that addresses by its own id may take it.
                throw SendFailure.carrierRejected(
                        "invalid_recipient", "WhatsApp addresses a phone number, a user id or a group", 0);
            }
            root.put("recipient_type", "individual");
            // wa_id form: the number's digits without '+'
            root.put("to", phone.substring(1));
        }
        switch (send.content()) {
            case MessageContent.Text text -> {
                root.put("type", "text");
                // Meta fetches and renders links when preview_url is true: our texts are sent as written.
                root.putObject("text").put("preview_url", false).put("body", text.body());
            }
            case MessageContent.Media media -> media(root, media);
            case MessageContent.Template template -> template(root, template, send.templateLanguage());
            case MessageContent.Interactive interactive -> interactive(root, interactive);
            case MessageContent.Location location -> {
                root.put("type", "location");
                ObjectNode node = root.putObject("location")
                        .put("latitude", location.latitude())
                        .put("longitude", location.longitude());
                putIfPresent(node, "name", location.name());
                putIfPresent(node, "address", location.address());
            }
            default ->
                throw SendFailure.carrierRejected(
                        "unsupported_content",
                        "WhatsApp cannot send " + send.content().getClass().getSimpleName() + " content",
                        0);
        }
        return root;
    }

    private static void media(ObjectNode root, MessageContent.Media media) throws SendFailure {
        if (media.items().size() > 1) {
            // One message carries one attachment; an MMS carrier can take several in one message.
            throw SendFailure.carrierRejected(
                    "media_unsupported",
                    "a WhatsApp message carries one attachment, not "
                            + media.items().size(),
                    0);
        }
        MediaItem item = media.items().getFirst();
        String type = mediaType(item);
        // A URL (ours, signed) goes as "link"; a file uploaded first (WhatsAppMedia.upload) has no URL and goes
        // by the id Meta gave it. A URL wins when both are set: a media id from another account or an inbound
        // webhook would not be this number's to send.
        ObjectNode node = root.put("type", type).putObject(type);
        if (item.url() != null) {
            node.put("link", item.url());
        } else if (item.carrierMediaId() != null) {
            // media uploaded to this account before: Meta names it by id
            node.put("id", item.carrierMediaId());
        } else {
            throw SendFailure.carrierRejected(
                    "media_unsupported", "the attachment has neither a URL nor a media id", 0);
        }
        // Audio and stickers take no caption: Meta refuses the field there, so it is left out.
        if (media.body() != null
                && !media.body().isBlank()
                && Set.of("image", "video", "document").contains(type)) {
            node.put("caption", media.body());
        }
        if ("document".equals(type) && item.filename() != null) {
            node.put("filename", item.filename());
        }
    }

    /**
     * The Cloud API media type for an attachment: from its declared content type, else its URL's extension.
     * Images must be JPEG or PNG, video MP4 or 3GPP, stickers WebP; anything else goes as a document, which
     * takes every type.
     */
    static String mediaType(MediaItem item) {
        String contentType = item.contentType() == null
                ? null
                : item.contentType().split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (contentType != null && !contentType.isEmpty()) {
            return switch (contentType) {
                case "image/jpeg", "image/png" -> "image";
                case "image/webp" -> "sticker";
                case "video/mp4", "video/3gpp" -> "video";
                case "audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg" -> "audio";
                default -> "document";
            };
        }
        return switch (extension(item.url())) {
            case "jpg", "jpeg", "png" -> "image";
            case "webp" -> "sticker";
            case "mp4", "3gp", "3gpp" -> "video";
            case "aac", "amr", "mp3", "m4a", "ogg", "opus" -> "audio";
            default -> "document";
        };
    }

    private static String extension(String url) {
        if (url == null) {
            return "";
        }
        String path;
        try {
            path = URI.create(url).getPath();
        } catch (IllegalArgumentException e) {
            return "";
        }
        if (path == null) {
            return "";
        }
        int slash = path.lastIndexOf('/');
        int dot = path.lastIndexOf('.');
        return dot > slash ? path.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
    }

    private void template(ObjectNode root, MessageContent.Template template, String language) throws SendFailure {
        if (template.templateId() == null || template.templateId().isBlank()) {
            throw SendFailure.carrierRejected("invalid_template", "a WhatsApp template needs the template's name", 0);
        }
        root.put("type", "template");
        ObjectNode node = root.putObject("template").put("name", template.templateId());
        node.putObject("language")
                .put("code", language == null || language.isBlank() ? defaultTemplateLanguage : language);
        Map<String, String> params = template.params();
        if (params.isEmpty()) {
            return;
        }
        ArrayNode parameters =
                node.putArray("components").addObject().put("type", "body").putArray("parameters");
        if (params.keySet().stream().allMatch(k -> k.matches("\\d+"))) {
            // {{1}}, {{2}}, ...: Meta fills them in array order, so "10" must follow "9", not "1".
            List<Map.Entry<String, String>> ordered = new ArrayList<>(params.entrySet());
            ordered.sort(Comparator.comparing(e -> new BigInteger(e.getKey())));
            ordered.forEach(e -> parameters.addObject().put("type", "text").put("text", e.getValue()));
        } else {
            // Templates created with parameter_format NAMED take each value by its name.
            params.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> parameters
                    .addObject()
                    .put("type", "text")
                    .put("parameter_name", e.getKey())
                    .put("text", e.getValue()));
        }
    }

    private static void interactive(ObjectNode root, MessageContent.Interactive interactive) throws SendFailure {
        List<MessageContent.Interactive.Button> buttons = interactive.buttons();
        if (buttons.isEmpty() || buttons.size() > MAX_BUTTONS) {
            throw SendFailure.carrierRejected(
                    "interactive_unsupported",
                    "WhatsApp reply buttons number 1 to " + MAX_BUTTONS + ", not " + buttons.size(),
                    0);
        }
        if (interactive.body().isEmpty() || interactive.body().length() > MAX_INTERACTIVE_BODY) {
            throw SendFailure.carrierRejected(
                    "interactive_unsupported",
                    "the text above WhatsApp reply buttons takes 1 to " + MAX_INTERACTIVE_BODY + " characters",
                    0);
        }
        for (MessageContent.Interactive.Button button : buttons) {
            if (button.title() == null
                    || button.title().isEmpty()
                    || button.title().codePointCount(0, button.title().length()) > MAX_BUTTON_TITLE) {
                throw SendFailure.carrierRejected(
                        "interactive_unsupported",
                        "a WhatsApp reply button title takes 1 to " + MAX_BUTTON_TITLE + " characters",
                        0);
            }
            if (button.id() == null || button.id().isEmpty() || button.id().length() > MAX_BUTTON_ID) {
                throw SendFailure.carrierRejected(
                        "interactive_unsupported",
                        "a WhatsApp reply button id takes 1 to " + MAX_BUTTON_ID + " characters",
                        0);
            }
        }
        root.put("type", "interactive");
        ObjectNode node = root.putObject("interactive").put("type", "button");
        node.putObject("body").put("text", interactive.body());
        ArrayNode array = node.putObject("action").putArray("buttons");
        for (MessageContent.Interactive.Button button : buttons) {
            array.addObject()
                    .put("type", "reply")
                    .putObject("reply")
                    .put("id", button.id())
                    .put("title", button.title());
        }
    }

    private static SendResult result(CarrierHttp.Response response) throws SendFailure {
        JsonNode message = response.json().path("messages").path(0);
        String id = message.path("id").asText(null);
        if (id == null || id.isBlank()) {
            // Retrying could send it twice; so could another carrier, but Meta said it took no message.
            throw SendFailure.carrierRejected(
                    "unreadable_answer", "the Cloud API answer names no messages[0].id", response.status());
        }
        // message_status appears on template sends Meta paces or holds ("held_for_quality_assessment").
        return new SendResult(id, message.path("message_status").asText("accepted"), null);
    }

    /** Meta's Graph API error classified for the pipeline; media uploads ({@link WhatsAppMedia}) answer the same way. */
    static SendFailure failure(CarrierHttp.Response response, Instant now) {
        Duration retryAfter = response.retryAfter(now);
        JsonNode error = response.json().path("error");
        if (!error.path("code").canConvertToInt()) {
            return SendFailure.fromHttpStatus(
                    response.status(),
                    "http_" + response.status(),
                    "the Cloud API answered " + response.status(),
                    retryAfter);
        }
        int code = error.path("code").asInt();
        String codeText = Integer.toString(code);
        String message = error.path("message").asText("error " + code);
        String details = error.path("error_data").path("details").asText(null);
        if (details != null && !details.isBlank() && !details.equals(message)) {
            message = message + ": " + details;
        }
        if (RETRYABLE.contains(code)) {
            return SendFailure.retryable(codeText, message, response.status(), retryAfter);
        }
        if (RECIPIENT_REJECTED.contains(code)) {
            return SendFailure.recipientRejected(codeText, message, response.status());
        }
        if (CARRIER_REJECTED.contains(code) || (code >= 200 && code <= 299) || (code >= 132000 && code <= 132999)) {
            return SendFailure.carrierRejected(codeText, message, response.status());
        }
        return SendFailure.fromHttpStatus(response.status(), codeText, message, retryAfter);
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null && !value.isBlank()) {
            node.put(field, value);
        }
    }
}
