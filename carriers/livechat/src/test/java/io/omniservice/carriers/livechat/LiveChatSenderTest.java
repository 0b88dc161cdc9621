package io.omniservice.carriers.livechat;

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
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Agent Chat Web API send path against WireMock playing api.livechatinc.com. Shapes follow LiveChat's
 * v3.5 reference (livechat/livechat-public-docs: messaging/agent-chat-api/v3.5 "Send Event" and "Errors",
 * data-structures "Message", "File", "Rich message"; authorization/personal-access-tokens); error messages are
 * the default messages LiveChat documents for each error type.
 */
class LiveChatSenderTest {
    private static final String TOKEN = "dal:test_-AvZSSODKkZsrjoPkQ";
    private static final String PATH = "/v3.5/agent/action/send_event";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-09T20:59:43Z"), ZoneOffset.UTC);
    private static final String SENT = "{\"event_id\":\"K600PKZON8\"}";

    private static WireMockServer livechat;

    @BeforeAll
    static void startLiveChat() {
        livechat = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        livechat.start();
    }

    @AfterAll
    static void stopLiveChat() {
        livechat.stop();
    }

    @BeforeEach
    void reset() {
        livechat.resetAll();
    }

    private static CarrierSender sender(Map<String, Object> extra, Duration timeout) {
        Map<String, Object> values = new HashMap<>(Map.of(
                "secretKey", "lc-webhook-secret-7Qm2vX9pR4", "accessToken", TOKEN, "apiBaseUrl", livechat.baseUrl()));
        values.putAll(extra);
        CarrierContext context =
                new CarrierContext(CLOCK, new InMemoryReplayGuard(CLOCK), CarrierHttp.withTimeout(timeout));
        return new LiveChatProvider()
                .create(new CarrierSettings("carriers.livechat.default", "default", values), context)
                .sender()
                .orElseThrow();
    }

    private static CarrierSender sender() {
        return sender(Map.of(), Duration.ofSeconds(2));
    }

    private static OutboundSend to(String chatId, MessageContent content) {
        return new OutboundSend("01JXA5N8Q2", chatId, null, content, null, null);
    }

    private static void answer(int status, String body) {
        livechat.stubFor(post(urlEqualTo(PATH))
                .willReturn(aResponse()
                        .withStatus(status)
                        .withHeader("Content-Type", "application/json")
                        .withBody(body)));
    }

    private static void assertSent(String authorization, String json) {
        livechat.verify(
                1,
                postRequestedFor(urlEqualTo(PATH))
                        .withHeader("Authorization", equalTo(authorization))
                        .withHeader("Content-Type", equalTo("application/json"))
                        .withRequestBody(equalToJson(json)));
        assertThat(livechat.getAllServeEvents()).hasSize(1);
    }

    private static void assertSent(String json) {
        assertSent("Bearer " + TOKEN, json);
    }

    private static SendFailure failure(CarrierSender sender, OutboundSend send) {
        return catchThrowableOfType(SendFailure.class, () -> sender.send(send));
    }

    @Test
    void textIsAMessageEventForAllWithABearerToken() throws Exception {
        answer(200, SENT);

        SendResult result = sender().send(to("PW94SJTGW6", new MessageContent.Text("hello world")));

        assertSent("""
                {"chat_id":"PW94SJTGW6",
                 "event":{"type":"message","text":"hello world","visibility":"all","custom_id":"01JXA5N8Q2"}}""");
        assertThat(result).isEqualTo(new SendResult("K600PKZON8", "sent", null));
    }

    @Test
    void personalAccessTokenWithAccountIdIsSentAsBasicAuth() throws Exception {
        answer(200, SENT);
        String accountId = "b7eff798-f8df-4364-8059-649c35c9ed0c";

        sender(Map.of("accountId", accountId, "accessToken", "fra:pat-9qX2"), Duration.ofSeconds(2))
                .send(to("PW94SJTGW6", new MessageContent.Text("hello world")));

        String basic = "Basic "
                + Base64.getEncoder().encodeToString((accountId + ":fra:pat-9qX2").getBytes(StandardCharsets.UTF_8));
        assertSent(basic, """
                {"chat_id":"PW94SJTGW6",
                 "event":{"type":"message","text":"hello world","visibility":"all","custom_id":"01JXA5N8Q2"}}""");
    }

