package io.omniservice.carriers.twilio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One Twilio account's outbound side: a message as a form POST to the Messages resource
 * ({@code /2010-04-01/Accounts/{AccountSid}/Messages.json}), Twilio's 201 answer read into a
 * {@link SendResult}, and Twilio's error codes classified for the pipeline.
 */
final class TwilioSender implements CarrierSender {
    /** Twilio's documented limit of media per message. */
    static final int MAX_MEDIA = 10;

    /** Content templates are Content API resources: SID prefix HX and 32 hex digits. */
    private static final Pattern CONTENT_SID = Pattern.compile("HX[0-9a-fA-F]{32}");

    private static final String WHATSAPP_PREFIX = "whatsapp:";

    /** Codes after which another carrier will not do better: the recipient cannot or will not receive. */
    private static final Set<String> RECIPIENT_CODES = Set.of(
            "21211", // invalid 'To' phone number
            "21610", // recipient replied STOP to this sender
            "21614", // 'To' is not a mobile number
            "21635", // 'To' is a landline where Twilio does not try landlines
            "30003", // unreachable destination handset
            "30005", // unknown destination handset
            "30006"); // landline or unreachable carrier

    /** Codes that say this account cannot carry the message, though another carrier may. */
    private static final Set<String> CARRIER_CODES = Set.of(
            "20003", // authentication failed: our credentials
            "21408", // no permission to send to this region
            "21606", // 'From' is not a message-capable number of this account
            "21608", // trial account: 'To' not verified
            "21612", // Twilio cannot route between this 'From' and 'To'
            "30007", // filtered by the destination carrier
            "63016"); // WhatsApp outside the 24-hour window: only a template would go

    /** Twilio's own throttling: the same request is accepted later. */
    private static final Set<String> RETRYABLE_CODES = Set.of(
            "20429", // too many requests
            "21611", // the sender's queue holds more than 10 hours of messages
            "63017"); // account-wide messages-per-second limit

    private final CarrierHttp http;
    private final Clock clock;
    private final URI messagesUri;
    private final String authorization;
    private final String from;
    private final String messagingServiceSid;

    /**
     * @param authUser the API key SID when one is configured, else the account SID
     * @param authSecret the API key secret, else the auth token
     * @param from the account's default sender (number, short code, alphanumeric or {@code whatsapp:+...}); may be null
     * @param messagingServiceSid used when no sender is named; may be null when {@code from} is set
     */
    TwilioSender(
            CarrierHttp http,
            Clock clock,
            URI apiBaseUrl,
            String accountSid,
            String authUser,
            String authSecret,
            String from,
            String messagingServiceSid) {
        this.http = Objects.requireNonNull(http, "http");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.messagesUri = URI.create(apiBaseUrl + "/2010-04-01/Accounts/" + accountSid + "/Messages.json");
        this.authorization = CarrierHttp.basicAuth(authUser, authSecret);
        this.from = from;
        this.messagingServiceSid = messagingServiceSid;
        if (from == null && messagingServiceSid == null) {
            throw new IllegalArgumentException("a Twilio sender needs a From number or a Messaging Service");
        }
    }

    @Override
    public SendResult send(OutboundSend send) throws SendFailure {
        Form form = new Form();
        String sender = send.from() != null ? send.from() : from;
        form.add("To", recipient(send.to(), sender));
        if (sender != null) {
            form.add("From", sender);
        } else {
            form.add("MessagingServiceSid", messagingServiceSid);
        }
        String smsText = addContent(form, send.content());
        if (send.statusCallbackUrl() != null) {
            form.add("StatusCallback", send.statusCallbackUrl().toString());
        }
        CarrierHttp.Response response = http.post(
                messagesUri,
                Map.of("Authorization", authorization),
                "application/x-www-form-urlencoded; charset=UTF-8",
                form.encode());
        if (!response.isSuccess()) {
            throw failure(response);
        }
        return result(response, isWhatsApp(sender) ? null : smsText);
    }

    /** WhatsApp through Twilio wants both addresses prefixed; a plain E.164 recipient gets the sender's channel. */
    private static String recipient(String to, String sender) {
        if (isWhatsApp(sender) && !isWhatsApp(to)) {
            return WHATSAPP_PREFIX + to;
        }
        return to;
    }

    private static boolean isWhatsApp(String address) {
        return address != null && address.startsWith(WHATSAPP_PREFIX);
    }

