package io.omniservice.carriers.whatsapp;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
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
import java.util.HashMap;
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
 * The Cloud API send path against WireMock playing graph.facebook.com. Request shapes follow Meta's
 * "Send messages" reference; answers and error bodies follow the Cloud API error codes page
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes): {@code code} is a number,
 * {@code message} starts with "(#code) title", {@code error_data.details} explains.
 */
class WhatsAppSenderTest {
    private static final String TOKEN = "EAAGm0PX4ZCpsBAKZBqZAx2ZC0test";
    private static final String PATH = "/v21.0/106540352242922/messages";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-09T20:59:43Z"), ZoneOffset.UTC);
    private static final String WAMID = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI3NkE0NzZGQjNBMzg1QUQyRTIA";
    /** Meta's answer to an accepted send. */
    private static final String ACCEPTED = """
            {"messaging_product":"whatsapp",
             "contacts":[{"input":"16505551234","wa_id":"16505551234"}],
             "messages":[{"id":"%s"}]}""".formatted(WAMID);

    private static WireMockServer meta;

    @BeforeAll
    static void startMeta() {
        meta = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        meta.start();
    }

    @AfterAll
    static void stopMeta() {
        meta.stop();
    }

    @BeforeEach
    void reset() {
        meta.resetAll();
    }

    private static CarrierSender sender(Map<String, Object> extra, Duration timeout) {
        Map<String, Object> values = new HashMap<>(Map.of(
                "appSecret", "3f2b9c41d87e4a0f96c5e2b1a7d0c8e4",
                "verifyToken", "omniservice-verify-7c1d",
                "accessToken", TOKEN,
                "phoneNumberId", "106540352242922",
                "apiBaseUrl", meta.baseUrl(),
                "apiVersion", "v21.0"));
        values.putAll(extra);
        CarrierContext context =
                new CarrierContext(CLOCK, new InMemoryReplayGuard(CLOCK), CarrierHttp.withTimeout(timeout));
        return new WhatsAppProvider()
                .create(new CarrierSettings("carriers.whatsapp.default", "default", values), context)
                .sender()
                .orElseThrow();
    }

    private static CarrierSender sender() {
        return sender(Map.of(), Duration.ofSeconds(2));
    }

    private static OutboundSend to(String number, MessageContent content) {
        return new OutboundSend("01JXA5N8Q2", number, null, content, null, null);
    }

    private static void answer(int status, String body) {
        meta.stubFor(post(urlEqualTo(PATH))
                .willReturn(aResponse()
                        .withStatus(status)
                        .withHeader("Content-Type", "application/json")
                        .withBody(body)));
    }

    /** Exactly one POST reached Meta, with the bearer token and this JSON body, no more and no fewer fields. */
    private static void assertSent(String json) {
        meta.verify(
                1,
                postRequestedFor(urlEqualTo(PATH))
                        .withHeader("Authorization", equalTo("Bearer " + TOKEN))
                        .withHeader("Content-Type", equalTo("application/json"))
                        .withRequestBody(equalToJson(json)));
        assertThat(meta.getAllServeEvents()).hasSize(1);
    }

    private static SendFailure failure(CarrierSender sender, OutboundSend send) {
        return catchThrowableOfType(SendFailure.class, () -> sender.send(send));
    }

    @Test
    void textIsPostedToThePhoneNumberIdWithBearerTokenAndNoLinkPreview() throws Exception {
        answer(200, ACCEPTED);

        SendResult result =
                sender().send(to("+16505551234", new MessageContent.Text("Your order has shipped: https://t.co/x")));

        assertSent("""
                {"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"text",
                 "text":{"preview_url":false,"body":"Your order has shipped: https://t.co/x"}}""");
        assertThat(result).isEqualTo(new SendResult(WAMID, "accepted", null));
    }

    @Test
    void messageStatusInTheAnswerIsKeptAsTheCarrierStatus() throws Exception {
        answer(200, """
                {"messaging_product":"whatsapp","contacts":[{"input":"16505551234","wa_id":"16505551234"}],
                 "messages":[{"id":"%s","message_status":"held_for_quality_assessment"}]}""".formatted(WAMID));

        SendResult result = sender().send(to("+16505551234", new MessageContent.Text("hi")));

        assertThat(result.carrierStatus()).isEqualTo("held_for_quality_assessment");
    }