    @Test
    void apiVersionIsPartOfThePath() throws Exception {
        livechat.stubFor(post(urlEqualTo("/v3.6/agent/action/send_event"))
                .willReturn(aResponse().withStatus(200).withBody(SENT)));

        sender(Map.of("apiVersion", "3.6"), Duration.ofSeconds(2))
                .send(to("PW94SJTGW6", new MessageContent.Text("hi")));

        livechat.verify(1, postRequestedFor(urlEqualTo("/v3.6/agent/action/send_event")));
    }

    @Test
    void fileOnLiveChatCdnWithoutCaptionIsAFileEvent() throws Exception {
        answer(200, SENT);
        String url =
                "https://cdn.livechat-files.com/api/file/lc/att/8948324/45a3581b59a7295145c3825c86ec7ab3/image.png";

        sender().send(to("PW94SJTGW6", new MessageContent.Media(null, List.of(MediaItem.url(url, "image/png")))));

        assertSent("""
                {"chat_id":"PW94SJTGW6",
                 "event":{"type":"file","url":"%s","visibility":"all","custom_id":"01JXA5N8Q2"}}""".formatted(url));
    }

    @Test
    void attachmentElsewhereGoesAsItsLinkUnderTheCaptionInOneMessage() throws Exception {
        answer(200, SENT);

        sender().send(to(
                "PW94SJTGW6",
                new MessageContent.Media(
                        "Your invoice and the label",
                        List.of(
                                MediaItem.url("https://files.example.com/invoice-77.pdf", "application/pdf"),
                                MediaItem.url("https://files.example.com/label-77.png", "image/png")))));

        assertSent("""
                {"chat_id":"PW94SJTGW6",
                 "event":{"type":"message",
                          "text":"Your invoice and the label\\nhttps://files.example.com/invoice-77.pdf\\nhttps://files.example.com/label-77.png",
                          "visibility":"all","custom_id":"01JXA5N8Q2"}}""");
    }

    @Test
    void captionedFileOnLiveChatCdnKeepsItsCaptionAsAMessage() throws Exception {
        answer(200, SENT);
        String url =
                "https://cdn.livechat-files.com/api/file/lc/att/8948324/45a3581b59a7295145c3825c86ec7ab3/image.png";

        sender().send(to(
                "PW94SJTGW6", new MessageContent.Media("The damage", List.of(MediaItem.url(url, "image/png")))));

        assertSent("""
                {"chat_id":"PW94SJTGW6",
                 "event":{"type":"message","text":"The damage\\n%s","visibility":"all","custom_id":"01JXA5N8Q2"}}""".formatted(url));
    }

    @Test
    void interactiveIsAQuickRepliesRichMessage() throws Exception {
        answer(200, SENT);

        sender().send(to(
                "PW94SJTGW6",
                new MessageContent.Interactive(
                        "What OS are you using?",
                        List.of(
                                new MessageContent.Interactive.Button("os_windows", "Windows"),
                                new MessageContent.Interactive.Button("os_macos", "MacOS")))));

        assertSent("""
                {"chat_id":"PW94SJTGW6",
                 "event":{"type":"rich_message","template_id":"quick_replies","visibility":"all",
                   "custom_id":"01JXA5N8Q2",
                   "elements":[{"title":"What OS are you using?","buttons":[
                     {"type":"message","text":"Windows","value":"Windows","postback_id":"os_windows","user_ids":[]},
                     {"type":"message","text":"MacOS","value":"MacOS","postback_id":"os_macos","user_ids":[]}]}]}}""");
    }

