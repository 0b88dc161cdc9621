package io.omniservice.carriers.livechat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.core.outbound.CarrierSender;
import io.omniservice.core.outbound.OutboundSend;
import io.omniservice.core.outbound.SendFailure;
import io.omniservice.core.outbound.SendResult;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Posts one event into a LiveChat chat through the Agent Chat Web API ({@code send_event}) and classifies
 * LiveChat's {@code {"error":{"type","message"}}} answers for the pipeline.
 */
final class LiveChatSender implements CarrierSender {
    /** Rich message buttons per element: 13 since API v3.3. */
    static final int MAX_BUTTONS = 13;

    /**
     * A {@code file} event must point at LiveChat's own CDN (what {@code upload_file} returns); any other URL
     * is refused with a validation error, so such attachments go as links in a message instead. The media
     * pipeline uploads each outbound file through {@link LiveChatMedia#upload} first, so an attachment normally
     * arrives here with its CDN URL in {@code url}.
     */
    private static final String LIVECHAT_CDN = "livechat-files.com";

    /** Errors worth waiting for: rate limiting, LiveChat's own outages and its 15 s internal timeout. */
    private static final Set<String> RETRYABLE =
            Set.of("too_many_requests", "internal", "service_unavailable", "request_timeout");
    /**
     * The chat cannot take the event and no other carrier can reach a LiveChat chat either: unknown chat,
     * no active thread (the customer left), a banned customer or an anonymized chat.
     */
    private static final Set<String> RECIPIENT_REJECTED =
            Set.of("not_found", "chat_inactive", "customer_banned", "chat_anonymized");
    /**
     * This account cannot send it: token invalid or expired, missing scope, the license in another region
     * or expired, a request LiveChat refuses as malformed.
     */
    private static final Set<String> CARRIER_REJECTED = Set.of(
            "authentication",
            "authorization",
            "missing_access",
            "validation",
            "entity_too_large",
            "license_expired",
            "license_not_found",
            "misdirected_request",
            "wrong_product_version",
            "unsupported_version",
            "requester_suspended",
            "agent_offline",
            "not_allowed",
            "limit_reached");

    private final URI endpoint;
    private final Map<String, String> headers;
    private final CarrierHttp http;
    private final Clock clock;

    /**
     * @param headers {@code Authorization} ({@code Bearer <OAuth token>}, or {@code Basic} of
     *     {@code accountId:personal access token}) and, when known, the {@code X-Region} of the account's data
     *     center
     */
    LiveChatSender(URI apiBaseUrl, String apiVersion, Map<String, String> headers, CarrierHttp http, Clock clock) {
        this.endpoint = URI.create(apiBaseUrl + "/v" + apiVersion + "/agent/action/send_event");
        this.headers = Map.copyOf(headers);
        this.http = http;
        this.clock = clock;
    }

    @Override
    public SendResult send(OutboundSend send) throws SendFailure {
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("chat_id", send.to());
        ObjectNode event = event(send.content());
        // custom_id comes back on the event in webhooks, so our own message can be told apart from an agent's.
        event.put("custom_id", send.messageId());
        request.set("event", event);
        byte[] body;
        try {
            body = Json.MAPPER.writeValueAsBytes(request);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings always serializes", e);
        }
        CarrierHttp.Response response = http.post(endpoint, headers, "application/json", body);
        if (!response.isSuccess()) {
            throw failure(response, clock.instant());
        }
        String eventId = response.json().path("event_id").asText(null);
        if (eventId == null || eventId.isBlank()) {
            throw SendFailure.carrierRejected(
                    "unreadable_answer", "the send_event answer names no event_id", response.status());
        }
        return new SendResult(eventId, "sent", null);
    }

    /** The event for one content; what a chat cannot show is refused before any call. */
    static ObjectNode event(MessageContent content) throws SendFailure {
        return switch (content) {
            case MessageContent.Text text -> message(text.body());
            case MessageContent.Media media -> media(media);
            case MessageContent.Interactive interactive -> interactive(interactive);
            case MessageContent.Template template ->
                // The pipeline renders templates to text for chat carriers; a raw one reaching here has no meaning.
                throw SendFailure.carrierRejected(
                        "template_unsupported", "LiveChat has no templates; send the rendered text", 0);
            default ->
                throw SendFailure.carrierRejected(
                        "unsupported_content",
                        "LiveChat cannot send " + content.getClass().getSimpleName() + " content",
                        0);
        };
    }