    @Test
    void imageTypeComesFromTheContentTypeAndCarriesTheCaption() throws Exception {
        answer(200, ACCEPTED);

        sender().send(to(
                "+16505551234",
                new MessageContent.Media(
                        "Here is your receipt",
                        List.of(MediaItem.url("https://cdn.example.com/files/4411", "image/jpeg")))));

        assertSent("""
                {"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"image",
                 "image":{"link":"https://cdn.example.com/files/4411","caption":"Here is your receipt"}}""");
    }

    @Test
    void videoTypeComesFromTheUrlExtensionWhenNoContentTypeIsGiven() throws Exception {
        answer(200, ACCEPTED);

        sender().send(to(
                "+16505551234",
                new MessageContent.Media(
                        "How to assemble it", List.of(MediaItem.url("https://cdn.example.com/howto.MP4?v=2", null)))));

        assertSent("""
                {"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"video",
                 "video":{"link":"https://cdn.example.com/howto.MP4?v=2","caption":"How to assemble it"}}""");
    }

    @Test
    void audioIsSentWithoutTheCaptionMetaRefusesOnAudio() throws Exception {
        answer(200, ACCEPTED);

        sender().send(to(
                "+16505551234",
                new MessageContent.Media(
                        "voice note",
                        List.of(MediaItem.url("https://cdn.example.com/note.ogg", "audio/ogg; codecs=opus")))));

        assertSent("""
                {"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"audio",
                 "audio":{"link":"https://cdn.example.com/note.ogg"}}""");
    }

    @Test
    void unknownTypeGoesAsDocumentWithCaptionAndFilename() throws Exception {
        answer(200, ACCEPTED);
        MediaItem pdf = new MediaItem("https://cdn.example.com/dl?id=77", null, null, "invoice-77.pdf", null, null);

        sender().send(to("+16505551234", new MessageContent.Media("Invoice attached", List.of(pdf))));

        assertSent("""
                {"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"document",
                 "document":{"link":"https://cdn.example.com/dl?id=77","caption":"Invoice attached",
                             "filename":"invoice-77.pdf"}}""");
    }

    @Test
    void mediaAlreadyUploadedToMetaIsSentByItsId() throws Exception {
        answer(200, ACCEPTED);
        MediaItem uploaded = new MediaItem(null, "1013859600285441", "image/png", null, null, null);

        sender().send(to("+16505551234", new MessageContent.Media(null, List.of(uploaded))));

        assertSent("""
                {"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"image",
                 "image":{"id":"1013859600285441"}}""");
    }

    @Test
    void severalAttachmentsAreRefusedBeforeCallingMeta() {
        SendFailure failure = failure(
                sender(),
                to(
                        "+16505551234",
                        new MessageContent.Media(
                                null,
                                List.of(
                                        MediaItem.url("https://cdn.example.com/a.jpg", "image/jpeg"),
                                        MediaItem.url("https://cdn.example.com/b.jpg", "image/jpeg")))));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("media_unsupported");
        assertThat(meta.getAllServeEvents()).isEmpty();
    }

    @Test
    void templateWithNumberedParamsSendsPositionalBodyParameters() throws Exception {
        answer(200, ACCEPTED);
        Map<String, String> params = new LinkedHashMap<>();
        params.put("10", "tenth");
        params.put("2", "#4411");
        params.put("1", "Sheena");
        for (int i = 3; i <= 9; i++) {
            params.put(Integer.toString(i), "p" + i);
        }

        sender().send(to("+16505551234", new MessageContent.Template("rendered", "order_update", params)));

        assertSent("""
                {"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"template",
                 "template":{"name":"order_update","language":{"code":"en_US"},
                   "components":[{"type":"body","parameters":[
                     {"type":"text","text":"Sheena"},{"type":"text","text":"#4411"},
                     {"type":"text","text":"p3"},{"type":"text","text":"p4"},{"type":"text","text":"p5"},
                     {"type":"text","text":"p6"},{"type":"text","text":"p7"},{"type":"text","text":"p8"},
                     {"type":"text","text":"p9"},{"type":"text","text":"tenth"}]}]}}""");
    }

