package io.omniservice.carriers.whatsapp;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
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
import io.omniservice.core.carrier.MediaAccess.MediaUnavailable;
import io.omniservice.core.carrier.MediaDownload;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.core.outbound.OutboundSend;
import io.omniservice.core.outbound.SendFailure;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * WhatsApp media against WireMock playing graph.facebook.com. Shapes follow Meta's Cloud API Media reference
 * (Retrieve Media URL answers {@code {messaging_product, url, mime_type, sha256, file_size, id}}; Upload Media
 * takes multipart {@code messaging_product}, {@code type}, {@code file} and answers {@code {"id"}}); a missing
 * id is Graph's 400 with code 100 / subcode 33 ("Unsupported get request. Object with ID ... does not exist").
 */
class WhatsAppMediaTest {
    private static final String TOKEN = "EAAGm0PX4ZCpsBAKZBqZAx2ZC0test";
    private static final String MEDIA_ID = "1013859600285441";
    private static final String PHONE_NUMBER_ID = "106540352242922";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-09T20:59:43Z"), ZoneOffset.UTC);
    private static final String LOOKASIDE = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=" + MEDIA_ID
            + "&ext=1749503083&hash=ATuPq3TZc9mCk6d0Ff1vO5tPb8x3KSAs1n3ZVgx_3lJj0A";

    private static WireMockServer meta;

    @TempDir
    Path dir;

    @BeforeAll
    static void startMeta() {
        meta = new WireMockServer(WireMockConfiguration.options().dynamicPort().dynamicHttpsPort());
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

    /** WireMock also listens for HTTPS, and then its {@code baseUrl()} is that: most tests use the plain port. */
    private static String plainHttpBase() {
        return "http://localhost:" + meta.port();
    }

    private static CarrierAdapter adapter(Map<String, Object> extra, Duration timeout) {
        Map<String, Object> values = new HashMap<>(Map.of(
                "appSecret",
                "3f2b9c41d87e4a0f96c5e2b1a7d0c8e4",
                "verifyToken",
                "omniservice-verify-7c1d",
                "accessToken",
                TOKEN,
                "phoneNumberId",
                PHONE_NUMBER_ID,
                "apiBaseUrl",
                plainHttpBase(),
                "apiVersion",
                "v21.0"));
        values.putAll(extra);
        values.values().removeIf(v -> v == null || "".equals(v));
        CarrierContext context =
                new CarrierContext(CLOCK, new InMemoryReplayGuard(CLOCK), CarrierHttp.withTimeout(timeout));
        return new WhatsAppProvider()
                .create(new CarrierSettings("carriers.whatsapp.default", "default", values), context);
    }

    private static MediaAccess media() {
        return adapter(Map.of(), Duration.ofSeconds(2)).mediaAccess();
    }

    /** As the webhook parser reads an inbound image: an id, Meta's type and digest, no URL. */
    private static MediaItem inboundImage() {
        return new MediaItem(null, MEDIA_ID, "image/jpeg", null, null, "HgvUWdWpKx6PiCkcAMtt0R6WAJhyFYEjfU4uEqsEoGk=");
    }

    /**
     * This account as configured against {@code https://graph.facebook.com}: WireMock's HTTPS port, reached by a
     * client that trusts WireMock's self-signed certificate (any certificate: for this test only).
     */
    private static WhatsAppMedia mediaOverHttps() throws Exception {
        X509ExtendedTrustManager trustAll = new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {trustAll}, new SecureRandom());
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(tls)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        URI graphBase = URI.create("https://localhost:" + meta.httpsPort() + "/v21.0");
        return new WhatsAppMedia(graphBase, PHONE_NUMBER_ID, TOKEN, client, Duration.ofSeconds(2), CLOCK);
    }

    private static String lookupAnswer(String url, String id) {
        return """
                {"messaging_product":"whatsapp","url":"%s","mime_type":"image/jpeg",
                 "sha256":"1e0bd459d5a92b1e8f88291c00cb6dd11e960098721581237d4e2e12ab04a069",
                 "file_size":303833%s}""".formatted(url.replace("/", "\\/"), id == null ? "" : ",\"id\":\"" + id + "\"");
    }

    private static void lookupAnswers(int status, String body) {
        meta.stubFor(get(urlEqualTo("/v21.0/" + MEDIA_ID))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .willReturn(aResponse()
                        .withStatus(status)
                        .withHeader("Content-Type", "application/json")
                        .withBody(body)));
    }