    private static ObjectNode message(String text) {
        return Json.MAPPER
                .createObjectNode()
                .put("type", "message")
                .put("text", text)
                .put("visibility", "all");
    }

    /**
     * A single file already on LiveChat's CDN, without a caption, becomes a {@code file} event. Anything
     * else becomes one message with the caption and the links, one a line: a file event takes no text and
     * no foreign URL, and two events would be two calls, one of which could fail after the other.
     */
    private static ObjectNode media(MessageContent.Media media) throws SendFailure {
        boolean captioned = media.body() != null && !media.body().isBlank();
        if (media.items().size() == 1
                && !captioned
                && onLiveChatCdn(media.items().getFirst().url())) {
            return Json.MAPPER
                    .createObjectNode()
                    .put("type", "file")
                    .put("url", media.items().getFirst().url())
                    .put("visibility", "all");
        }
        StringJoiner text = new StringJoiner("\n");
        if (captioned) {
            text.add(media.body());
        }
        for (MediaItem item : media.items()) {
            if (item.url() == null || item.url().isBlank()) {
                throw SendFailure.carrierRejected(
                        "media_unsupported", "LiveChat can only link attachments that have a URL", 0);
            }
            text.add(item.url());
        }
        return message(text.toString());
    }

    static boolean onLiveChatCdn(String url) {
        if (url == null) {
            return false;
        }
        try {
            URI uri = URI.create(url);
            String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
            return "https".equals(uri.getScheme()) && (host.equals(LIVECHAT_CDN) || host.endsWith("." + LIVECHAT_CDN));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Buttons as a {@code quick_replies} rich message; a click comes back as a message with their text. */
    private static ObjectNode interactive(MessageContent.Interactive interactive) throws SendFailure {
        List<MessageContent.Interactive.Button> buttons = interactive.buttons();
        if (buttons.isEmpty()) {
            return message(interactive.body());
        }
        if (buttons.size() > MAX_BUTTONS) {
            throw SendFailure.carrierRejected(
                    "interactive_unsupported",
                    "a LiveChat rich message takes up to " + MAX_BUTTONS + " buttons, not " + buttons.size(),
                    0);
        }
        ObjectNode event = Json.MAPPER
                .createObjectNode()
                .put("type", "rich_message")
                .put("template_id", "quick_replies")
                .put("visibility", "all");
        ObjectNode element = event.putArray("elements").addObject().put("title", interactive.body());
        ArrayNode array = element.putArray("buttons");
        for (MessageContent.Interactive.Button button : buttons) {
            array.addObject()
                    .put("type", "message")
                    .put("text", button.title())
                    // for "message" buttons the value is informative only: the click sends the button's text
                    .put("value", button.title())
                    .put("postback_id", button.id())
                    .putArray("user_ids");
        }
        return event;
    }

    /** LiveChat's error classified for the pipeline; {@code upload_file} ({@link LiveChatMedia}) answers the same way. */
    static SendFailure failure(CarrierHttp.Response response, Instant now) {
        Duration retryAfter = response.retryAfter(now);
        JsonNode error = response.json().path("error");
        String type = error.path("type").asText(null);
        if (type == null || type.isBlank()) {
            return SendFailure.fromHttpStatus(
                    response.status(),
                    "http_" + response.status(),
                    "the Agent Chat API answered " + response.status(),
                    retryAfter);
        }
        String message = error.path("message").asText(type);
        if (RETRYABLE.contains(type)) {
            return SendFailure.retryable(type, message, response.status(), retryAfter);
        }
        if (RECIPIENT_REJECTED.contains(type)) {
            return SendFailure.recipientRejected(type, message, response.status());
        }
        if (CARRIER_REJECTED.contains(type)) {
            return SendFailure.carrierRejected(type, message, response.status());
        }
        return SendFailure.fromHttpStatus(response.status(), type, message, retryAfter);
    }
}