    @Test
    void templateWithNamedParamsSendsParameterNames() throws Exception {
        answer(200, ACCEPTED);

        sender().send(new OutboundSend(
                "01JXA5N8Q2",
                "+16505551234",
                null,
                new MessageContent.Template(
                        "rendered",
                        "order_confirmation",
                        Map.of("customer_name", "Jessica", "order_number", "SKBUP2-4CPIG9")),
                "pt_BR",
                null));

        assertSent("""
                {"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"template",
                 "template":{"name":"order_confirmation","language":{"code":"pt_BR"},
                   "components":[{"type":"body","parameters":[
                     {"type":"text","parameter_name":"customer_name","text":"Jessica"},
                     {"type":"text","parameter_name":"order_number","text":"SKBUP2-4CPIG9"}]}]}}""");
    }

    @Test
    void templateWithoutLanguageUsesTheConfiguredDefaultAndWithoutParamsHasNoComponents() throws Exception {
        answer(200, ACCEPTED);

        sender(Map.of("templateLanguage", "es_MX"), Duration.ofSeconds(2))
                .send(to("+16505551234", new MessageContent.Template("Hola", "hello_world", Map.of())));

        assertSent("""
                {"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"template",
                 "template":{"name":"hello_world","language":{"code":"es_MX"}}}""");
    }

    @Test
    void interactiveSendsReplyButtons() throws Exception {
        answer(200, ACCEPTED);

        sender().send(to(
                "+16505551234",
                new MessageContent.Interactive(
                        "Did your parcel arrive?",
                        List.of(
                                new MessageContent.Interactive.Button("b1", "Yes"),
                                new MessageContent.Interactive.Button("b2", "Not yet")))));

        assertSent("""
                {"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"interactive",
                 "interactive":{"type":"button","body":{"text":"Did your parcel arrive?"},
                   "action":{"buttons":[{"type":"reply","reply":{"id":"b1","title":"Yes"}},
                                        {"type":"reply","reply":{"id":"b2","title":"Not yet"}}]}}}""");
    }

    @Test
    void moreThanThreeButtonsAreRefusedSoThePipelineDegradesElsewhere() {
        SendFailure failure = failure(
                sender(),
                to(
                        "+16505551234",
                        new MessageContent.Interactive(
                                "Pick a size",
                                List.of(
                                        new MessageContent.Interactive.Button("s", "S"),
                                        new MessageContent.Interactive.Button("m", "M"),
                                        new MessageContent.Interactive.Button("l", "L"),
                                        new MessageContent.Interactive.Button("xl", "XL")))));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("interactive_unsupported");
        assertThat(meta.getAllServeEvents()).isEmpty();
    }

    @Test
    void buttonTitleLongerThanTwentyCharactersIsRefused() {
        SendFailure failure = failure(
                sender(),
                to(
                        "+16505551234",
                        new MessageContent.Interactive(
                                "Shall we call you?",
                                List.of(new MessageContent.Interactive.Button("cb", "Yes, call me tomorrow")))));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("interactive_unsupported");
        assertThat(meta.getAllServeEvents()).isEmpty();
    }

    @Test
    void locationIsSentWithNameAndAddress() throws Exception {
        answer(200, ACCEPTED);

        sender().send(to(
                "+16505551234",
                new MessageContent.Location(
                        "Our store", 37.44216, -122.16138, "Philz Coffee", "101 Forest Ave, Palo Alto, CA 94301")));

        assertSent("""
                {"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"location",
                 "location":{"latitude":37.44216,"longitude":-122.16138,"name":"Philz Coffee",
                             "address":"101 Forest Ave, Palo Alto, CA 94301"}}""");
    }

    @Test
    void recipientThatIsNotAPhoneNumberIsLeftToAnotherCarrier() {
        SendFailure failure = failure(sender(), to("PS0X0L086G", new MessageContent.Text("hi")));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("invalid_recipient");
        assertThat(meta.getAllServeEvents()).isEmpty();
    }