    @Test
    void moreButtonsThanARichMessageTakesAreRefusedBeforeCallingLiveChat() {
        List<MessageContent.Interactive.Button> buttons = IntStream.rangeClosed(1, 14)
                .mapToObj(i -> new MessageContent.Interactive.Button("b" + i, "Option " + i))
                .toList();

        SendFailure failure = failure(sender(), to("PW94SJTGW6", new MessageContent.Interactive("Pick one", buttons)));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("interactive_unsupported");
        assertThat(livechat.getAllServeEvents()).isEmpty();
    }

    @Test
    void templateIsRefusedBeforeCallingLiveChat() {
        SendFailure failure = failure(
                sender(),
                to("PW94SJTGW6", new MessageContent.Template("Hi Sheena", "order_update", Map.of("1", "Sheena"))));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
        assertThat(failure.code()).isEqualTo("template_unsupported");
        assertThat(livechat.getAllServeEvents()).isEmpty();
    }

    /** LiveChat's error types with their documented default messages and the HTTP status sent with each. */
    @ParameterizedTest(name = "{0} → {3}")
    @CsvSource(delimiter = '|', textBlock = """
            authentication      | 401 | Authentication error                   | CARRIER_REJECTED
            authorization       | 403 | Authorization error                    | CARRIER_REJECTED
            missing_access      | 403 | Missing access                         | CARRIER_REJECTED
            validation          | 400 | Wrong format of request                | CARRIER_REJECTED
            misdirected_request | 421 | Wrong region                           | CARRIER_REJECTED
            license_expired     | 402 | License expired                        | CARRIER_REJECTED
            not_found           | 404 | Not found                              | RECIPIENT_REJECTED
            chat_inactive       | 400 | No active chat thread                  | RECIPIENT_REJECTED
            too_many_requests   | 429 | Too many requests                      | RETRYABLE
            internal            | 500 | Internal server error                  | RETRYABLE
            service_unavailable | 503 | Not accepting new requests             | RETRYABLE
            request_timeout     | 504 | Request timed out                      | RETRYABLE
            some_new_type       | 409 | A type this code has not met           | CARRIER_REJECTED
            some_new_outage     | 502 | Another type this code has not met     | RETRYABLE
            """)
    void liveChatErrorTypesAreClassified(String type, int status, String message, SendFailure.Kind kind) {
        answer(status, """
                {"error":{"type":"%s","message":"%s"}}""".formatted(type, message));

        SendFailure failure = failure(sender(), to("PW94SJTGW6", new MessageContent.Text("hi")));

        assertThat(failure.kind()).isEqualTo(kind);
        assertThat(failure.code()).isEqualTo(type);
        assertThat(failure.getMessage()).isEqualTo(message);
        assertThat(failure.httpStatus()).isEqualTo(status);
        assertThat(livechat.getAllServeEvents()).hasSize(1);
    }

    @Test
    void tooManyRequestsWithRetryAfterIsRetryableAfterThatDuration() {
        livechat.stubFor(post(urlEqualTo(PATH))
                .willReturn(aResponse()
                        .withStatus(429)
                        .withHeader("Content-Type", "application/json")
                        .withHeader("Retry-After", "Mon, 09 Jun 2025 21:01:13 GMT")
                        .withBody("{\"error\":{\"type\":\"too_many_requests\",\"message\":\"Too many requests\"}}")));

        SendFailure failure = failure(sender(), to("PW94SJTGW6", new MessageContent.Text("hi")));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("too_many_requests");
        // the HTTP date is 90 s after the test clock's now
        assertThat(failure.retryAfter()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void serverErrorWithoutAnErrorBodyIsRetryable() {
        livechat.stubFor(
                post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(500).withBody("upstream connect error")));

        SendFailure failure = failure(sender(), to("PW94SJTGW6", new MessageContent.Text("hi")));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("http_500");
    }

    @Test
    void slowAnswerIsRetryableTimeout() {
        livechat.stubFor(post(urlEqualTo(PATH))
                .willReturn(aResponse().withStatus(200).withFixedDelay(1500).withBody(SENT)));

        SendFailure failure =
                failure(sender(Map.of(), Duration.ofMillis(300)), to("PW94SJTGW6", new MessageContent.Text("hi")));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("timeout");
    }
}
