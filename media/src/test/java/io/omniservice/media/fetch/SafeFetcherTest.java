package io.omniservice.media.fetch;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.Options.ChunkedEncodingPolicy;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.omniservice.core.carrier.MediaDownload;
import io.omniservice.core.net.AddressGuard;
import io.omniservice.core.net.HostResolver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafeFetcherTest {
    private static final Map<String, String> CREDENTIALS = Map.of("Authorization", "Basic QUMxMjM6c2VjcmV0");
    private static final FetchLimits FAST =
            new FetchLimits(Duration.ofSeconds(2), Duration.ofSeconds(5), 1 << 20, 5, 2);

    private final WireMockServer carrier = new WireMockServer(wireMockConfig()
            .dynamicPort()
            .bindAddress("127.0.0.1")
            .useChunkedTransferEncoding(ChunkedEncodingPolicy.NEVER));
    private final WireMockServer storage = new WireMockServer(wireMockConfig()
            .dynamicPort()
            .bindAddress("127.0.0.1")
            .useChunkedTransferEncoding(ChunkedEncodingPolicy.ALWAYS));

    @TempDir
    Path temp;

    @BeforeEach
    void start() {
        carrier.start();
        storage.start();
    }

    @AfterEach
    void stop() {
        carrier.stop();
        storage.stop();
    }

    @Test
    void streamsTheBodyToATempFileWithItsSha256() throws Exception {
        byte[] body = randomBytes(300_000);
        carrier.stubFor(get("/media/ME1")
                .willReturn(aResponse().withHeader("Content-Type", "image/png").withBody(body)));

        Fetched fetched = fetcher(FAST).fetch(new MediaDownload(carrierUri("/media/ME1"), CREDENTIALS));

        assertThat(fetched.size()).isEqualTo(body.length);
        assertThat(fetched.sha256())
                .isEqualTo(HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(body)))
                .matches("[0-9a-f]{64}");
        assertThat(Files.readAllBytes(fetched.file())).isEqualTo(body);
        assertThat(fetched.file().getParent()).isEqualTo(temp);
        assertThat(fetched.declaredType()).isEqualTo("image/png");
        assertThat(fetched.finalUri()).isEqualTo(carrierUri("/media/ME1"));

        fetched.close();
        assertThat(fetched.file()).doesNotExist();
    }

    @Test
    void refusesADeclaredContentLengthOverTheCapBeforeReading() throws Exception {
        carrier.stubFor(get("/big").willReturn(aResponse().withBody(new byte[200_000])));
        assertThat(rawGet(carrierUri("/big")).headers().firstValueAsLong("Content-Length"))
                .hasValue(200_000);

        assertThatThrownBy(() -> fetcher(FAST.withMaxBytes(50_000)).fetch(MediaDownload.plain(carrierUri("/big"))))
                .isInstanceOfSatisfying(
                        FetchRefused.class, e -> assertThat(e.code()).isEqualTo(FetchRefused.TOO_LARGE))
                .hasMessage("media from 127.0.0.1 refused: the server declares 200000 bytes, over the limit of 50000");
        assertNoTempFiles();
    }

    @Test
    void stopsAChunkedBodyAsSoonAsItPassesTheCap() throws Exception {
        storage.stubFor(get("/stream").willReturn(aResponse().withBody(new byte[2_000_000])));
        assertThat(rawGet(storageUri("/stream")).headers().firstValue("Content-Length"))
                .as("precondition: the body is chunked, so only counting can stop it")
                .isEmpty();

        assertThatThrownBy(() -> fetcher(FAST.withMaxBytes(64_000)).fetch(MediaDownload.plain(storageUri("/stream"))))
                .isInstanceOfSatisfying(
                        FetchRefused.class, e -> assertThat(e.code()).isEqualTo(FetchRefused.TOO_LARGE))
                .hasMessageContaining("the body is over the limit of 64000 bytes");
        assertNoTempFiles();
    }

    @Test
    void acceptsABodyOfExactlyTheCap() throws Exception {
        storage.stubFor(get("/exact").willReturn(aResponse().withBody(randomBytes(64_000))));

        try (Fetched fetched = fetcher(FAST.withMaxBytes(64_000)).fetch(MediaDownload.plain(storageUri("/exact")))) {
            assertThat(fetched.size()).isEqualTo(64_000);
        }
    }

    @Test
    void keepsCarrierCredentialsOnASameOriginRedirect() throws Exception {
        carrier.stubFor(get("/media/ME2").willReturn(aResponse().withStatus(301).withHeader("Location", "files/ME2")));
        carrier.stubFor(get("/media/files/ME2").willReturn(aResponse().withBody("same origin")));

        try (Fetched fetched = fetcher(FAST).fetch(new MediaDownload(carrierUri("/media/ME2"), CREDENTIALS))) {
            assertThat(fetched.finalUri()).isEqualTo(carrierUri("/media/files/ME2"));
            assertThat(Files.readString(fetched.file())).isEqualTo("same origin");
        }
        carrier.verify(getRequestedFor(urlEqualTo("/media/files/ME2"))
                .withHeader("Authorization", equalTo(CREDENTIALS.get("Authorization"))));
    }

    @Test
    void dropsCarrierCredentialsAfterACrossOriginRedirect() throws Exception {
        // Twilio answers its media URL with a redirect to a signed storage URL on another host.
        URI signed = storageUri("/bucket/ME3?X-Amz-Signature=abc");
        carrier.stubFor(
                get("/media/ME3").willReturn(aResponse().withStatus(307).withHeader("Location", signed.toString())));
        storage.stubFor(
                get("/bucket/ME3?X-Amz-Signature=abc").willReturn(aResponse().withBody("stored")));

        try (Fetched fetched = fetcher(FAST).fetch(new MediaDownload(carrierUri("/media/ME3"), CREDENTIALS))) {
            assertThat(fetched.finalUri()).isEqualTo(signed);
            assertThat(Files.readString(fetched.file())).isEqualTo("stored");
        }
        carrier.verify(getRequestedFor(urlEqualTo("/media/ME3"))
                .withHeader("Authorization", equalTo(CREDENTIALS.get("Authorization"))));
        storage.verify(
                getRequestedFor(urlEqualTo("/bucket/ME3?X-Amz-Signature=abc")).withoutHeader("Authorization"));
    }

    @Test
    void aRedirectBackToTheOriginalOriginGetsTheCredentialsAgain() throws Exception {
        carrier.stubFor(get("/start")
                .willReturn(aResponse()
                        .withStatus(302)
                        .withHeader("Location", storageUri("/hop").toString())));
        storage.stubFor(get("/hop")
                .willReturn(aResponse()
                        .withStatus(303)
                        .withHeader("Location", carrierUri("/end").toString())));
        carrier.stubFor(get("/end").willReturn(aResponse().withBody("back home")));

        try (Fetched fetched = fetcher(FAST).fetch(new MediaDownload(carrierUri("/start"), CREDENTIALS))) {
            assertThat(Files.readString(fetched.file())).isEqualTo("back home");
        }
        storage.verify(getRequestedFor(urlEqualTo("/hop")).withoutHeader("Authorization"));
        carrier.verify(getRequestedFor(urlEqualTo("/end"))
                .withHeader("Authorization", equalTo(CREDENTIALS.get("Authorization"))));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
                "http://10.0.0.1/admin",
                "http://[::ffff:127.0.0.2]:8080/",
                "file:///etc/passwd"
            })
    void refusesARedirectToAnAddressItMayNotReach(String target) throws IOException {
        carrier.stubFor(get("/evil").willReturn(aResponse().withStatus(302).withHeader("Location", target)));

        assertThatThrownBy(() -> fetcher(FAST).fetch(MediaDownload.plain(carrierUri("/evil"))))
                .isInstanceOfSatisfying(FetchRefused.class, e -> assertThat(e.code())
                        .isIn(FetchRefused.ADDRESS_NOT_ALLOWED, FetchRefused.BAD_URL));
        carrier.verify(1, getRequestedFor(urlEqualTo("/evil")));
        assertNoTempFiles();
    }

    @Test
    void refusesAnotherLoopbackAddressWhenOnlyOneIsAllowed() {
        URI other = URI.create("http://127.0.0.2:" + carrier.port() + "/media");

        assertThatThrownBy(() -> fetcher(FAST).fetch(MediaDownload.plain(other)))
                .isInstanceOfSatisfying(
                        FetchRefused.class, e -> assertThat(e.code()).isEqualTo(FetchRefused.ADDRESS_NOT_ALLOWED))
                .hasMessageContaining("127.0.0.2 is 127.0.0.2, a loopback address");
    }

    @Test
    void retriesA503ThenSucceeds() throws Exception {
        carrier.stubFor(get("/flaky")
                .inScenario("flaky")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503))
                .willSetStateTo("recovered"));
        carrier.stubFor(get("/flaky")
                .inScenario("flaky")
                .whenScenarioStateIs("recovered")
                .willReturn(aResponse().withBody("second time")));

        try (Fetched fetched = fetcher(FAST).fetch(MediaDownload.plain(carrierUri("/flaky")))) {
            assertThat(Files.readString(fetched.file())).isEqualTo("second time");
        }
        carrier.verify(2, getRequestedFor(urlEqualTo("/flaky")));
    }

    @Test
    void honoursASmallRetryAfterOn429() throws Exception {
        carrier.stubFor(get("/limited")
                .inScenario("limited")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1"))
                .willSetStateTo("open"));
        carrier.stubFor(get("/limited")
                .inScenario("limited")
                .whenScenarioStateIs("open")
                .willReturn(aResponse().withBody("ok")));

        long started = System.nanoTime();
        try (Fetched fetched = fetcher(FAST).fetch(MediaDownload.plain(carrierUri("/limited")))) {
            assertThat(fetched.size()).isEqualTo(2);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void givesUpOnPersistent5xxWithAnIOException() throws IOException {
        carrier.stubFor(get("/down").willReturn(aResponse().withStatus(502)));

        assertThatThrownBy(() -> fetcher(FAST).fetch(MediaDownload.plain(carrierUri("/down"))))
                .isExactlyInstanceOf(IOException.class)
                .hasMessage("media from 127.0.0.1 could not be fetched (2 attempts): TransientStatus: the server at"
                        + " 127.0.0.1 answered HTTP 502");
        carrier.verify(2, getRequestedFor(urlEqualTo("/down")));
        assertNoTempFiles();
    }

    @Test
    void aConnectionRefusedIsRetryable() {
        URI closed = carrierUri("/gone");
        carrier.stop();

        assertThatThrownBy(() -> fetcher(FAST).fetch(MediaDownload.plain(closed)))
                .isExactlyInstanceOf(IOException.class)
                .hasMessageStartingWith("media from 127.0.0.1 could not be fetched (2 attempts): ")
                .hasMessageContaining("Connection refused");
    }

    @Test
    void refuses404WithoutRetrying() {
        carrier.stubFor(get("/missing").willReturn(aResponse().withStatus(404)));

        assertThatThrownBy(() -> fetcher(FAST).fetch(new MediaDownload(carrierUri("/missing"), CREDENTIALS)))
                .isInstanceOfSatisfying(FetchRefused.class, e -> {
                    assertThat(e.code()).isEqualTo(FetchRefused.HTTP_STATUS);
                    assertThat(e.status()).isEqualTo(404);
                })
                .hasMessage("media from 127.0.0.1 refused: the server answered HTTP 404")
                .hasMessageNotContaining("secret");
        carrier.verify(1, getRequestedFor(urlEqualTo("/missing")));
    }

    @Test
    void refusesARedirectLoop() {
        carrier.stubFor(get("/loop").willReturn(aResponse().withStatus(302).withHeader("Location", "/loop")));

        assertThatThrownBy(() -> fetcher(FAST).fetch(MediaDownload.plain(carrierUri("/loop"))))
                .isInstanceOfSatisfying(
                        FetchRefused.class, e -> assertThat(e.code()).isEqualTo(FetchRefused.TOO_MANY_REDIRECTS))
                .hasMessage("media from 127.0.0.1 refused: more than 5 redirects");
        carrier.verify(6, getRequestedFor(urlEqualTo("/loop")));
    }

    @Test
    void refusesAnEmptyBody() throws IOException {
        carrier.stubFor(get("/empty").willReturn(aResponse().withStatus(200)));
        storage.stubFor(get("/empty").willReturn(aResponse().withStatus(200).withBody(new byte[0])));

        assertThatThrownBy(() -> fetcher(FAST).fetch(MediaDownload.plain(carrierUri("/empty"))))
                .isInstanceOfSatisfying(
                        FetchRefused.class, e -> assertThat(e.code()).isEqualTo(FetchRefused.EMPTY));
        assertThatThrownBy(() -> fetcher(FAST).fetch(MediaDownload.plain(storageUri("/empty"))))
                .isInstanceOfSatisfying(
                        FetchRefused.class, e -> assertThat(e.code()).isEqualTo(FetchRefused.EMPTY));
        assertNoTempFiles();
    }

    @Test
    void cutsOffABodyThatDribblesPastTheRequestTimeout() throws IOException {
        storage.stubFor(
                get("/slow").willReturn(aResponse().withBody(new byte[10_000]).withChunkedDribbleDelay(10, 5_000)));
        // long enough for the headers to come even on a loaded machine, far shorter than the 5 s dribble
        FetchLimits impatient = new FetchLimits(Duration.ofSeconds(1), Duration.ofMillis(1_500), 1 << 20, 5, 1);

        long started = System.nanoTime();
        assertThatThrownBy(() -> fetcher(impatient).fetch(MediaDownload.plain(storageUri("/slow"))))
                .isExactlyInstanceOf(IOException.class)
                .hasMessageContaining("HttpTimeoutException: no complete answer from 127.0.0.1 within 1500 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(4_500));
        assertNoTempFiles();
    }

    @Test
    void connectsToTheAddressTheGuardResolvedNotTheSystemsAnswer() throws Exception {
        carrier.stubFor(get("/pinned").willReturn(aResponse().withBody("bytes")));
        // a name the system's DNS cannot answer: only the guard's resolver knows it
        HostResolver resolver = host -> host.equals("media.carrier.example")
                ? new InetAddress[] {InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})}
                : new InetAddress[0];
        SafeFetcher fetcher = new SafeFetcher(
                new AddressGuard("media.fetch.allowedNetworks", List.of("127.0.0.1/32"), resolver), FAST, temp);

        try (Fetched fetched = fetcher.fetch(
                MediaDownload.plain(URI.create("http://media.carrier.example:" + carrier.port() + "/pinned")))) {
            assertThat(Files.readString(fetched.file())).isEqualTo("bytes");
        }
        carrier.verify(
                1,
                getRequestedFor(urlEqualTo("/pinned"))
                        .withHeader("Host", containing("media.carrier.example"))
                        .withHeader("User-Agent", equalTo("Omniservice")));
    }

    @Test
    void aHostThatRebindsToLoopbackAfterTheCheckIsRefusedAtConnect() throws Exception {
        carrier.stubFor(get("/rebind").willReturn(aResponse().withBody("internal")));
        // DNS rebinding: a public address for the check, loopback for the connection that follows
        AtomicInteger lookups = new AtomicInteger();
        HostResolver rebinding = host -> new InetAddress[] {
            InetAddress.getByAddress(
                    host,
                    lookups.getAndIncrement() == 0
                            ? new byte[] {93, (byte) 184, (byte) 215, 14}
                            : new byte[] {127, 0, 0, 1})
        };
        SafeFetcher fetcher =
                new SafeFetcher(new AddressGuard("media.fetch.allowedNetworks", List.of(), rebinding), FAST, temp);

        assertThatThrownBy(() -> fetcher.fetch(MediaDownload.plain(
                        URI.create("http://rebind.attacker.example:" + carrier.port() + "/rebind"))))
                .isInstanceOfSatisfying(
                        FetchRefused.class, e -> assertThat(e.code()).isEqualTo(FetchRefused.ADDRESS_NOT_ALLOWED))
                .hasMessageContaining("rebind.attacker.example is 127.0.0.1, a loopback address");
        assertThat(lookups).hasValue(2);
        carrier.verify(0, getRequestedFor(urlEqualTo("/rebind")));
        assertNoTempFiles();
    }

    private SafeFetcher fetcher(FetchLimits limits) {
        return new SafeFetcher(new AddressGuard("media.fetch.allowedNetworks", List.of("127.0.0.1/32")), limits, temp);
    }

    private URI carrierUri(String path) {
        return URI.create("http://127.0.0.1:" + carrier.port() + path);
    }

    private URI storageUri(String path) {
        return URI.create("http://127.0.0.1:" + storage.port() + path);
    }

    private static HttpResponse<byte[]> rawGet(URI uri) throws Exception {
        try (HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
        }
    }

    private void assertNoTempFiles() throws IOException {
        try (Stream<Path> files = Files.list(temp)) {
            assertThat(files).as("temp files left behind").isEmpty();
        }
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }
}
