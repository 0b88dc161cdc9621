package io.omniservice.carriers.messagebird;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.InMemoryReplayGuard;
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
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MessageBird's REST API (SMS {@code /messages}, MMS {@code /mms}) and Conversations API ({@code /v1/send})
 * played by WireMock. Answers follow MessageBird's documentation (https://developers.messagebird.com/api/sms-messaging,
 * /api/mms-messaging, /api/conversations) and the test data of messagebird/go-rest-api
 * ({@code sms/testdata/messageObject.json}, {@code mms/testdata/mmsMessageObject.json},
 * {@code conversation/testdata/messageSendResponse.json}, {@code sms/testdata/messageNotFound.json}).
 */
class MessageBirdSenderTest {
    private static final String ACCESS_KEY = "test_gshuPaZoeEG6ovbc8M79w0QyM";
    private static final String CHANNEL_ID = "619747f69cf940a98fb443140ce9aed2";
    private static final URI REPORT_URL = URI.create("https://gw.example.com/webhooks/messagebird/default");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T12:00:00Z"), ZoneOffset.UTC);

    private static WireMockServer messagebird;

    @BeforeAll
    static void startMessageBird() {
        messagebird = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        messagebird.start();
    }

    @AfterAll
    static void stopMessageBird() {
        messagebird.stop();
    }

    @BeforeEach
    void forgetRequests() {
        messagebird.resetAll();
    }

    // --- SMS ---

    @Test
    void textIsOneSmsPostWithAccessKey() throws Exception {
        answer("/messages", 201, SMS_CREATED);

        SendResult result = sms().send(send("+31612345678", new MessageContent.Text("Hello World")));

        LoggedRequest request = onlyRequest("/messages");
        assertThat(request.getMethod().getName()).isEqualTo("POST");
        assertThat(request.getHeader("Authorization")).isEqualTo("AccessKey " + ACCESS_KEY);
        assertThat(request.getHeader("Content-Type")).startsWith("application/json");
        assertThat(json(request)).isEqualTo(Json.MAPPER.readTree("""
                        {"originator": "TestName", "recipients": ["31612345678"], "body": "Hello World",
                         "reference": "msg-1", "reportUrl": "https://gw.example.com/webhooks/messagebird/default",
                         "datacoding": "auto"}
                        """));
        assertThat(result).isEqualTo(new SendResult("6fe65f90454aa61536e6a88b88972670", "sent", 1));
    }

    @Test
    void numericSenderOnTheMessageIsWrittenWithoutPlus() throws Exception {
        answer("/messages", 201, SMS_CREATED);

        sms().send(new OutboundSend(
                "msg-1", "+31612345678", "+31970102601", new MessageContent.Text("hi"), null, null));

        JsonNode body = json(onlyRequest("/messages"));
        assertThat(body.path("originator").asText()).isEqualTo("31970102601");
        assertThat(body.has("reportUrl")).isFalse();
    }

    @Test
    void segmentsAreCountedWhenMessageBirdGivesNoPartCount() throws Exception {
        answer("/messages", 201, SMS_CREATED.replace("\"messagePartCount\": 1,", ""));

        SendResult result = sms().send(send("+31612345678", new MessageContent.Text("ж".repeat(71))));

        assertThat(result.segments()).as("UCS-2 over 70 characters").isEqualTo(2);
    }

    @Test
    void mediaToNorthAmericaIsSentAsMms() throws Exception {
        answer("/mms", 201, MMS_CREATED);
        MessageContent media = new MessageContent.Media(
                "Hello World",
                List.of(
                        MediaItem.url("http://w3.org/1.gif", "image/gif"),
                        MediaItem.url("http://w3.org/2.gif", "image/gif")));

        SendResult result = sms().send(send("+14155550100", media));

        LoggedRequest request = onlyRequest("/mms");
        assertThat(request.getHeader("Authorization")).isEqualTo("AccessKey " + ACCESS_KEY);
        assertThat(json(request)).isEqualTo(Json.MAPPER.readTree("""
                        {"originator": "TestName", "recipients": ["14155550100"], "body": "Hello World",
                         "mediaUrls": ["http://w3.org/1.gif", "http://w3.org/2.gif"], "reference": "msg-1"}
                        """));
        assertThat(result).isEqualTo(new SendResult("6d9e7100b1f9406c81a3c303c30ccf05", "sent", null));
    }