    /**
     * Adds the content fields.
     *
     * @return the text sent as {@code Body}, to count segments by when Twilio does not; null for templates
     */
    private static String addContent(Form form, MessageContent content) throws SendFailure {
        switch (content) {
            case MessageContent.Text text -> {
                form.add("Body", text.body());
                return text.body();
            }
            case MessageContent.Media media -> {
                if (media.items().size() > MAX_MEDIA) {
                    throw SendFailure.carrierRejected(
                            "media_limit", "Twilio takes at most " + MAX_MEDIA + " media per message", 0);
                }
                if (media.body() != null && !media.body().isBlank()) {
                    form.add("Body", media.body());
                }
                for (MediaItem item : media.items()) {
                    if (item.url() == null) {
                        // Twilio fetches media itself: an id from another carrier is of no use to it
                        throw SendFailure.carrierRejected(
                                "media_unsupported", "Twilio needs a public URL for every media item", 0);
                    }
                    form.add("MediaUrl", item.url());
                }
                return null;
            }
            case MessageContent.Template template -> {
                if (template.templateId() == null
                        || !CONTENT_SID.matcher(template.templateId()).matches()) {
                    throw SendFailure.carrierRejected(
                            "template_unsupported",
                            "Twilio sends templates as Content SIDs (HX...); this template has no Content SID",
                            0);
                }
                // Twilio refuses Body and MediaUrl beside a ContentSid: the template carries the text
                form.add("ContentSid", template.templateId());
                if (!template.params().isEmpty()) {
                    form.add("ContentVariables", contentVariables(template.params()));
                }
                return null;
            }
            case MessageContent.Interactive ignored ->
                throw SendFailure.carrierRejected(
                        "interactive_unsupported",
                        "Twilio sends buttons only as Content templates; degrade to text before sending",
                        0);
            default ->
                throw SendFailure.carrierRejected(
                        "content_unsupported", "Twilio cannot send " + kind(content) + " content", 0);
        }
    }

    private static String kind(MessageContent content) {
        return content.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }

    private static String contentVariables(Map<String, String> params) throws SendFailure {
        try {
            // sorted, so the same template sends the same bytes
            return Json.MAPPER.writeValueAsString(new TreeMap<>(params));
        } catch (JsonProcessingException e) {
            throw SendFailure.carrierRejected("template_unsupported", "template parameters are not JSON-encodable", 0);
        }
    }

    private static SendResult result(CarrierHttp.Response response, String smsText) throws SendFailure {
        JsonNode answer = response.json();
        String sid = answer.path("sid").asText(null);
        if (sid == null || sid.isBlank()) {
            // Twilio may have taken it: failing over could send it twice, retrying here likewise
            throw SendFailure.carrierRejected(
                    "unreadable_answer", "Twilio answered " + response.status() + " without a message sid", 0);
        }
        String status = answer.path("status").asText("queued");
        return new SendResult(sid, status, segments(answer.path("num_segments"), smsText));
    }

    /**
     * Twilio's {@code num_segments} is a string, and {@code 0} while a Messaging Service has not yet picked a
     * sender; then the text's own count stands in.
     */
    private static Integer segments(JsonNode numSegments, String smsText) {
        try {
            int reported = Integer.parseInt(numSegments.asText(""));
            if (reported > 0) {
                return reported;
            }
        } catch (NumberFormatException notReported) {
            // fall through to counting
        }
        return smsText == null ? null : SmsSegments.of(smsText).segments();
    }

    private SendFailure failure(CarrierHttp.Response response) {
        JsonNode error = response.json();
        String code = error.path("code").isMissingNode() || error.path("code").isNull()
                ? "http_" + response.status()
                : error.path("code").asText();
        String message = error.path("message").asText("Twilio answered HTTP " + response.status());
        Duration retryAfter = response.retryAfter(clock.instant());
        if (response.status() == 429 || RETRYABLE_CODES.contains(code)) {
            return SendFailure.retryable(code, message, response.status(), retryAfter);
        }
        if (RECIPIENT_CODES.contains(code)) {
            return SendFailure.recipientRejected(code, message, response.status());
        }
        if (CARRIER_CODES.contains(code)) {
            return SendFailure.carrierRejected(code, message, response.status());
        }
        return SendFailure.fromHttpStatus(response.status(), code, message, retryAfter);
    }

    /** An application/x-www-form-urlencoded body in insertion order; names repeat for lists (MediaUrl). */
    private static final class Form {
        private final List<String> pairs = new ArrayList<>();

        void add(String name, String value) {
            pairs.add(URLEncoder.encode(name, StandardCharsets.UTF_8) + "="
                    + URLEncoder.encode(value, StandardCharsets.UTF_8));
        }

        byte[] encode() {
            return String.join("&", pairs).getBytes(StandardCharsets.UTF_8);
        }
    }
}
