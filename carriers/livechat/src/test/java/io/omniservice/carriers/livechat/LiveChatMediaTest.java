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
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.InMemoryReplayGuard;
import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.carrier.MediaDownload;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.core.outbound.OutboundSend;
import io.omniservice.core.outbound.SendFailure;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * LiveChat media against WireMock playing api.livechatinc.com: {@code upload_file} takes multipart {@code file}
 * and answers {@code {"url":"https://cdn.livechat-files.com/api/file/lc/att/..."}}; a {@code file} event must
 * name that CDN URL (Agent Chat API v3.5 data structures, File). Errors are {@code {"error":{"type","message"}}}.
 */
class LiveChatMediaTest {
    private static final String TOKEN = "dal:test_-AvZSSODKkZsrjoPkQ";
    private static final String UPLOAD = "/v3.5/agent/action/upload_file";
    private static final String SEND = "/v3.5/agent/action/send_event";
    private static final String CDN_URL =
            "https://cdn.livechat-files.com/api/file/lc/att/8948324/45a3581b59a7295145c3825c86ec7ab3/label-77.png";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-09T20:59:43Z"), ZoneOffset.UTC);

    private static WireMockServer livechat;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        livechat = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        livechat.start();
    }

    @AfterAll
    static void stop() {
        livechat.stop();
    }

    @BeforeEach
    void reset() {
        livechat.resetAll();
    }

    private static CarrierAdapter adapter(Map<String, Object> extra) {
        Map<String, Object> values = new HashMap<>(Map.of(
                "secretKey", "lc-webhook-secret-7Qm2vX9pR4", "accessToken", TOKEN, "apiBaseUrl", livechat.baseUrl()));
        values.putAll(extra);
        values.values().removeIf(v -> v.equals(""));
        CarrierContext context = new CarrierContext(
                CLOCK, new InMemoryReplayGuard(CLOCK), CarrierHttp.withTimeout(Duration.ofSeconds(2)));
        return new LiveChatProvider()
                .create(new CarrierSettings("carriers.livechat.default", "default", values), context);
    }

    private static void uploadAnswers(int status, String body) {
        livechat.stubFor(post(urlEqualTo(UPLOAD))
                .willReturn(aResponse()
                        .withStatus(status)
                        .withHeader("Content-Type", "application/json")
                        .withBody(body)));
    }

    @Test
    void fileEventUrlsAreFetchedAsGivenWithoutTheToken() throws Exception {
        MediaDownload download = adapter(Map.of()).mediaAccess().resolve(MediaItem.url(CDN_URL, "image/png"));

        assertThat(download.uri()).isEqualTo(URI.create(CDN_URL));
        assertThat(download.headers()).isEmpty();
    }

    @Test
    void uploadPostsTheFileAsMultipartAndTheSendIsAFileEventOnTheCdnUrl() throws Exception {
        uploadAnswers(200, "{\"url\":\"" + CDN_URL + "\"}");
        livechat.stubFor(post(urlEqualTo(SEND))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"event_id\":\"K600PKZON8\"}")));
        byte[] png = new byte[50_000];
        new Random(11).nextBytes(png);
        System.arraycopy("\r\n--".getBytes(StandardCharsets.US_ASCII), 0, png, 500, 4);
        Path file = Files.write(dir.resolve("converted"), png);
        MediaItem stored = new MediaItem(
                "https://gw.example.com/media/ab12?sig=x", null, "image/png", "label-77.png", 50_000L, null);
        CarrierAdapter adapter = adapter(Map.of());

        MediaItem uploaded = adapter.mediaAccess().upload(stored, file).orElseThrow();

        assertThat(uploaded.url()).isEqualTo(CDN_URL);
        assertThat(uploaded.contentType()).isEqualTo("image/png");
        assertThat(uploaded.filename()).isEqualTo("label-77.png");
        LoggedRequest request =
                livechat.findAll(postRequestedFor(urlEqualTo(UPLOAD))).getFirst();
        assertThat(request.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(request.getHeader("X-Region")).as("the token's data center").isEqualTo("dal");
        assertThat(request.getHeader("Content-Type")).matches("multipart/form-data; boundary=omniservice-[0-9a-f]{32}");
        assertThat(request.getParts()).hasSize(1);
        Request.Part part = request.getPart("file");
        assertThat(part.getHeader("Content-Disposition").firstValue())
                .isEqualTo("form-data; name=\"file\"; filename=\"label-77.png\"");
        assertThat(part.getHeader("Content-Type").firstValue()).isEqualTo("image/png");
        assertThat(part.getBody().asBytes()).isEqualTo(png);

        adapter.sender()
                .orElseThrow()
                .send(new OutboundSend(
                        "01JXA5N8Q2",
                        "PS0X0L086G",
                        null,
                        new MessageContent.Media(null, List.of(uploaded)),
                        null,
                        null));

        livechat.verify(postRequestedFor(urlEqualTo(SEND))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .withHeader("X-Region", equalTo("dal"))
                .withRequestBody(equalToJson("""
                        {"chat_id":"PS0X0L086G",
                         "event":{"type":"file","url":"%s","visibility":"all","custom_id":"01JXA5N8Q2"}}""".formatted(CDN_URL))));
    }

    @Test
    void aPersonalAccessTokenUploadsWithBasicAuth() throws Exception {
        uploadAnswers(200, "{\"url\":\"" + CDN_URL + "\"}");
        Path file = Files.write(dir.resolve("a.png"), new byte[] {1, 2});

        adapter(Map.of("accountId", "bb9e5b2f-1fe9-4b1b-a1b5-9b6e9a4e3c1d"))
                .mediaAccess()
                .upload(MediaItem.url("https://gw.example.com/m/1", "image/png"), file);

        assertThat(livechat.getAllServeEvents().getFirst().getRequest().getHeader("Authorization"))
                .isEqualTo(CarrierHttp.basicAuth("bb9e5b2f-1fe9-4b1b-a1b5-9b6e9a4e3c1d", TOKEN));
    }

    @ParameterizedTest(name = "token {0}, region {1} → X-Region {2}")
    @CsvSource({
        "fra:pat-8bXq2, '', fra",
        "dal:pat-8bXq2, fra, fra",
        "pat-without-prefix, '', ",
        "pat-without-prefix, fra, fra"
    })
    void theAccountsDataCenterGoesAsXRegion(String token, String region, String expected) throws Exception {
        uploadAnswers(200, "{\"url\":\"" + CDN_URL + "\"}");
        Path file = Files.write(dir.resolve("r.png"), new byte[] {1, 2});

        adapter(Map.of("accessToken", token, "region", region))
                .mediaAccess()
                .upload(MediaItem.url("https://gw.example.com/m/1", "image/png"), file);

        assertThat(livechat.getAllServeEvents().getFirst().getRequest().getHeader("X-Region"))
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} {1} → {2}")
    @CsvSource({
        "413, entity_too_large, CARRIER_REJECTED",
        "401, authentication, CARRIER_REJECTED",
        "429, too_many_requests, RETRYABLE",
        "503, service_unavailable, RETRYABLE"
    })
    void uploadErrorsAreClassifiedLikeSends(int status, String type, SendFailure.Kind kind) throws Exception {
        uploadAnswers(status, "{\"error\":{\"type\":\"" + type + "\",\"message\":\"Upload refused\"}}");
        Path file = Files.write(dir.resolve("a.png"), new byte[] {1, 2});

        SendFailure failure = catchThrowableOfType(SendFailure.class, () -> adapter(Map.of())
                .mediaAccess()
                .upload(MediaItem.url("https://gw.example.com/m/1", "image/png"), file));

        assertThat(failure.kind()).isEqualTo(kind);
        assertThat(failure.code()).isEqualTo(type);
    }

    @Test
    void anAnswerWithoutUrlIsRetryable() throws Exception {
        uploadAnswers(200, "{}");
        Path file = Files.write(dir.resolve("a.png"), new byte[] {1, 2});

        SendFailure failure = catchThrowableOfType(SendFailure.class, () -> adapter(Map.of())
                .mediaAccess()
                .upload(MediaItem.url("https://gw.example.com/m/1", "image/png"), file));

        assertThat(failure.kind()).isEqualTo(SendFailure.Kind.RETRYABLE);
        assertThat(failure.code()).isEqualTo("unreadable_answer");
    }

    @Test
    void aReceiveOnlyAccountUploadsNothing() throws Exception {
        Path file = Files.write(dir.resolve("a.png"), new byte[] {1});
        MediaAccess media = adapter(Map.of("accessToken", "")).mediaAccess();

        assertThat(media.upload(MediaItem.url("https://gw.example.com/m/1", "image/png"), file))
                .isEmpty();
        assertThat(livechat.getAllServeEvents()).isEmpty();
    }
}
