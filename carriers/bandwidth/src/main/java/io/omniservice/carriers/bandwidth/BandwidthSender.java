package io.omniservice.carriers.bandwidth;

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
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Sends SMS/MMS through Bandwidth Messaging v2 createMessage: {@code POST /api/v2/users/{accountId}/messages}
 * with basic auth and {@code {applicationId, to:[...], from, text, media:[...], tag}}. Bandwidth queues the message
 * and answers 202 with its {@code id} and {@code segmentCount}; delivery is reported later by callbacks, which
 * carry our message id back in {@code tag}.
 *
 * <p>Errors (dev.bandwidth.com/v2-messaging/codes.html and Bandwidth/api-docs {@code messaging/errors/httpErrors.md})
 * are {@code {type, description, fieldErrors?:[{fieldName, description}]}}: 400 {@code request-validation} names
 * the refused field — {@code to} means the recipient, anything else our request; 401 {@code unauthorized} and 403
 * {@code forbidden} mean this account cannot send; 429 (e.g. {@code max-message-queue-size-exceeded}) and 5xx are
 * worth retrying.
 *
 * <p>A class rather than a record: a record's accessors and {@code toString} would expose the API password.
 */
final class BandwidthSender implements CarrierSender {
    private static final String CONTENT_TYPE = "application/json; charset=utf-8";

    private final URI messagesUri;
    private final String authorization;
    private final String applicationId;
    private final String from;
    private final CarrierHttp http;
    private final Clock clock;

    BandwidthSender(
            URI apiBaseUrl,
            String accountId,
            String apiUsername,
            String apiPassword,
            String applicationId,
            String from,
            CarrierHttp http,
            Clock clock) {
        this.messagesUri = URI.create(apiBaseUrl + "/api/v2/users/" + accountId + "/messages");
        this.authorization = CarrierHttp.basicAuth(apiUsername, apiPassword);
        this.applicationId = Objects.requireNonNull(applicationId, "applicationId");
        this.from = Objects.requireNonNull(from, "from");
        this.http = Objects.requireNonNull(http, "http");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public SendResult send(OutboundSend send) throws SendFailure {
        byte[] body = requestBody(send);
        CarrierHttp.Response response =
                http.post(messagesUri, Map.of("Authorization", authorization), CONTENT_TYPE, body);
        if (!response.isSuccess()) {
            throw failure(response);
        }
        JsonNode answer = response.json();
        // Bandwidth always names the message; should it not, the callbacks still carry our id in `tag`.
        String id = text(answer, "id", send.messageId());
        JsonNode segmentCount = answer.path("segmentCount");
        Integer segments = segmentCount.canConvertToInt() ? segmentCount.asInt() : null;
        return new SendResult(id, "accepted", segments);
    }

    private byte[] requestBody(OutboundSend send) throws SendFailure {
        String to = PhoneNumber.e164(send.to());
        if (to == null || !send.to().trim().startsWith("+")) {
            throw SendFailure.recipientRejected(
                    "invalid_destination", "Bandwidth sends to E.164 phone numbers only", 0);
        }
        SmsContent sms = SmsContent.of(send.content(), "Bandwidth");
        String text = sms.text();
        List<String> media = sms.mediaUrls();
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("applicationId", applicationId);
        request.putArray("to").add(to);
        request.put("from", send.from() != null ? send.from() : from);
        if (text != null && !text.isEmpty()) {
            request.put("text", text);
        }
        if (!media.isEmpty()) {
            ArrayNode urls = request.putArray("media");
            media.forEach(urls::add);
        }
        request.put("tag", send.messageId());
        try {
            return Json.MAPPER.writeValueAsBytes(request);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    private SendFailure failure(CarrierHttp.Response response) {
        int status = response.status();
        JsonNode error = response.json();
        String type = text(error, "type", "http_" + status);
        String description = text(error, "description", "Bandwidth answered HTTP " + status);
        List<String> fields = new ArrayList<>();
        StringBuilder message = new StringBuilder(description);
        for (JsonNode fieldError : error.path("fieldErrors")) {
            String field = fieldError.path("fieldName").asText("");
            fields.add(field);
            message.append("; ")
                    .append(field)
                    .append(": ")
                    .append(fieldError.path("description").asText(""));
        }
        if (status == 400) {
            // Only a refused `to` is about the person; every other field (from, applicationId, media) is ours.
            boolean recipient =
                    fields.stream().anyMatch(f -> f.equals("to") || f.startsWith("to[") || f.startsWith("to."));
            return recipient
                    ? SendFailure.recipientRejected(type, message.toString(), status)
                    : SendFailure.carrierRejected(type, message.toString(), status);
        }
        if (status == 401 || status == 403) {
            return SendFailure.carrierRejected(type, message.toString(), status);
        }
        Duration retryAfter = response.retryAfter(clock.instant());
        if (status == 429 || status >= 500) {
            return SendFailure.retryable(type, message.toString(), status, retryAfter);
        }
        return SendFailure.fromHttpStatus(status, type, message.toString(), retryAfter);
    }

    private static String text(JsonNode node, String field, String fallback) {
        JsonNode value = node.path(field);
        return value.isTextual() && !value.asText().isBlank() ? value.asText() : fallback;
    }
}