    @Test
    void mediaOutsideNorthAmericaIsCarrierRejectedWithoutCalling() {
        MessageContent media =
                new MessageContent.Media("", List.of(MediaItem.url("https://cdn.example.com/a.jpg", "image/jpeg")));

        SendFailure failure = failure(sms(), send("+31612345678", media));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("media_unsupported");
        assertThat(messagebird.getAllServeEvents()).isEmpty();
    }

    @Test
    void templateAndInteractiveAreCarrierRejectedWithoutCalling() {
        SendFailure template =
                failure(sms(), send("+31612345678", new MessageContent.Template("Hi", "order_update", Map.of())));
        SendFailure interactive = failure(
                sms(),
                send(
                        "+31612345678",
                        new MessageContent.Interactive(
                                "Confirm?", List.of(new MessageContent.Interactive.Button("y", "Yes")))));

        assertThat(template.code()).isEqualTo("template_unsupported");
        assertThat(interactive.code()).isEqualTo("interactive_unsupported");
        assertThat(List.of(template.kind(), interactive.kind())).containsOnly(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(messagebird.getAllServeEvents()).isEmpty();
    }

    // --- Conversations API ---

    @Test
    void channelAccountSendsTextThroughConversations() throws Exception {
        answer("/v1/send", 202, CONVERSATION_ACCEPTED);

        SendResult result = conversations().send(send("+31612345678", new MessageContent.Text("Hello")));

        LoggedRequest request = onlyRequest("/v1/send");
        assertThat(request.getHeader("Authorization")).isEqualTo("AccessKey " + ACCESS_KEY);
        assertThat(json(request)).isEqualTo(Json.MAPPER.readTree("""
                        {"to": "+31612345678", "from": "619747f69cf940a98fb443140ce9aed2", "type": "text",
                         "content": {"text": "Hello"},
                         "reportUrl": "https://gw.example.com/webhooks/messagebird/default"}
                        """));
        assertThat(result).isEqualTo(new SendResult("2e15efafec384e1c82e9842075e87beb", "accepted", null));
        assertThat(messagebird.findAll(postRequestedFor(urlPathEqualTo("/messages"))))
                .isEmpty();
    }

    @Test
    void channelAccountSendsImageWithCaption() throws Exception {
        answer("/v1/send", 202, CONVERSATION_ACCEPTED);
        MessageContent media = new MessageContent.Media(
                "Our new colours", List.of(MediaItem.url("https://cdn.example.com/colours.jpg", null)));

        conversations().send(send("+31612345678", media));

        JsonNode body = json(onlyRequest("/v1/send"));
        assertThat(body.path("type").asText()).isEqualTo("image");
        assertThat(body.path("content")).isEqualTo(Json.MAPPER.readTree("""
                        {"image": {"url": "https://cdn.example.com/colours.jpg", "caption": "Our new colours"}}
                        """));
    }

    @Test
    void channelAccountSendsPdfAsFile() throws Exception {
        answer("/v1/send", 202, CONVERSATION_ACCEPTED);
        MessageContent media = new MessageContent.Media(
                null, List.of(MediaItem.url("https://cdn.example.com/invoice.pdf", "application/pdf")));

        conversations().send(send("+31612345678", media));

        JsonNode body = json(onlyRequest("/v1/send"));
        assertThat(body.path("type").asText()).isEqualTo("file");
        assertThat(body.path("content").path("file").path("url").asText())
                .isEqualTo("https://cdn.example.com/invoice.pdf");
    }

    // --- MessageBird's answers ---

    @ParameterizedTest(name = "code {1} on {2} (HTTP {0}) is {3}")
    @CsvSource({
        "401, 2, , CARRIER_REJECTED",
        "422, 9, originator, CARRIER_REJECTED",
        "422, 9, recipients, RECIPIENT_REJECTED",
        "422, 10, recipient, RECIPIENT_REJECTED",
        "422, 10, body, CARRIER_REJECTED",
        "404, 20, , CARRIER_REJECTED",
        "422, 25, , CARRIER_REJECTED",
        "500, 99, , RETRYABLE",
        "422, 77, , CARRIER_REJECTED",
    })
    void messageBirdErrorCodesAreClassified(int status, String code, String parameter, SendFailure.Kind kind) {
        String description = "Request not allowed (incorrect access_key)";
        answer("/messages", status, errors(code, description, parameter));

        SendFailure failure = failure(sms(), send("+31612345678", new MessageContent.Text("hi")));

        assertThat(failure.kind()).isEqualTo(kind);
        assertThat(failure.code()).isEqualTo(code);
        assertThat(failure.getMessage()).startsWith(description);
        assertThat(failure.httpStatus()).isEqualTo(status);
        assertThat(messagebird.getAllServeEvents()).hasSize(1);
    }

    @Test
    void conversationsErrorsAreClassifiedTheSameWay() {
        answer("/v1/send", 401, errors("2", "Request not allowed (incorrect access_key)", null));

        SendFailure failure = failure(conversations(), send("+31612345678", new MessageContent.Text("hi")));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("2");
    }

    @Test
    void tooManyRequestsIsRetryableAfterRetryAfter() {
        messagebird.stubFor(post(urlPathEqualTo("/messages"))
                .willReturn(aResponse()
                        .withStatus(429)
                        .withHeader("Retry-After", "12")
                        .withBody("Too Many Requests")));

        SendFailure failure = failure(sms(), send("+31612345678", new MessageContent.Text("hi")));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("http_429");
        assertThat(failure.retryAfter()).isEqualTo(Duration.ofSeconds(12));
    }

    @Test
    void serverErrorIsRetryable() {
        messagebird.stubFor(post(urlPathEqualTo("/messages"))
                .willReturn(aResponse().withStatus(503).withBody("<html>Service Unavailable</html>")));

        SendFailure failure = failure(sms(), send("+31612345678", new MessageContent.Text("hi")));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("http_503");
    }

    @Test
    void slowAnswerIsRetryableTimeout() {
        messagebird.stubFor(post(urlPathEqualTo("/messages"))
                .willReturn(aResponse().withStatus(201).withBody(SMS_CREATED).withFixedDelay(1500)));
        CarrierSender sender = adapter(
                        Map.of("originator", "TestName"), CarrierHttp.withTimeout(Duration.ofMillis(300)))
                .sender()
                .orElseThrow();

        SendFailure failure = failure(sender, send("+31612345678", new MessageContent.Text("hi")));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("timeout");
        assertThat(messagebird.getAllServeEvents()).hasSize(1);
    }

    // --- helpers ---

    private static void answer(String path, int status, String body) {
        messagebird.stubFor(post(urlPathEqualTo(path))
                .willReturn(aResponse()
                        .withStatus(status)
                        .withHeader("Content-Type", "application/json")
                        .withBody(body)));
    }

    private static OutboundSend send(String to, MessageContent content) {
        return new OutboundSend("msg-1", to, null, content, null, REPORT_URL);
    }

    private static CarrierSender sms() {
        return adapter(Map.of("originator", "TestName"), CarrierHttp.withTimeout(Duration.ofSeconds(2)))
                .sender()
                .orElseThrow();
    }

    private static CarrierSender conversations() {
        return adapter(
                        Map.of("originator", "TestName", "channelId", CHANNEL_ID),
                        CarrierHttp.withTimeout(Duration.ofSeconds(2)))
                .sender()
                .orElseThrow();
    }

    private static CarrierAdapter adapter(Map<String, Object> outbound, CarrierHttp http) {
        Map<String, Object> values = new LinkedHashMap<>(outbound);
        values.put("signingKey", "PlLrKaqvZNRR5zAjm42ZT6q1SQxgbbGd");
        values.put("accessKey", ACCESS_KEY);
        values.put("apiBaseUrl", messagebird.baseUrl());
        values.put("conversationsBaseUrl", messagebird.baseUrl());
        return new MessageBirdProvider()
                .create(
                        new CarrierSettings("carriers.messagebird.default", "default", values),
                        new CarrierContext(CLOCK, new InMemoryReplayGuard(CLOCK), http));
    }

    private static SendFailure failure(CarrierSender sender, OutboundSend send) {
        SendFailure failure = catchThrowableOfType(SendFailure.class, () -> sender.send(send));
        assertThat(failure).as("the send should have failed").isNotNull();
        return failure;
    }

    private static LoggedRequest onlyRequest(String path) {
        List<LoggedRequest> requests = messagebird.findAll(postRequestedFor(urlPathEqualTo(path)));
        assertThat(requests).as("exactly one call to MessageBird").hasSize(1);
        assertThat(messagebird.getAllServeEvents()).hasSize(1);
        return requests.getFirst();
    }

    private static JsonNode json(LoggedRequest request) throws Exception {
        return Json.MAPPER.readTree(request.getBodyAsString());
    }

    private static String errors(String code, String description, String parameter) {
        return """
                {"errors": [{"code": %s, "description": "%s", "parameter": %s}]}
                """.formatted(code, description, parameter == null ? "null" : "\"" + parameter + "\"");
    }

    /** 201 of POST /messages (go-rest-api sms/testdata/messageObject.json). */
    private static final String SMS_CREATED = """
            {
              "id": "6fe65f90454aa61536e6a88b88972670",
              "href": "https://rest.messagebird.com/messages/6fe65f90454aa61536e6a88b88972670",
              "direction": "mt",
              "type": "sms",
              "originator": "TestName",
              "body": "Hello World",
              "reference": "msg-1",
              "validity": null,
              "gateway": 239,
              "typeDetails": {},
              "datacoding": "plain",
              "mclass": 1,
              "scheduledDatetime": null,
              "createdDatetime": "2026-11-24T12:00:00+00:00",
              "recipients": {
                "totalCount": 1,
                "totalSentCount": 1,
                "totalDeliveredCount": 0,
                "totalDeliveryFailedCount": 0,
                "items": [
                  {"recipient": 31612345678, "status": "sent", "messagePartCount": 1, "statusDatetime": "2026-11-24T12:00:00+00:00"}
                ]
              }
            }
            """;

    /** 201 of POST /mms (go-rest-api mms/testdata/mmsMessageObject.json). */
    private static final String MMS_CREATED = """
            {
              "id": "6d9e7100b1f9406c81a3c303c30ccf05",
              "href": "https://rest.messagebird.com/mms/6d9e7100b1f9406c81a3c303c30ccf05",
              "direction": "mt",
              "originator": "TestName",
              "subject": null,
              "body": "Hello World",
              "mediaUrls": ["http://w3.org/1.gif", "http://w3.org/2.gif"],
              "reference": "msg-1",
              "scheduledDatetime": null,
              "createdDatetime": "2026-11-24T12:00:00+00:00",
              "recipients": {
                "totalCount": 1,
                "totalSentCount": 1,
                "totalDeliveredCount": 0,
                "totalDeliveryFailedCount": 0,
                "items": [{"recipient": 14155550100, "status": "sent", "statusDatetime": "2026-11-24T12:00:00+00:00"}]
              }
            }
            """;

    /** 202 of POST /v1/send (go-rest-api conversation/testdata/messageSendResponse.json). */
    private static final String CONVERSATION_ACCEPTED = """
            {"id": "2e15efafec384e1c82e9842075e87beb", "status": "accepted"}
            """;
}