    @Test
    void anUploadedIdIsSentAgainForADayWellInsideTheThirtyDaysMetaKeepsIt() {
        assertThat(media().uploads()).isTrue();
        assertThat(media().uploadsLast()).isEqualTo(Duration.ofDays(1)).isLessThan(Duration.ofDays(30));
    }

    @Test
    void mediaIdIsLookedUpAndItsLookasideUrlIsFetchedWithTheSameBearer() throws Exception {
        lookupAnswers(200, """
                {"messaging_product":"whatsapp","url":"%s","mime_type":"image/jpeg",
                 "sha256":"1e0bd459d5a92b1e8f88a91c00cb6dd11e9600987215811237e14e2ea12a8069",
                 "file_size":303833,"id":"%s"}""".formatted(LOOKASIDE.replace("/", "\\/"), MEDIA_ID));

        MediaDownload download = media().resolve(inboundImage());

        assertThat(download.uri()).isEqualTo(URI.create(LOOKASIDE));
        assertThat(download.headers()).containsExactly(Map.entry("Authorization", "Bearer " + TOKEN));
        meta.verify(1, getRequestedFor(urlEqualTo("/v21.0/" + MEDIA_ID)));
    }

    @Test
    void aPlainHttpDownloadUrlFromAnHttpsGraphIsRefusedSoTheTokenNeverTravelsInClear() throws Exception {
        lookupAnswers(200, lookupAnswer(LOOKASIDE.replace("https://", "http://"), MEDIA_ID));
        WhatsAppMedia media = mediaOverHttps();

        MediaUnavailable unavailable =
                catchThrowableOfType(MediaUnavailable.class, () -> media.resolve(inboundImage()));

        assertThat(unavailable).isNotNull();
        assertThat(unavailable.getMessage())
                .contains(MEDIA_ID, "lookaside.fbsbx.com", "https")
                .doesNotContain(TOKEN);
        meta.verify(1, getRequestedFor(urlEqualTo("/v21.0/" + MEDIA_ID)));
    }

    @Test
    void anHttpsGraphAnsweringAnHttpsUrlHandsOutTheBearer() throws Exception {
        lookupAnswers(200, lookupAnswer(LOOKASIDE, MEDIA_ID));

        MediaDownload download = mediaOverHttps().resolve(inboundImage());

        assertThat(download.uri()).isEqualTo(URI.create(LOOKASIDE));
        assertThat(download.headers()).containsExactly(Map.entry("Authorization", "Bearer " + TOKEN));
    }

    @Test
    void aPlainHttpGraphBaseMayAnswerAPlainHttpUrlAsATestOrLocalProxyDoes() throws Exception {
        String local = plainHttpBase() + "/whatsapp_business/attachments/?mid=" + MEDIA_ID;
        lookupAnswers(200, lookupAnswer(local, MEDIA_ID));

        MediaDownload download = media().resolve(inboundImage());

        assertThat(download.uri()).isEqualTo(URI.create(local));
        assertThat(download.headers()).containsExactly(Map.entry("Authorization", "Bearer " + TOKEN));
    }

    @Test
    void aLookupAnswerForAnotherMediaIdIsRetryableAndHandsOutNoUrl() {
        lookupAnswers(200, lookupAnswer(LOOKASIDE, "2754859441498128"));

        assertThat(catchThrowable(() -> media().resolve(inboundImage())))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(MediaUnavailable.class)
                .hasMessageContaining(MEDIA_ID)
                .hasMessageContaining("2754859441498128");
    }

    @Test
    void aLookupAnswerWithoutIdIsStillUsed() throws Exception {
        lookupAnswers(200, lookupAnswer(LOOKASIDE, null));

        assertThat(media().resolve(inboundImage()).uri()).isEqualTo(URI.create(LOOKASIDE));
    }

    @Test
    void anItemWithOnlyAUrlIsFetchedAsGivenWithoutTheToken() throws Exception {
        MediaDownload download = media().resolve(MediaItem.url("https://cdn.example.com/files/4411.jpg", null));

        assertThat(download.uri()).isEqualTo(URI.create("https://cdn.example.com/files/4411.jpg"));
        assertThat(download.headers()).isEmpty();
        assertThat(meta.getAllServeEvents()).isEmpty();
    }

    @Test
    void aMediaIdMetaNoLongerHasIsUnavailableNamingGraphsError() {
        lookupAnswers(404, """
                {"error":{"message":"(#100) Media not found","type":"OAuthException","code":100,
                          "fbtrace_id":"AbCdEf0123"}}""");

        MediaUnavailable unavailable =
                catchThrowableOfType(MediaUnavailable.class, () -> media().resolve(inboundImage()));

        assertThat(unavailable).isNotNull();
        assertThat(unavailable.getMessage()).contains("404", MEDIA_ID, "code 100", "Media not found");
    }

