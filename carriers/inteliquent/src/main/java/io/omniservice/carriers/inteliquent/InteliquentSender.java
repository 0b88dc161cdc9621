package io.omniservice.carriers.inteliquent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.PhoneNumber;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.core.outbound.CarrierSender;
import io.omniservice.core.outbound.OutboundSend;
import io.omniservice.core.outbound.SendFailure;
import io.omniservice.core.outbound.SendResult;
import io.omniservice.core.outbound.SmsContent;
import io.omniservice.core.outbound.SmsSegments;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Sends SMS/MMS through Inteliquent's message broker: {@code POST /msgbroker/rest/publishMessages} with
 * {@code Authorization: Bearer <outbound API key>} and {@code {from, to:[...], text, mediaUrls:[...]}}, numbers as
 * 11-digit NANP digits without {@code +}. The broker only carries North American numbers, so any other recipient
 * is refused here without a call.
 *
 * <p>The answer, as Inteliquent's Services API 2.0.0 describes it (model {@code ResponsePublishMessage} of the
 * OpenAPI document, seen in github.com/ooglek/inteliquent-sdk-php {@code docs/Model/ResponsePublishMessage*.md}):
 * {@code {success, reason, detail, result: {referenceId, from, text, mediaUrls, messageType,
 * resultResponses: [{to, status}]}}}. {@code result.referenceId} is the carrier message id (the inbound webhook's
 * delivery receipts name it too); when an answer has none, our own message id stands in, so the message is still
 * recorded as accepted rather than sent twice. The carrier status is the first recipient's {@code status}, or
 * {@code accepted}. No example body and no error vocabulary are published: a 2xx with {@code success:false} is
 * read as a refusal, and an error's {@code reason}/{@code detail} (or the Services API gateway's
 * {@code statusCode}/{@code message}) become the failure's code and message. A 400 whose text says the
 * destination/recipient is invalid is the recipient's fault; every other 400 is our request's.
 *
 * <p>A class rather than a record: a record's accessors and {@code toString} would expose the API key.
 */
final class InteliquentSender implements CarrierSender {
    private static final String CONTENT_TYPE = "application/json";
    private static final Pattern NANP_E164 = Pattern.compile("\\+1[2-9]\\d{9}");
    private static final Pattern NAMES_RECIPIENT =
            Pattern.compile("(?i)destination|recipient|\\bto (number|tn|parameter|field)\\b|['\"\\[]to['\"\\]]");
    private static final Pattern SAYS_INVALID =
            Pattern.compile("(?i)invalid|not valid|not a valid|unsupported|not supported|unreachable");

    private final URI publishUri;
    private final String authorization;
    private final String from;
    private final CarrierHttp http;
    private final Clock clock;

    /**
     * @param from the account's default sender in the broker's 11-digit form ({@code 14155550199})
     */
    InteliquentSender(URI apiBaseUrl, String outboundApiKey, String from, CarrierHttp http, Clock clock) {
        this.publishUri = URI.create(apiBaseUrl + "/msgbroker/rest/publishMessages");
        this.authorization = "Bearer " + Objects.requireNonNull(outboundApiKey, "outboundApiKey");
        this.from = Objects.requireNonNull(from, "from");
        this.http = Objects.requireNonNull(http, "http");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** {@code +14155550199}, {@code 14155550199} or {@code 4155550199} as {@code 14155550199}; null if not NANP. */
    static String brokerNumber(String raw) {
        if (raw == null) {
            return null;
        }
        String trimmed = raw.trim();
        String digits = trimmed.startsWith("+") ? trimmed.substring(1) : trimmed;
        if (!trimmed.startsWith("+") && digits.length() == 10) {
            digits = "1" + digits;
        }
        String e164 = PhoneNumber.e164("+" + digits);
        return e164 != null && NANP_E164.matcher(e164).matches() ? e164.substring(1) : null;
    }

    @Override
    public SendResult send(OutboundSend send) throws SendFailure {
        String to = PhoneNumber.e164(send.to());
        if (to == null
                || !send.to().trim().startsWith("+")
                || !NANP_E164.matcher(to).matches()) {
            throw SendFailure.recipientRejected(
                    "unsupported_destination", "the Inteliquent message broker carries North American numbers only", 0);
        }
        String sender = from;
        if (send.from() != null) {
            sender = brokerNumber(send.from());
            if (sender == null) {
                throw SendFailure.carrierRejected(
                        "invalid_from", "the Inteliquent sender must be a North American number of the account", 0);
            }
        }
        SmsContent sms = SmsContent.of(send.content(), "Inteliquent");
        String text = sms.text();
        List<String> media = sms.mediaUrls();

        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("from", sender);
        request.putArray("to").add(to.substring(1));
        if (text != null && !text.isEmpty()) {
            request.put("text", text);
        }
        if (!media.isEmpty()) {
            ArrayNode urls = request.putArray("mediaUrls");
            media.forEach(urls::add);
        }
        CarrierHttp.Response response =
                http.post(publishUri, Map.of("Authorization", authorization), CONTENT_TYPE, bytes(request));

        JsonNode answer = response.json();
        if (!response.isSuccess()) {
            throw failure(response.status(), answer, response.text(), response.retryAfter(clock.instant()));
        }
        if (answer.path("success").isBoolean() && !answer.path("success").asBoolean()) {
            // A 2xx that says it failed is a refusal of the request as it stands, read like a 400.
            throw failure(400, answer, response.text(), null);
        }
        JsonNode result = answer.path("result");
        String referenceId = text(result, "referenceId", text(answer, "referenceId", send.messageId()));
        String status = text(result.path("resultResponses").path(0), "status", "accepted");
        Integer segments =
                media.isEmpty() ? SmsSegments.of(text == null ? "" : text).segments() : null;
        return new SendResult(referenceId, status, segments);
    }

    private static SendFailure failure(int status, JsonNode error, String raw, Duration retryAfter) {
        String code = text(error, "reason", text(error, "statusCode", "http_" + status));
        String message = describe(error, raw, status);
        if (status == 401 || status == 403) {
            return SendFailure.carrierRejected(code, message, status);
        }
        if (status == 400) {
            boolean recipient = NAMES_RECIPIENT.matcher(message).find()
                    && SAYS_INVALID.matcher(message).find();
            return recipient
                    ? SendFailure.recipientRejected(code, message, status)
                    : SendFailure.carrierRejected(code, message, status);
        }
        if (status == 429 || status >= 500) {
            return SendFailure.retryable(code, message, status, retryAfter);
        }
        return SendFailure.fromHttpStatus(status, code, message, retryAfter);
    }

    /** The broker's reason and detail, the gateway's message, or the start of whatever else it answered. */
    private static String describe(JsonNode error, String raw, int status) {
        List<String> parts = new ArrayList<>();
        for (String field : List.of("reason", "detail", "message", "status")) {
            String value = text(error, field, null);
            if (value != null && !parts.contains(value)) {
                parts.add(value);
            }
        }
        if (!parts.isEmpty()) {
            return String.join(": ", parts);
        }
        String body = raw == null ? "" : raw.strip();
        if (body.isEmpty()) {
            return "Inteliquent answered HTTP " + status;
        }
        return body.length() > 300 ? body.substring(0, 300) + "…" : body;
    }

    private static byte[] bytes(ObjectNode request) {
        try {
            return Json.MAPPER.writeValueAsString(request).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    private static String text(JsonNode node, String field, String fallback) {
        JsonNode value = node.path(field);
        return value.isValueNode() && !value.asText().isBlank() ? value.asText() : fallback;
    }
}
