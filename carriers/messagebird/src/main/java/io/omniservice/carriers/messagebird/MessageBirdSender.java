package io.omniservice.carriers.messagebird;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.core.outbound.CarrierSender;
import io.omniservice.core.outbound.OutboundSend;
import io.omniservice.core.outbound.SendFailure;
import io.omniservice.core.outbound.SendResult;
import io.omniservice.core.outbound.SmsSegments;
import java.net.URI;
import java.net.URLConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One MessageBird account's outbound side. Without a channel: SMS through the REST API
 * ({@code POST /messages}) and media as MMS ({@code POST /mms}, US and Canada only). With a Conversations
 * channel ({@code channelId}): every message through {@code POST /v1/send} of the Conversations API.
 * Errors are MessageBird's {@code {"errors":[{code, description, parameter}]}}, classified for the pipeline.
 */
final class MessageBirdSender implements CarrierSender {
    private static final Pattern MSISDN = Pattern.compile("\\+?[0-9]{6,15}");

    /** REST API error codes after which another carrier may still do it: auth, not found, bad request, balance. */
    private static final Set<String> CARRIER_CODES = Set.of("2", "20", "21", "25");

    /** Missing or invalid parameter: the recipient's fault when the parameter is the recipient. */
    private static final Set<String> PARAMETER_CODES = Set.of("9", "10");

    private static final Set<String> RECIPIENT_PARAMETERS = Set.of("recipient", "recipients", "to");

    /** Internal error at MessageBird: the same request may pass later. */
    private static final String INTERNAL_ERROR = "99";

    private final CarrierHttp http;
    private final Clock clock;
    private final URI restBaseUrl;
    private final URI conversationsBaseUrl;
    private final String authorization;
    private final String originator;
    private final String channelId;

    /**
     * @param originator the default SMS sender (number or alphanumeric); may be null when {@code channelId} is set
     * @param channelId a Conversations API channel; when set, every send goes through the Conversations API
     */
    MessageBirdSender(
            CarrierHttp http,
            Clock clock,
            URI restBaseUrl,
            URI conversationsBaseUrl,
            String accessKey,
            String originator,
            String channelId) {
        this.http = Objects.requireNonNull(http, "http");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.restBaseUrl = Objects.requireNonNull(restBaseUrl, "restBaseUrl");
        this.conversationsBaseUrl = Objects.requireNonNull(conversationsBaseUrl, "conversationsBaseUrl");
        this.authorization = "AccessKey " + Objects.requireNonNull(accessKey, "accessKey");
        this.originator = originator;
        this.channelId = channelId;
        if (originator == null && channelId == null) {
            throw new IllegalArgumentException("a MessageBird sender needs an originator or a channel");
        }
    }

    @Override
    public SendResult send(OutboundSend send) throws SendFailure {
        return channelId != null ? sendConversation(send) : sendSmsOrMms(send);
    }

    // --- REST API: SMS and MMS ---

    private SendResult sendSmsOrMms(OutboundSend send) throws SendFailure {
        String sender = send.from() != null ? send.from() : originator;
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("originator", msisdnOrName(sender));
        request.putArray("recipients").add(recipient(send.to()));
        switch (send.content()) {
            case MessageContent.Text text -> {
                request.put("body", text.body());
                request.put("reference", send.messageId());
                if (send.statusCallbackUrl() != null) {
                    request.put("reportUrl", send.statusCallbackUrl().toString());
                }
                // MessageBird picks GSM-7 or Unicode by the text, as our segment count does
                request.put("datacoding", "auto");
                JsonNode answer = post(URI.create(restBaseUrl + "/messages"), request);
                return restResult(answer, SmsSegments.of(text.body()).segments());
            }
            case MessageContent.Media media -> {
                if (!send.to().startsWith("+1")) {
                    throw SendFailure.carrierRejected(
                            "media_unsupported", "MessageBird sends MMS only to the US and Canada", 0);
                }
                if (media.body() != null && !media.body().isBlank()) {
                    request.put("body", media.body());
                }
                var urls = request.putArray("mediaUrls");
                for (MediaItem item : media.items()) {
                    urls.add(url(item));
                }
                request.put("reference", send.messageId());
                JsonNode answer = post(URI.create(restBaseUrl + "/mms"), request);
                return restResult(answer, null);
            }
            default -> throw unsupported(send.content());
        }
    }

    /** A 201 of {@code /messages} or {@code /mms}: the id, and the first recipient's status. */
    private static SendResult restResult(JsonNode answer, Integer countedSegments) throws SendFailure {
        String id = id(answer);
        JsonNode first = answer.path("recipients").path("items").path(0);
        String status = first.path("status").asText("sent");
        Integer segments = countedSegments;
        if (countedSegments != null && first.path("messagePartCount").canConvertToInt()) {
            // MessageBird's own count where it gives one
            int parts = first.path("messagePartCount").asInt();
            segments = parts > 0 ? parts : countedSegments;
        }
        return new SendResult(id, status, segments);
    }

    /** REST API recipients are MSISDNs: the E.164 digits without '+'. */
    private static String recipient(String to) throws SendFailure {
        if (!MSISDN.matcher(to).matches()) {
            throw SendFailure.recipientRejected(
                    "invalid_recipient", "MessageBird SMS needs an international phone number", 0);
        }
        return to.startsWith("+") ? to.substring(1) : to;
    }