    @ParameterizedTest(name = "{0} with Graph code {1} → {2}")
    @CsvSource({
        // the id does not exist (Graph's answer to an unknown object id)
        "400, 100, 33, unavailable",
        // token lacks access to the WABA the media belongs to / expired token
        "403, 200, 0, unavailable",
        "401, 190, 463, unavailable",
        "410, 100, 0, unavailable",
        // throttling comes as 400 with code 4 or 80007: worth waiting for
        "400, 4, 0, retry",
        "400, 80007, 0, retry",
        "429, 130429, 0, retry",
        "500, 1, 0, retry",
        "503, 2, 0, retry"
    })
    void graphErrorsAreClassified(int status, int code, int subcode, String expected) {
        lookupAnswers(status, """
                {"error":{"message":"(#%d) some error","type":"OAuthException","code":%d,"error_subcode":%d,
                          "fbtrace_id":"AbCdEf0123"}}""".formatted(code, code, subcode));

        Throwable thrown = catchThrowable(() -> media().resolve(inboundImage()));

        if (expected.equals("unavailable")) {
            assertThat(thrown).isInstanceOf(MediaUnavailable.class).hasMessageContaining("code " + code);
        } else {
            assertThat(thrown).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aServerErrorWithoutGraphBodyIsRetryable() {
        meta.stubFor(get(urlEqualTo("/v21.0/" + MEDIA_ID))
                .willReturn(aResponse().withStatus(500).withBody("<html>Internal Server Error</html>")));

        assertThat(catchThrowable(() -> media().resolve(inboundImage())))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("500");
    }

    @Test
    void aSlowLookupIsRetryable() {
        meta.stubFor(get(urlEqualTo("/v21.0/" + MEDIA_ID))
                .willReturn(aResponse().withStatus(200).withFixedDelay(1500).withBody("{}")));

        MediaAccess media = adapter(Map.of(), Duration.ofMillis(300)).mediaAccess();

        assertThat(catchThrowable(() -> media.resolve(inboundImage()))).isInstanceOf(IOException.class);
    }

    @Test
    void aLookupAnswerWithoutUrlIsRetryableNotAHeaderForAnyHost() {
        lookupAnswers(200, "{\"messaging_product\":\"whatsapp\",\"id\":\"" + MEDIA_ID + "\"}");

        assertThat(catchThrowable(() -> media().resolve(inboundImage())))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(MediaUnavailable.class);
    }

    @Test
    void aReceiveOnlyAccountCannotLookUpIdsAndSaysWhich() {
        MediaAccess media = adapter(Map.of("accessToken", "", "phoneNumberId", ""), Duration.ofSeconds(2))
                .mediaAccess();

        assertThat(catchThrowable(() -> media.resolve(inboundImage())))
                .isInstanceOf(MediaUnavailable.class)
                .hasMessageContaining("accessToken");
        assertThat(meta.getAllServeEvents()).isEmpty();
    }

    @Test
    void uploadPostsMultipartPartsAndTheSendGoesByTheReturnedId() throws Exception {
        meta.stubFor(post(urlEqualTo("/v21.0/" + PHONE_NUMBER_ID + "/media"))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"id\":\"4490709327384033\"}")));
        meta.stubFor(post(urlEqualTo("/v21.0/" + PHONE_NUMBER_ID + "/messages"))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody("""
                                {"messaging_product":"whatsapp","contacts":[{"input":"16505551234","wa_id":"16505551234"}],
                                 "messages":[{"id":"wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI3NkE0NzZGQjNBMzg1QUQyRTIA"}]}""")));
        // binary bytes with CR LF and dashes, as a boundary-naive writer would get wrong
        byte[] bytes = new byte[300_000];
        new Random(7).nextBytes(bytes);
        byte[] tricky = "\r\n--\r\n--omniservice-".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(tricky, 0, bytes, 1000, tricky.length);
        Path file = Files.write(dir.resolve("converted.bin"), bytes);
        MediaItem stored = new MediaItem(
                "https://gw.example.com/media/ab12?sig=x", null, "application/pdf", "invoice-77.pdf", 300_000L, null);
        CarrierAdapter adapter = adapter(Map.of(), Duration.ofSeconds(2));

        MediaItem uploaded = adapter.mediaAccess().upload(stored, file).orElseThrow();