    /** Meta's error answers, as its error codes page documents them; the HTTP status is what Meta sends with each. */
    @ParameterizedTest(name = "{0} → {3}")
    @CsvSource(delimiter = '|', textBlock = """
            131047 | 400 | (#131047) Re-engagement message                              | CARRIER_REJECTED
            131026 | 400 | (#131026) Message Undeliverable                               | RECIPIENT_REJECTED
            130429 | 400 | (#130429) Rate limit hit                                      | RETRYABLE
            131056 | 400 | (#131056) (Business Account, Consumer Account) pair rate limit hit | RETRYABLE
            80007  | 400 | (#80007) Rate limit issues                                    | RETRYABLE
            4      | 400 | (#4) Application request limit reached                        | RETRYABLE
            131048 | 400 | (#131048) Spam rate limit hit                                 | RETRYABLE
            190    | 401 | Error validating access token: Session has expired on Monday, 09-Jun-25 13:00:00 PDT. | CARRIER_REJECTED
            100    | 400 | (#100) Invalid parameter                                      | CARRIER_REJECTED
            132000 | 400 | (#132000) Number of parameters does not match the expected number of params | CARRIER_REJECTED
            132001 | 404 | (#132001) Template name does not exist in the translation     | CARRIER_REJECTED
            131051 | 400 | (#131051) Unsupported message type                            | CARRIER_REJECTED
            131009 | 400 | (#131009) Parameter value is not valid                        | CARRIER_REJECTED
            131000 | 500 | (#131000) Something went wrong                                | RETRYABLE
            """)
    void metaErrorCodesAreClassified(int code, int status, String message, SendFailure.Kind kind) {
        answer(status, """
                {"error":{"message":"%s","type":"OAuthException","code":%d,
                  "error_data":{"messaging_product":"whatsapp","details":"details of %d"},
                  "fbtrace_id":"AazB3mHdNnMS5Nbx7FfMgKx"}}""".formatted(message, code, code));

        SendFailure failure = failure(sender(), to("+16505551234", new MessageContent.Text("hi")));

        assertThat(failure.kind()).isEqualTo(kind);
        assertThat(failure.code()).isEqualTo(Integer.toString(code));
        assertThat(failure.getMessage()).isEqualTo(message + ": details of " + code);
        assertThat(failure.httpStatus()).isEqualTo(status);
        assertThat(meta.getAllServeEvents()).hasSize(1);
    }

    @Test
    void tooManyRequestsWithRetryAfterIsRetryableAfterThatDuration() {
        meta.stubFor(post(urlEqualTo(PATH))
                .willReturn(aResponse()
                        .withStatus(429)
                        .withHeader("Content-Type", "application/json")
                        .withHeader("Retry-After", "30")
                        .withBody("""
                                {"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,
                                  "error_data":{"messaging_product":"whatsapp",
                                    "details":"Cloud API message throughput has been reached."},
                                  "fbtrace_id":"A7fhrBBM9DkdfBvYX1uLmF8"}}""")));

        SendFailure failure = failure(sender(), to("+16505551234", new MessageContent.Text("hi")));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("130429");
        assertThat(failure.retryAfter()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void serverErrorWithoutAGraphErrorBodyIsRetryable() {
        meta.stubFor(post(urlEqualTo(PATH))
                .willReturn(aResponse()
                        .withStatus(502)
                        .withHeader("Content-Type", "text/html")
                        .withBody("<html><body>Bad Gateway</body></html>")));

        SendFailure failure = failure(sender(), to("+16505551234", new MessageContent.Text("hi")));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("http_502");
        assertThat(failure.httpStatus()).isEqualTo(502);
    }

    @Test
    void internalServerErrorIsRetryable() {
        answer(500, """
                {"error":{"message":"An unknown error has occurred.","type":"OAuthException","code":1,
                  "fbtrace_id":"AbCdEfGhIjKlMnOp"}}""");

        SendFailure failure = failure(sender(), to("+16505551234", new MessageContent.Text("hi")));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("1");
        assertThat(failure.httpStatus()).isEqualTo(500);
    }

    @Test
    void slowAnswerIsRetryableTimeout() {
        meta.stubFor(post(urlEqualTo(PATH))
                .willReturn(aResponse().withStatus(200).withFixedDelay(1500).withBody(ACCEPTED)));

        SendFailure failure =
                failure(sender(Map.of(), Duration.ofMillis(300)), to("+16505551234", new MessageContent.Text("hi")));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("timeout");
    }
}