    /** A numeric originator is written like a recipient; an alphanumeric one as it is. */
    private static String msisdnOrName(String sender) {
        return sender.startsWith("+") && MSISDN.matcher(sender).matches() ? sender.substring(1) : sender;
    }

    // --- Conversations API ---

    private SendResult sendConversation(OutboundSend send) throws SendFailure {
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("to", send.to());
        // the channel is the sender on the Conversations API; a number named on the message has no meaning here
        request.put("from", channelId);
        switch (send.content()) {
            case MessageContent.Text text -> {
                request.put("type", "text");
                request.putObject("content").put("text", text.body());
            }
            case MessageContent.Media media -> {
                if (media.items().size() != 1) {
                    throw SendFailure.carrierRejected(
                            "media_limit", "the Conversations API sends one attachment per message", 0);
                }
                MediaItem item = media.items().getFirst();
                String type = mediaType(item);
                request.put("type", type);
                ObjectNode attachment =
                        request.putObject("content").putObject(type).put("url", url(item));
                if (media.body() != null && !media.body().isBlank()) {
                    if (type.equals("audio")) {
                        throw SendFailure.carrierRejected(
                                "caption_unsupported", "the Conversations API takes no caption on audio", 0);
                    }
                    attachment.put("caption", media.body());
                }
            }
            default -> throw unsupported(send.content());
        }
        if (send.statusCallbackUrl() != null) {
            request.put("reportUrl", send.statusCallbackUrl().toString());
        }
        JsonNode answer = post(URI.create(conversationsBaseUrl + "/v1/send"), request);
        return new SendResult(id(answer), answer.path("status").asText("accepted"), null);
    }

    /** Conversations content types for media: image, video, audio, or file for anything else. */
    private static String mediaType(MediaItem item) {
        String contentType = item.contentType();
        if (contentType == null && item.url() != null) {
            contentType = URLConnection.guessContentTypeFromName(
                    URI.create(item.url()).getPath());
        }
        if (contentType == null) {
            return "file";
        }
        String major = contentType.toLowerCase(Locale.ROOT);
        if (major.startsWith("image/")) {
            return "image";
        }
        if (major.startsWith("video/")) {
            return "video";
        }
        if (major.startsWith("audio/")) {
            return "audio";
        }
        return "file";
    }

    // --- shared ---

    private static String url(MediaItem item) throws SendFailure {
        if (item.url() == null) {
            // MessageBird fetches media itself: an id from another carrier is of no use to it
            throw SendFailure.carrierRejected(
                    "media_unsupported", "MessageBird needs a public URL for every media item", 0);
        }
        return item.url();
    }

    private static SendFailure unsupported(MessageContent content) {
        return switch (content) {
            case MessageContent.Template ignored ->
                SendFailure.carrierRejected(
                        "template_unsupported",
                        "MessageBird templates are not configured here; render the template to text first",
                        0);
            case MessageContent.Interactive ignored ->
                SendFailure.carrierRejected(
                        "interactive_unsupported", "MessageBird has no buttons here; degrade to text first", 0);
            default ->
                SendFailure.carrierRejected(
                        "content_unsupported",
                        "MessageBird cannot send "
                                + content.getClass().getSimpleName().toLowerCase(Locale.ROOT) + " content",
                        0);
        };
    }

    private JsonNode post(URI uri, ObjectNode request) throws SendFailure {
        byte[] body;
        try {
            body = Json.MAPPER.writeValueAsBytes(request);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
        CarrierHttp.Response response =
                http.post(uri, Map.of("Authorization", authorization), "application/json; charset=UTF-8", body);
        if (!response.isSuccess()) {
            throw failure(response);
        }
        return response.json();
    }

    private static String id(JsonNode answer) throws SendFailure {
        String id = answer.path("id").asText(null);
        if (id == null || id.isBlank()) {
            // MessageBird may have taken it: failing over could send it twice, retrying here likewise
            throw SendFailure.carrierRejected("unreadable_answer", "MessageBird accepted without a message id", 0);
        }
        return id;
    }

    private SendFailure failure(CarrierHttp.Response response) {
        JsonNode error = response.json().path("errors").path(0);
        int status = response.status();
        String code = error.path("code").isValueNode() ? error.path("code").asText() : "http_" + status;
        String parameter =
                error.path("parameter").isTextual() ? error.path("parameter").asText() : null;
        String message = error.path("description").asText("MessageBird answered HTTP " + status)
                + (parameter != null ? " (parameter: " + parameter + ")" : "");
        Duration retryAfter = response.retryAfter(clock.instant());
        if (status == 429 || INTERNAL_ERROR.equals(code)) {
            return SendFailure.retryable(code, message, status, retryAfter);
        }
        if (PARAMETER_CODES.contains(code)) {
            return parameter != null && RECIPIENT_PARAMETERS.contains(parameter)
                    ? SendFailure.recipientRejected(code, message, status)
                    : SendFailure.carrierRejected(code, message, status);
        }
        if (CARRIER_CODES.contains(code)) {
            return SendFailure.carrierRejected(code, message, status);
        }
        return SendFailure.fromHttpStatus(status, code, message, retryAfter);
    }
}
