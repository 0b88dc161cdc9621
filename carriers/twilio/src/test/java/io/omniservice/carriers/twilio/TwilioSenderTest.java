package io.omniservice.carriers.twilio;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.twilio.rest.api.v2010.account.Message;
import com.twilio.type.PhoneNumber;
import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.FormBody;
import io.omniservice.core.carrier.InMemoryReplayGuard;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.core.outbound.CarrierSender;
import io.omniservice.core.outbound.OutboundSend;
import io.omniservice.core.outbound.SendFailure;
import io.omniservice.core.outbound.SendResult;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Twilio's Messages resource played by WireMock with Twilio's documented answers
 * (https://www.twilio.com/docs/messaging/api/message-resource) and error bodies
 * (https://www.twilio.com/docs/api/errors). Form fields are cross-checked against the official SDK.
 */
class TwilioSenderTest {
    private static final String ACCOUNT_SID = "ACae0f6c7f1c4e4b8a9d2c3b4a5f6e7d8c";
    private static final String AUTH_TOKEN = "9f86d081884c7d659a2feaa0c55ad015";
    private static final String MESSAGING_SERVICE_SID = "MG0123456789abcdef0123456789abcdef";
    private static final String MESSAGES_PATH = "/2010-04-01/Accounts/" + ACCOUNT_SID + "/Messages.json";
    private static final String MESSAGE_SID = "SM1f0e8ae6ade43cb3c0ce4525424e404f";
    private static final String FROM = "+14155550199";
    private static final String TO = "+14155550100";
    private static final URI CALLBACK = URI.create("https://gw.example.com/webhooks/twilio/default");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T12:00:00Z"), ZoneOffset.UTC);

    private static WireMockServer twilio;

    @BeforeAll
    static void startTwilio() {
        twilio = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        twilio.start();
    }

    @AfterAll
    static void stopTwilio() {
        twilio.stop();
    }

    @BeforeEach
    void forgetRequests() {
        twilio.resetAll();
    }

    // --- the request Twilio receives ---

    @Test
    void textIsOneFormPostWithAccountBasicAuth() throws Exception {
        answer(201, created("queued", "1"));

        SendResult result = sender(Map.of("from", FROM)).send(send(new MessageContent.Text("Your order shipped")));

        LoggedRequest request = onlyRequest();
        assertThat(request.getMethod().getName()).isEqualTo("POST");
        assertThat(request.getUrl()).isEqualTo(MESSAGES_PATH);
        assertThat(request.getHeader("Authorization")).isEqualTo(basic(ACCOUNT_SID, AUTH_TOKEN));
        assertThat(request.getHeader("Content-Type")).startsWith("application/x-www-form-urlencoded");
        assertThat(form(request))
                .isEqualTo(Map.of(
                        "To", List.of(TO),
                        "From", List.of(FROM),
                        "Body", List.of("Your order shipped"),
                        "StatusCallback", List.of(CALLBACK.toString())));
        assertThat(result).isEqualTo(new SendResult(MESSAGE_SID, "queued", 1));
    }

    @Test
    void apiKeyAuthenticatesInsteadOfAuthTokenWhenConfigured() throws Exception {
        answer(201, created("queued", "1"));
        Map<String, Object> settings = new HashMap<>(Map.of("from", FROM));
        settings.put("apiKeySid", "SK0123456789abcdef0123456789abcdef");
        settings.put("apiKeySecret", "key-secret");

        sender(settings).send(send(new MessageContent.Text("hi")));

        assertThat(onlyRequest().getHeader("Authorization"))
                .isEqualTo(basic("SK0123456789abcdef0123456789abcdef", "key-secret"));
    }

    @Test
    void messagingServicePicksTheSenderWhenNoneIsNamed() throws Exception {
        // Through a Messaging Service Twilio answers "accepted" and num_segments "0": no sender chosen yet.
        answer(201, created("accepted", "0"));
        String text = "a".repeat(170);

        SendResult result =
                sender(Map.of("messagingServiceSid", MESSAGING_SERVICE_SID)).send(send(new MessageContent.Text(text)));

        Map<String, List<String>> form = form(onlyRequest());
        assertThat(form).containsEntry("MessagingServiceSid", List.of(MESSAGING_SERVICE_SID));
        assertThat(form).doesNotContainKey("From");
        assertThat(result.carrierStatus()).isEqualTo("accepted");
        assertThat(result.segments()).as("two GSM-7 segments counted locally").isEqualTo(2);
    }

    @Test
    void senderNamedOnTheMessageWinsOverConfiguredOnes() throws Exception {
        answer(201, created("queued", "1"));
        Map<String, Object> settings = Map.of("from", FROM, "messagingServiceSid", MESSAGING_SERVICE_SID);

        sender(settings).send(new OutboundSend("msg-1", TO, "+14155550123", new MessageContent.Text("hi"), null, null));

        Map<String, List<String>> form = form(onlyRequest());
        assertThat(form).containsEntry("From", List.of("+14155550123"));
        assertThat(form).doesNotContainKeys("MessagingServiceSid", "StatusCallback");
    }

    @Test
    void mediaSendsEveryUrlAndTheCaptionAsBody() throws Exception {
        answer(201, created("queued", "1"));
        MessageContent media = new MessageContent.Media(
                "Two photos",
                List.of(
                        MediaItem.url("https://cdn.example.com/a.jpg", "image/jpeg"),
                        MediaItem.url("https://cdn.example.com/b.png", "image/png")));

        sender(Map.of("from", FROM)).send(send(media));

        assertThat(form(onlyRequest()))
                .containsEntry("Body", List.of("Two photos"))
                .containsEntry("MediaUrl", List.of("https://cdn.example.com/a.jpg", "https://cdn.example.com/b.png"));
    }

    @Test
    void mediaWithoutCaptionSendsNoBody() throws Exception {
        answer(201, created("queued", "1"));
        MessageContent media =
                new MessageContent.Media(null, List.of(MediaItem.url("https://cdn.example.com/a.jpg", null)));

        sender(Map.of("from", FROM)).send(send(media));

        assertThat(form(onlyRequest())).doesNotContainKey("Body");
    }

    @Test
    void moreThanTenMediaAreRefusedWithoutCallingTwilio() {
        List<MediaItem> items = IntStream.range(0, 11)
                .mapToObj(i -> MediaItem.url("https://cdn.example.com/" + i + ".jpg", "image/jpeg"))
                .toList();

        SendFailure failure = failure(Map.of("from", FROM), new MessageContent.Media("", items));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("media_limit");
        assertThat(twilio.getAllServeEvents()).isEmpty();
    }

    @Test
    void contentTemplateSendsContentSidAndVariablesWithoutBody() throws Exception {
        answer(201, created("queued", "1"));
        String contentSid = "HXb5b62575e6e4ff6129ad7c8efe1f983e";
        MessageContent template =
                new MessageContent.Template("Hi Ana, order 42 shipped", contentSid, Map.of("1", "Ana", "2", "42"));

        sender(Map.of("from", "whatsapp:" + FROM)).send(send(template));

        assertThat(form(onlyRequest()))
                .isEqualTo(Map.of(
                        "To", List.of("whatsapp:" + TO),
                        "From", List.of("whatsapp:" + FROM),
                        "ContentSid", List.of(contentSid),
                        "ContentVariables", List.of("{\"1\":\"Ana\",\"2\":\"42\"}"),
                        "StatusCallback", List.of(CALLBACK.toString())));
    }

    @Test
    void whatsAppResultCarriesNoSmsSegments() throws Exception {
        answer(201, created("queued", "0"));

        SendResult result = sender(Map.of("from", "whatsapp:" + FROM)).send(send(new MessageContent.Text("hi")));

        assertThat(form(onlyRequest())).containsEntry("To", List.of("whatsapp:" + TO));
        assertThat(result.segments()).isNull();
    }

    @Test
    void templateWithoutContentSidIsCarrierRejected() {
        SendFailure failure =
                failure(Map.of("from", FROM), new MessageContent.Template("Hi", "order_update", Map.of("1", "Ana")));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("template_unsupported");
        assertThat(twilio.getAllServeEvents()).isEmpty();
    }

    @Test
    void interactiveContentIsCarrierRejected() {
        MessageContent interactive = new MessageContent.Interactive(
                "Confirm?", List.of(new MessageContent.Interactive.Button("yes", "Yes")));

        SendFailure failure = failure(Map.of("from", FROM), interactive);

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("interactive_unsupported");
        assertThat(twilio.getAllServeEvents()).isEmpty();
    }

    @Test
    void formMatchesWhatTheOfficialSdkSendsForTheSameMessage() throws Exception {
        answer(201, created("queued", "1"));
        MessageContent media = new MessageContent.Media(
                "Caption ünïcode & symbols = +",
                List.of(
                        MediaItem.url("https://cdn.example.com/a.jpg?x=1&y=2", "image/jpeg"),
                        MediaItem.url("https://cdn.example.com/b.gif", "image/gif")));
        sender(Map.of("from", FROM)).send(send(media));

        Map<String, List<String>> sdk = TwilioSdkRequests.postParams(
                Message.creator(new PhoneNumber(TO), new PhoneNumber(FROM), "Caption ünïcode & symbols = +")
                        .setMediaUrl(List.of(
                                URI.create("https://cdn.example.com/a.jpg?x=1&y=2"),
                                URI.create("https://cdn.example.com/b.gif")))
                        .setStatusCallback(CALLBACK),
                ACCOUNT_SID,
                created("queued", "1"));

        assertThat(new TreeMap<>(form(onlyRequest()))).isEqualTo(new TreeMap<>(sdk));
    }

    @Test
    void contentTemplateFormMatchesTheOfficialSdk() throws Exception {
        answer(201, created("queued", "1"));
        String contentSid = "HXb5b62575e6e4ff6129ad7c8efe1f983e";
        sender(Map.of("messagingServiceSid", MESSAGING_SERVICE_SID))
                .send(new OutboundSend(
                        "msg-1",
                        TO,
                        null,
                        new MessageContent.Template("x", contentSid, Map.of("1", "Ana")),
                        null,
                        null));

        Map<String, List<String>> sdk = TwilioSdkRequests.postParams(
                Message.creator(new PhoneNumber(TO), MESSAGING_SERVICE_SID, (String) null)
                        .setContentSid(contentSid)
                        .setContentVariables("{\"1\":\"Ana\"}"),
                ACCOUNT_SID,
                created("queued", "1"));

        assertThat(new TreeMap<>(form(onlyRequest()))).isEqualTo(new TreeMap<>(sdk));
    }

    // --- Twilio's answers ---

    @ParameterizedTest(name = "{1} (HTTP {0}) is {2}")
    @CsvSource({
        "400, 21211, RECIPIENT_REJECTED",
        "400, 21610, RECIPIENT_REJECTED",
        "400, 21614, RECIPIENT_REJECTED",
        "400, 21635, RECIPIENT_REJECTED",
        "400, 30003, RECIPIENT_REJECTED",
        "400, 30006, RECIPIENT_REJECTED",
        "400, 21408, CARRIER_REJECTED",
        "401, 20003, CARRIER_REJECTED",
        "400, 21606, CARRIER_REJECTED",
        "400, 21612, CARRIER_REJECTED",
        "400, 63016, CARRIER_REJECTED",
        "400, 21611, RETRYABLE",
        "429, 20429, RETRYABLE",
        "400, 21999, CARRIER_REJECTED",
        "503, 20500, RETRYABLE",
    })
    void twilioErrorCodesAreClassified(int status, String code, SendFailure.Kind kind) {
        String message = "The 'To' number " + TO + " is not a valid phone number.";
        answer(status, error(code, message, status));

        SendFailure failure = failure(Map.of("from", FROM), new MessageContent.Text("hi"));

        assertThat(failure.kind()).isEqualTo(kind);
        assertThat(failure.code()).isEqualTo(code);
        assertThat(failure.getMessage()).isEqualTo(message);
        assertThat(failure.httpStatus()).isEqualTo(status);
        assertThat(twilio.getAllServeEvents()).hasSize(1);
    }

    @Test
    void unsubscribedRecipientIsRecipientRejectedWithTwiliosCode() {
        answer(400, error("21610", "Attempt to send to unsubscribed recipient", 400));

        SendFailure failure = failure(Map.of("from", FROM), new MessageContent.Text("hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RECIPIENT_REJECTED);
        assertThat(failure.code()).isEqualTo("21610");
        assertThat(failure.getMessage()).isEqualTo("Attempt to send to unsubscribed recipient");
    }

    @Test
    void tooManyRequestsIsRetryableAfterTwiliosRetryAfter() {
        twilio.stubFor(post(urlPathEqualTo(MESSAGES_PATH))
                .willReturn(aResponse()
                        .withStatus(429)
                        .withHeader("Content-Type", "application/json")
                        .withHeader("Retry-After", "7")
                        .withBody(error("20429", "Too Many Requests", 429))));

        SendFailure failure = failure(Map.of("from", FROM), new MessageContent.Text("hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("20429");
        assertThat(failure.retryAfter()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void serverErrorWithoutJsonIsRetryable() {
        twilio.stubFor(post(urlPathEqualTo(MESSAGES_PATH))
                .willReturn(aResponse().withStatus(500).withBody("<html>Internal Server Error</html>")));

        SendFailure failure = failure(Map.of("from", FROM), new MessageContent.Text("hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("http_500");
        assertThat(failure.httpStatus()).isEqualTo(500);
    }

    @Test
    void slowAnswerIsRetryableTimeout() {
        twilio.stubFor(post(urlPathEqualTo(MESSAGES_PATH))
                .willReturn(aResponse()
                        .withStatus(201)
                        .withBody(created("queued", "1"))
                        .withFixedDelay(1500)));
        CarrierSender sender = adapter(Map.of("from", FROM), CarrierHttp.withTimeout(Duration.ofMillis(300)))
                .sender()
                .orElseThrow();

        SendFailure failure =
                catchThrowableOfType(SendFailure.class, () -> sender.send(send(new MessageContent.Text("hi"))));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("timeout");
        assertThat(twilio.getAllServeEvents()).hasSize(1);
    }

    // --- helpers ---

    private static void answer(int status, String body) {
        twilio.stubFor(post(urlPathEqualTo(MESSAGES_PATH))
                .willReturn(aResponse()
                        .withStatus(status)
                        .withHeader("Content-Type", "application/json; charset=utf-8")
                        .withBody(body)));
    }

    private static OutboundSend send(MessageContent content) {
        return new OutboundSend("msg-1", TO, null, content, null, CALLBACK);
    }

    private static CarrierSender sender(Map<String, Object> outbound) {
        return adapter(outbound, CarrierHttp.withTimeout(Duration.ofSeconds(2)))
                .sender()
                .orElseThrow();
    }

    private static CarrierAdapter adapter(Map<String, Object> outbound, CarrierHttp http) {
        Map<String, Object> values = new LinkedHashMap<>(outbound);
        values.put("accountSid", ACCOUNT_SID);
        values.put("authToken", AUTH_TOKEN);
        values.put("apiBaseUrl", twilio.baseUrl());
        return new TwilioProvider()
                .create(
                        new CarrierSettings("carriers.twilio.default", "default", values),
                        new CarrierContext(CLOCK, new InMemoryReplayGuard(CLOCK), http));
    }

    private static SendFailure failure(Map<String, Object> outbound, MessageContent content) {
        CarrierSender sender = sender(outbound);
        SendFailure failure = catchThrowableOfType(SendFailure.class, () -> sender.send(send(content)));
        assertThat(failure).as("the send should have failed").isNotNull();
        return failure;
    }

    private static LoggedRequest onlyRequest() {
        List<LoggedRequest> requests = twilio.findAll(postRequestedFor(urlPathEqualTo(MESSAGES_PATH)));
        assertThat(requests).as("exactly one call to Twilio").hasSize(1);
        return requests.getFirst();
    }

    private static Map<String, List<String>> form(LoggedRequest request) throws Exception {
        return FormBody.parse(request.getBodyAsString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Twilio's 201 answer to a create, as in the Message resource documentation. */
    private static String created(String status, String numSegments) {
        return """
                {
                  "account_sid": "%1$s",
                  "api_version": "2010-04-01",
                  "body": "Your order shipped",
                  "date_created": "Tue, 24 Nov 2026 12:00:00 +0000",
                  "date_sent": null,
                  "date_updated": "Tue, 24 Nov 2026 12:00:00 +0000",
                  "direction": "outbound-api",
                  "error_code": null,
                  "error_message": null,
                  "from": "%2$s",
                  "messaging_service_sid": null,
                  "num_media": "0",
                  "num_segments": "%5$s",
                  "price": null,
                  "price_unit": "USD",
                  "sid": "%3$s",
                  "status": "%4$s",
                  "subresource_uris": {
                    "media": "/2010-04-01/Accounts/%1$s/Messages/%3$s/Media.json"
                  },
                  "to": "+14155550100",
                  "uri": "/2010-04-01/Accounts/%1$s/Messages/%3$s.json"
                }
                """.formatted(ACCOUNT_SID, FROM, MESSAGE_SID, status, numSegments);
    }

    /** Twilio's REST error body: code, message, more_info and status. */
    private static String error(String code, String message, int status) {
        return """
                {"code": %s, "message": "%s", "more_info": "https://www.twilio.com/docs/errors/%s", "status": %d}
                """.formatted(code, message, code, status);
    }
}