        assertThat(uploaded.carrierMediaId()).isEqualTo("4490709327384033");
        assertThat(uploaded.url()).isNull();
        assertThat(uploaded.filename()).isEqualTo("invoice-77.pdf");
        LoggedRequest request = meta.findAll(postRequestedFor(urlEqualTo("/v21.0/" + PHONE_NUMBER_ID + "/media")))
                .getFirst();
        assertThat(request.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(request.getHeader("Content-Type")).matches("multipart/form-data; boundary=omniservice-[0-9a-f]{32}");
        assertThat(request.getParts()).hasSize(3);
        Request.Part product = request.getPart("messaging_product");
        assertThat(product.getBody().asString()).isEqualTo("whatsapp");
        assertThat(request.getPart("type").getBody().asString()).isEqualTo("application/pdf");
        Request.Part filePart = request.getPart("file");
        assertThat(filePart.getHeader("Content-Disposition").firstValue())
                .isEqualTo("form-data; name=\"file\"; filename=\"invoice-77.pdf\"");
        assertThat(filePart.getHeader("Content-Type").firstValue()).isEqualTo("application/pdf");
        assertThat(filePart.getBody().asBytes()).isEqualTo(bytes);

        adapter.sender()
                .orElseThrow()
                .send(new OutboundSend(
                        "01JXA5N8Q2",
                        "+16505551234",
                        null,
                        new MessageContent.Media("Invoice attached", List.of(uploaded)),
                        null,
                        null));

        meta.verify(postRequestedFor(urlEqualTo("/v21.0/" + PHONE_NUMBER_ID + "/messages"))
                .withRequestBody(equalToJson("""
                        {"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234",
                         "type":"document","document":{"id":"4490709327384033","caption":"Invoice attached",
                         "filename":"invoice-77.pdf"}}""")));
    }

    @Test
    void aFilenameWithQuotesCannotBreakThePartHeader() throws Exception {
        meta.stubFor(post(urlEqualTo("/v21.0/" + PHONE_NUMBER_ID + "/media"))
                .willReturn(aResponse().withStatus(200).withBody("{\"id\":\"4490709327384033\"}")));
        Path file = Files.write(dir.resolve("a.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF});

        media().upload(new MediaItem(null, null, "image/jpeg", "say \"cheese\"\r\n.jpg", 3L, null), file);

        Request.Part part = meta.getAllServeEvents().getFirst().getRequest().getPart("file");
        assertThat(part.getHeader("Content-Disposition").firstValue())
                .isEqualTo("form-data; name=\"file\"; filename=\"say %22cheese%22%0D%0A.jpg\"");
        assertThat(part.getBody().asBytes()).containsExactly(0xFF, 0xD8, 0xFF);
    }

    @ParameterizedTest(name = "{0} code {1} → {2}")
    @CsvSource({
        "400, 100, CARRIER_REJECTED",
        "401, 190, CARRIER_REJECTED",
        "400, 131056, RETRYABLE",
        "503, 2, RETRYABLE"
    })
    void uploadErrorsAreClassifiedLikeSends(int status, int code, SendFailure.Kind kind) throws Exception {
        meta.stubFor(post(urlEqualTo("/v21.0/" + PHONE_NUMBER_ID + "/media"))
                .willReturn(aResponse()
                        .withStatus(status)
                        .withHeader("Content-Type", "application/json")
                        .withBody("""
                                {"error":{"message":"(#%d) Invalid parameter","type":"OAuthException","code":%d,
                                 "error_data":{"details":"Param file must be a file with one of the following types"},
                                 "fbtrace_id":"AbCdEf0123"}}""".formatted(code, code))));
        Path file = Files.write(dir.resolve("a.bin"), new byte[] {1, 2, 3});

        SendFailure failure = catchThrowableOfType(SendFailure.class, () -> media().upload(
                        new MediaItem(null, null, "application/x-msdownload", "a.exe", 3L, null), file));

        assertThat(failure.kind()).isEqualTo(kind);
        assertThat(failure.code()).isEqualTo(Integer.toString(code));
        assertThat(failure.httpStatus()).isEqualTo(status);
    }

    @Test
    void aReceiveOnlyAccountUploadsNothing() throws Exception {
        Path file = Files.write(dir.resolve("a.jpg"), new byte[] {1});
        MediaAccess media = adapter(Map.of("accessToken", "", "phoneNumberId", ""), Duration.ofSeconds(2))
                .mediaAccess();

        assertThat(media.upload(MediaItem.url("https://gw.example.com/m/1", "image/jpeg"), file))
                .isEmpty();
        assertThat(meta.getAllServeEvents()).isEmpty();
    }
}
