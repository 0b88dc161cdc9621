package io.omniservice.carriers.inteliquent;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The publishMessages request the message broker receives and how its answers are read. The request follows
 * Inteliquent's Services API 2.0.0 ("Send Outbound Message"); answers follow its {@code ResponsePublishMessage}
 * model ({@code success, reason, detail, result{referenceId, from, text, mediaUrls, messageType,
 * resultResponses[{to, status}]}}, from github.com/ooglek/inteliquent-sdk-php). Inteliquent publishes no example
 * values or error vocabulary for the broker: the values below (status words, reasons) are illustrative, and
 * the 401 body is the Services API gateway's documented one.
 */
class InteliquentSenderTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2024-05-11T20:14:34Z"), ZoneOffset.UTC);
    private static final String PATH = "/msgbroker/rest/publishMessages";
    private static final String KEY = "iq-outbound-0c9e5d";

    private static final String PUBLISHED = """
            {"success":true,"reason":"","detail":"","result":{"referenceId":"8e3d8f36-6b2c-4a55-9d1e-1f3f4a0c7b21",\
            "from":"14155550199","text":"Your order has shipped","mediaUrls":[],"messageType":"SMS",\
            "resultResponses":[{"to":"14155550101","status":"Success"}]}}""";

    private WireMockServer broker;

    @BeforeEach
    void start() {
        broker = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        broker.start();
    }

    @AfterEach
    void stop() {
        broker.stop();
    }

    private CarrierSender sender(Duration timeout) {
        Map<String, Object> values = Map.of(
                "inboundApiKey",
                "iq-inbound-7b1f",
                "outboundApiKey",
                KEY,
                "from",
                "+14155550199",
                "apiBaseUrl",
                broker.baseUrl());
        CarrierContext context =
                new CarrierContext(CLOCK, new InMemoryReplayGuard(CLOCK), CarrierHttp.withTimeout(timeout));
        return new InteliquentProvider()
                .create(new CarrierSettings("carriers.inteliquent.default", "default", values), context)
                .sender()
                .orElseThrow();
    }

    private CarrierSender sender() {
        return sender(Duration.ofSeconds(2));
    }

    private static OutboundSend text(String body) {
        return new OutboundSend("msg-0001", "+14155550101", null, new MessageContent.Text(body), null, null);
    }

    private void answer(ResponseDefinitionBuilder response) {
        broker.stubFor(post(urlEqualTo(PATH)).willReturn(response));
    }

    private static ResponseDefinitionBuilder json(int status, String body) {
        return aResponse()
                .withStatus(status)
                .withHeader("Content-Type", "application/json")
                .withBody(body);
    }

    private SendFailure failureOf(OutboundSend send) {
        return catchThrowableOfType(SendFailure.class, () -> sender().send(send));
    }

    @Test
    void textIsPublishedWithBearerKeyAndElevenDigitNumbers() throws SendFailure {
        answer(json(200, PUBLISHED));

        SendResult result = sender().send(text("Your order has shipped"));

        assertThat(result).isEqualTo(new SendResult("8e3d8f36-6b2c-4a55-9d1e-1f3f4a0c7b21", "Success", 1));
        broker.verify(
                exactly(1),
                postRequestedFor(urlEqualTo(PATH))
                        .withHeader("Authorization", equalTo("Bearer " + KEY))
                        .withRequestBody(equalToJson("""
                                {"from":"14155550199","to":["14155550101"],"text":"Your order has shipped"}""")));
    }

    @Test
    void mediaIsPublishedAsMediaUrls() throws SendFailure {
        answer(json(200, """
                {"success":true,"result":{"referenceId":"0b7c5b0e-41a4-4d7e-a8b4-3d9c1c1de0aa","from":"14155550199",\
                "text":"Here it is","mediaUrls":["https://cdn.example.com/receipt.jpg"],"messageType":"MMS",\
                "resultResponses":[{"to":"14155550101","status":"Success"}]}}"""));
        OutboundSend send = new OutboundSend(
                "msg-0002",
                "+14155550101",
                null,
                new MessageContent.Media(
                        "Here it is", List.of(MediaItem.url("https://cdn.example.com/receipt.jpg", "image/jpeg"))),
                null,
                null);

        SendResult result = sender().send(send);

        assertThat(result.carrierMessageId()).isEqualTo("0b7c5b0e-41a4-4d7e-a8b4-3d9c1c1de0aa");
        assertThat(result.segments()).isNull();
        broker.verify(postRequestedFor(urlEqualTo(PATH))
                .withHeader("Authorization", equalTo("Bearer " + KEY))
                .withRequestBody(equalToJson("""
                        {"from":"14155550199","to":["14155550101"],"text":"Here it is",
                         "mediaUrls":["https://cdn.example.com/receipt.jpg"]}""")));
    }

    @Test
    void mediaWithoutCaptionSendsNoText() throws SendFailure {
        answer(json(200, PUBLISHED));
        OutboundSend send = new OutboundSend(
                "msg-0003",
                "+14155550101",
                null,
                new MessageContent.Media(null, List.of(MediaItem.url("https://cdn.example.com/a.gif", "image/gif"))),
                null,
                null);

        sender().send(send);

        broker.verify(postRequestedFor(urlEqualTo(PATH)).withRequestBody(equalToJson("""
                        {"from":"14155550199","to":["14155550101"],"mediaUrls":["https://cdn.example.com/a.gif"]}""")));
    }

    @Test
    void fromNamedBySendIsSentInBrokerForm() throws SendFailure {
        answer(json(200, PUBLISHED));

        sender().send(new OutboundSend(
                "msg-0004", "+14155550101", "+16505550123", new MessageContent.Text("Hi"), null, null));

        broker.verify(postRequestedFor(urlEqualTo(PATH))
                .withRequestBody(equalToJson("{\"from\":\"16505550123\"}", true, true)));
    }

    @Test
    void answerWithoutReferenceIdFallsBackToOurMessageId() throws SendFailure {
        answer(json(200, "{\"success\":true}"));

        SendResult result = sender().send(text("Hi"));

        assertThat(result).isEqualTo(new SendResult("msg-0001", "accepted", 1));
    }

    @Test
    void segmentsAreCountedFromTheText() throws SendFailure {
        answer(json(200, PUBLISHED));

        SendResult result = sender().send(text("你".repeat(71)));

        assertThat(result.segments()).isEqualTo(2);
    }

    @Test
    void recipientOutsideNorthAmericaIsRejectedWithoutCallingTheBroker() {
        SendFailure failure = failureOf(
                new OutboundSend("msg-0005", "+442071838750", null, new MessageContent.Text("Hi"), null, null));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RECIPIENT_REJECTED);
        assertThat(failure.code()).isEqualTo("unsupported_destination");
        broker.verify(exactly(0), anyRequestedFor(anyUrl()));
    }

    @Test
    void invalidDestinationRejectsTheRecipient() {
        answer(json(400, """
                {"success":false,"reason":"Invalid Parameter","detail":"Invalid destination number: 14155550101"}"""));

        SendFailure failure = failureOf(text("Hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RECIPIENT_REJECTED);
        assertThat(failure.code()).isEqualTo("Invalid Parameter");
        assertThat(failure.getMessage()).contains("Invalid destination number");
        assertThat(failure.httpStatus()).isEqualTo(400);
    }

    @Test
    void fromNotOnTheAccountRejectsThisCarrier() {
        answer(json(400, """
                {"success":false,"reason":"Invalid Parameter",\
                "detail":"from number 14155550199 is not assigned to your account or messaging is not enabled"}"""));

        SendFailure failure = failureOf(text("Hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("Invalid Parameter");
    }

    @Test
    void successFalseInA2xxIsARefusal() {
        answer(json(200, "{\"success\":false,\"reason\":\"Failure\",\"detail\":\"Message could not be published\"}"));

        SendFailure failure = failureOf(text("Hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("Failure");
    }

    @Test
    void wrongKeyRejectsThisCarrier() {
        answer(json(401, """
                {"message":"Invalid authentication information provided","status":"Invalid credentials",\
                "statusCode":"401001","timestamp":"2019-12-10T14:07:32.310-0600"}"""));

        SendFailure failure = failureOf(text("Hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("401001");
        assertThat(failure.getMessage()).contains("Invalid authentication information provided");
    }

    @Test
    void forbiddenRejectsThisCarrier() {
        answer(aResponse().withStatus(403));

        SendFailure failure = failureOf(text("Hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("http_403");
    }

    @Test
    void throttlingIsRetriedAfterTheRetryAfterTheBrokerAsks() {
        answer(json(429, "{\"success\":false,\"reason\":\"Too Many Requests\"}").withHeader("Retry-After", "12"));

        SendFailure failure = failureOf(text("Hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.retryAfter()).isEqualTo(Duration.ofSeconds(12));
        assertThat(failure.httpStatus()).isEqualTo(429);
    }

    @Test
    void serverErrorIsRetryable() {
        answer(aResponse().withStatus(503).withBody("<html>Service Unavailable</html>"));

        SendFailure failure = failureOf(text("Hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("http_503");
        assertThat(failure.httpStatus()).isEqualTo(503);
    }

    @Test
    void unknownStatusFallsBackToTheHttpClass() {
        answer(json(404, "{\"success\":false,\"reason\":\"Not Found\"}"));

        SendFailure failure = failureOf(text("Hi"));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("Not Found");
    }

    @Test
    void slowAnswerIsARetryableTimeoutAndIsNotRepeated() {
        answer(json(200, PUBLISHED).withFixedDelay(1_500));

        SendFailure failure = catchThrowableOfType(
                SendFailure.class, () -> sender(Duration.ofMillis(300)).send(text("Hi")));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("timeout");
        broker.verify(exactly(1), postRequestedFor(urlEqualTo(PATH)));
    }

    @Test
    void templateIsRefusedWithoutCallingTheBroker() {
        SendFailure failure = failureOf(new OutboundSend(
                "msg-0006",
                "+14155550101",
                null,
                new MessageContent.Template("Your code is 1234", "otp", Map.of("1", "1234")),
                null,
                null));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("template_unsupported");
        broker.verify(exactly(0), anyRequestedFor(anyUrl()));
    }

    @Test
    void interactiveIsRefusedWithoutCallingTheBroker() {
        SendFailure failure = failureOf(new OutboundSend(
                "msg-0007",
                "+14155550101",
                null,
                new MessageContent.Interactive("Confirm?", List.of(new MessageContent.Interactive.Button("y", "Yes"))),
                null,
                null));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("interactive_unsupported");
        broker.verify(exactly(0), anyRequestedFor(anyUrl()));
    }
}
