package io.omniservice.carriers.bandwidth;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToIgnoreCase;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.InMemoryReplayGuard;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.core.outbound.CarrierSender;
import io.omniservice.core.outbound.OutboundSend;
import io.omniservice.core.outbound.SendFailure;
import io.omniservice.core.outbound.SendResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The createMessage request Bandwidth receives and how its answers are read. Bodies follow Bandwidth's
 * documented examples: the 202 message of dev.bandwidth.com "Send Messages" / the Message model, and the error
 * bodies of Bandwidth/api-docs {@code content/messaging/errors/httpErrors.md} (dev.bandwidth.com/v2-messaging/codes.html).
 */
class BandwidthSenderTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2024-05-11T20:14:34Z"), ZoneOffset.UTC);
    private static final String ACCOUNT_ID = "9900001";
    private static final String APPLICATION_ID = "93de2206-9669-4e07-948d-329f4b722ee2";
    private static final String PATH = "/api/v2/users/" + ACCOUNT_ID + "/messages";
    // base64("api-user:api-password")
    private static final String BASIC = "Basic YXBpLXVzZXI6YXBpLXBhc3N3b3Jk";

    private static final String ACCEPTED = """
            {"id":"1589228074636lm4k2je7j7jklbn2","owner":"+19195551234","applicationId":"93de2206-9669-4e07-948d-329f4b722ee2",\
            "time":"2024-05-11T20:14:34.636Z","segmentCount":1,"direction":"out","to":["+19195554444"],\
            "from":"+19195551234","text":"Your order has shipped","tag":"msg-0001","priority":"default"}""";

    private WireMockServer bandwidth;

    @BeforeEach
    void start() {
        bandwidth = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        bandwidth.start();
    }

    @AfterEach
    void stop() {
        bandwidth.stop();
    }

    private CarrierSender sender(Duration timeout) {
        Map<String, Object> values = Map.ofEntries(
                Map.entry("callbackUsername", "callbacks"),
                Map.entry("callbackPassword", "callback-secret"),
                Map.entry("accountId", ACCOUNT_ID),
                Map.entry("apiUsername", "api-user"),
                Map.entry("apiPassword", "api-password"),
                Map.entry("applicationId", APPLICATION_ID),
                Map.entry("from", "+19195551234"),
                Map.entry("apiBaseUrl", bandwidth.baseUrl()));
        CarrierContext context =
                new CarrierContext(CLOCK, new InMemoryReplayGuard(CLOCK), CarrierHttp.withTimeout(timeout));
        return new BandwidthProvider()
                .create(new CarrierSettings("carriers.bandwidth.default", "default", values), context)
                .sender()
                .orElseThrow();
    }

    private CarrierSender sender() {
        return sender(Duration.ofSeconds(2));
    }

    private static OutboundSend text(String body) {
        return new OutboundSend("msg-0001", "+19195554444", null, new MessageContent.Text(body), null, null);
    }

    private void answer(int status, String body, Entry<String, String> header) {
        var response = aResponse()
                .withStatus(status)
                .withHeader("Content-Type", "application/json; charset=utf-8")
                .withBody(body);
        if (header != null) {
            response = response.withHeader(header.getKey(), header.getValue());
        }
        bandwidth.stubFor(post(urlEqualTo(PATH)).willReturn(response));
    }

    private SendFailure failureOf(OutboundSend send) {
        return catchThrowableOfType(SendFailure.class, () -> sender().send(send));
    }

    @Test
    void textIsPostedAsCreateMessageWithBasicAuthAndOurIdAsTag() throws SendFailure {
        answer(202, ACCEPTED, null);

        SendResult result = sender().send(text("Your order has shipped"));

        assertThat(result).isEqualTo(new SendResult("1589228074636lm4k2je7j7jklbn2", "accepted", 1));
        bandwidth.verify(
                exactly(1),
                postRequestedFor(urlEqualTo(PATH))
                        .withHeader("Authorization", equalTo(BASIC))
                        .withHeader("Content-Type", equalToIgnoreCase("application/json; charset=utf-8"))
                        .withRequestBody(equalToJson("""
                                {"applicationId":"93de2206-9669-4e07-948d-329f4b722ee2","to":["+19195554444"],
                                 "from":"+19195551234","text":"Your order has shipped","tag":"msg-0001"}""")));
    }

    @Test
    void mediaIsPostedAsMmsUrlsWithTheCaptionAsText() throws SendFailure {
        answer(202, """
                {"id":"1589228074636lm4k2je7j7jkmms1","owner":"+19195551234","applicationId":"93de2206-9669-4e07-948d-329f4b722ee2",\
                "time":"2024-05-11T20:14:34.636Z","segmentCount":1,"direction":"out","to":["+19195554444"],\
                "from":"+19195551234","text":"Here it is","media":["https://cdn.example.com/receipt.jpg",\
                "https://cdn.example.com/map.png"],"tag":"msg-0002","priority":"default"}""", null);
        OutboundSend send = new OutboundSend(
                "msg-0002",
                "+19195554444",
                null,
                new MessageContent.Media(
                        "Here it is",
                        List.of(
                                MediaItem.url("https://cdn.example.com/receipt.jpg", "image/jpeg"),
                                MediaItem.url("https://cdn.example.com/map.png", "image/png"))),
                null,
                null);

        SendResult result = sender().send(send);

        assertThat(result.carrierMessageId()).isEqualTo("1589228074636lm4k2je7j7jkmms1");
        bandwidth.verify(postRequestedFor(urlEqualTo(PATH))
                .withHeader("Authorization", equalTo(BASIC))
                .withRequestBody(equalToJson("""
                        {"applicationId":"93de2206-9669-4e07-948d-329f4b722ee2","to":["+19195554444"],
                         "from":"+19195551234","text":"Here it is","tag":"msg-0002",
                         "media":["https://cdn.example.com/receipt.jpg","https://cdn.example.com/map.png"]}""")));
    }

    @Test
    void mediaWithoutCaptionSendsNoText() throws SendFailure {
        answer(202, ACCEPTED, null);
        OutboundSend send = new OutboundSend(
                "msg-0003",
                "+19195554444",
                null,
                new MessageContent.Media(null, List.of(MediaItem.url("https://cdn.example.com/a.gif", "image/gif"))),
                null,
                null);

        sender().send(send);

        bandwidth.verify(postRequestedFor(urlEqualTo(PATH)).withRequestBody(equalToJson("""
                        {"applicationId":"93de2206-9669-4e07-948d-329f4b722ee2","to":["+19195554444"],
                         "from":"+19195551234","tag":"msg-0003","media":["https://cdn.example.com/a.gif"]}""")));
    }

    @Test
    void fromNamedBySendWinsOverTheConfiguredOne() throws SendFailure {
        answer(202, ACCEPTED, null);

        sender().send(new OutboundSend(
                "msg-0004", "+19195554444", "+19195550000", new MessageContent.Text("Hi"), null, null));

        bandwidth.verify(postRequestedFor(urlEqualTo(PATH))
                .withRequestBody(equalToJson("{\"from\":\"+19195550000\"}", true, true)));
    }

    @Test
    void refusedToFieldRejectsTheRecipient() {
        answer(400, """
                {"type":"request-validation","description":"Your request could not be accepted",\
                "fieldErrors":[{"fieldName":"to","description":"'+1919555' must be replaced with a valid E164 formatted telephone number"}]}""", null);

        SendFailure failure = failureOf(text("Hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RECIPIENT_REJECTED);
        assertThat(failure.code()).isEqualTo("request-validation");
        assertThat(failure.httpStatus()).isEqualTo(400);
        assertThat(failure.getMessage())
                .contains("Your request could not be accepted")
                .contains("valid E164");
    }

    @Test
    void refusedFromOrApplicationRejectsThisCarrier() {
        answer(400, """
                {"type":"request-validation","description":"Your request could not be accepted",\
                "fieldErrors":[{"fieldName":"from","description":"'+19195551234' must be a number on the application"}]}""", null);

        SendFailure failure = failureOf(text("Hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("request-validation");
    }

    @Test
    void validationWithoutFieldErrorsRejectsThisCarrier() {
        answer(400, "{\"type\":\"request-validation\",\"description\":\"Your request could not be accepted\"}", null);

        SendFailure failure = failureOf(text("Hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.getMessage()).isEqualTo("Your request could not be accepted");
    }

    @Test
    void wrongCredentialsRejectThisCarrier() {
        answer(401, "{\"type\":\"unauthorized\",\"description\":\"Authentication Failed\"}", null);

        SendFailure failure = failureOf(text("Hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("unauthorized");
        assertThat(failure.getMessage()).isEqualTo("Authentication Failed");
        assertThat(failure.httpStatus()).isEqualTo(401);
    }

    @Test
    void userWithoutMessagingAccessRejectsThisCarrier() {
        answer(403, "{\"type\":\"forbidden\",\"description\":\"Access Denied\"}", null);

        SendFailure failure = failureOf(text("Hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("forbidden");
    }

    @Test
    void fullQueueIsRetriedAfterTheRetryAfterBandwidthAsks() {
        answer(429, """
                {"type":"max-message-queue-size-exceeded","description":"The SMS queue for your account is full and \
                cannot accept more messages right now."}""", Map.entry("Retry-After", "30"));

        SendFailure failure = failureOf(text("Hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("max-message-queue-size-exceeded");
        assertThat(failure.retryAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(failure.httpStatus()).isEqualTo(429);
    }

    @Test
    void serverErrorIsRetryable() {
        bandwidth.stubFor(post(urlEqualTo(PATH))
                .willReturn(aResponse().withStatus(500).withBody("<html>Internal Server Error</html>")));

        SendFailure failure = failureOf(text("Hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("http_500");
        assertThat(failure.httpStatus()).isEqualTo(500);
    }

    @Test
    void unknownStatusFallsBackToTheHttpClass() {
        answer(415, """
                {"type":"unsupported-content-type","description":"Content type 'text/plain;charset=UTF-8' not supported."}""", null);

        SendFailure failure = failureOf(text("Hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("unsupported-content-type");
    }

    @Test
    void slowAnswerIsARetryableTimeoutAndIsNotRepeated() {
        bandwidth.stubFor(post(urlEqualTo(PATH))
                .willReturn(aResponse().withStatus(202).withBody(ACCEPTED).withFixedDelay(1_500)));

        SendFailure failure = catchThrowableOfType(
                SendFailure.class, () -> sender(Duration.ofMillis(300)).send(text("Hi")));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("timeout");
        bandwidth.verify(exactly(1), postRequestedFor(urlEqualTo(PATH)));
    }

    @Test
    void templateIsRefusedWithoutCallingBandwidth() {
        SendFailure failure = failureOf(new OutboundSend(
                "msg-0005",
                "+19195554444",
                null,
                new MessageContent.Template("Your code is 1234", "otp", Map.of("1", "1234")),
                null,
                null));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("template_unsupported");
        bandwidth.verify(exactly(0), postRequestedFor(urlEqualTo(PATH)));
    }

    @Test
    void interactiveIsRefusedWithoutCallingBandwidth() {
        SendFailure failure = failureOf(new OutboundSend(
                "msg-0006",
                "+19195554444",
                null,
                new MessageContent.Interactive("Confirm?", List.of(new MessageContent.Interactive.Button("y", "Yes"))),
                null,
                null));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("interactive_unsupported");
        bandwidth.verify(exactly(0), postRequestedFor(urlEqualTo(PATH)));
    }

    @Test
    void recipientThatIsNotAPhoneNumberIsRejectedWithoutCallingBandwidth() {
        SendFailure failure =
                failureOf(new OutboundSend("msg-0007", "PS0X0L086G", null, new MessageContent.Text("Hi"), null, null));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RECIPIENT_REJECTED);
        assertThat(failure.code()).isEqualTo("invalid_destination");
        bandwidth.verify(exactly(0), postRequestedFor(urlEqualTo(PATH)));
    }
}
