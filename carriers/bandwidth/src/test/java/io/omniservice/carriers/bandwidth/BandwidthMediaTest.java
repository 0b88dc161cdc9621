package io.omniservice.carriers.bandwidth;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.InMemoryReplayGuard;
import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.carrier.MediaAccess.MediaUnavailable;
import io.omniservice.core.carrier.MediaDownload;
import io.omniservice.core.model.MediaItem;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bandwidth media credentials, with WireMock playing messaging.bandwidth.com: the Media resource answers 401
 * without the API user's basic auth (dev.bandwidth.com/docs/messaging/media).
 */
class BandwidthMediaTest {
    private static final String MEDIA_PATH = "/api/v2/users/9900001/media/14762070468292kw2fuqty55yp2b2/0/bw.png";

    private static WireMockServer bandwidth;

    @BeforeAll
    static void start() {
        bandwidth = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        bandwidth.start();
    }

    @AfterAll
    static void stop() {
        bandwidth.stop();
    }

    @BeforeEach
    void reset() {
        bandwidth.resetAll();
    }

    private static MediaAccess media(Map<String, Object> overrides) {
        Map<String, Object> values = new HashMap<>(Map.of(
                "callbackUsername", "cb-user",
                "callbackPassword", "cb-password",
                "accountId", "9900001",
                "apiUsername", "api-user",
                "apiPassword", "api-password",
                "applicationId", "93de2206-9669-4e07-948d-329f4b722ee2",
                "from", "+19195551234"));
        values.putAll(overrides);
        values.values().removeIf(v -> v.equals(""));
        Clock clock = Clock.systemUTC();
        return new BandwidthProvider()
                .create(
                        new CarrierSettings("carriers.bandwidth.default", "default", values),
                        new CarrierContext(clock, new InMemoryReplayGuard(clock)))
                .mediaAccess();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void mediaOnTheMessagingApiGetsTheApiUsersBasicAuthThatBandwidthAccepts() throws Exception {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
        bandwidth.stubFor(get(urlEqualTo(MEDIA_PATH)).willReturn(aResponse().withStatus(401)));
        bandwidth.stubFor(get(urlEqualTo(MEDIA_PATH))
                .withHeader("Authorization", equalTo(basic("api-user", "api-password")))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "image/png")
                        .withBody(png)));

        MediaDownload download = media(Map.of("apiBaseUrl", bandwidth.baseUrl()))
                .resolve(MediaItem.url(bandwidth.baseUrl() + MEDIA_PATH, null));

        assertThat(download.headers()).containsExactly(Map.entry("Authorization", basic("api-user", "api-password")));
        HttpRequest.Builder request = HttpRequest.newBuilder(download.uri());
        download.headers().forEach(request::header);
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<byte[]> answer = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo(png);
        }
    }

    @Test
    void theDefaultApiHostGetsTheCredentials() throws Exception {
        MediaDownload download =
                media(Map.of()).resolve(MediaItem.url("https://messaging.bandwidth.com" + MEDIA_PATH, "image/png"));

        assertThat(download.uri()).isEqualTo(URI.create("https://messaging.bandwidth.com" + MEDIA_PATH));
        assertThat(download.headers()).containsExactly(Map.entry("Authorization", basic("api-user", "api-password")));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://cdn.example.com/campaign/flyer.png",
                "https://messaging.bandwidth.com.attacker.example" + MEDIA_PATH,
                "http://messaging.bandwidth.com" + MEDIA_PATH,
                "https://voice.bandwidth.com" + MEDIA_PATH
            })
    void otherOriginsAreFetchedWithoutCredentials(String url) throws Exception {
        MediaDownload download = media(Map.of()).resolve(MediaItem.url(url, null));

        assertThat(download.uri()).isEqualTo(URI.create(url));
        assertThat(download.headers()).isEmpty();
    }

    @Test
    void aReceiveOnlyAccountSaysWhichCredentialsItLacks() {
        MediaAccess media =
                media(Map.of("accountId", "", "apiUsername", "", "apiPassword", "", "applicationId", "", "from", ""));

        assertThat(catchThrowable(
                        () -> media.resolve(MediaItem.url("https://messaging.bandwidth.com" + MEDIA_PATH, null))))
                .isInstanceOf(MediaUnavailable.class)
                .hasMessageContaining("apiUsername");
    }

    @Test
    void aReceiveOnlyAccountStillFetchesForeignMediaPlain() throws Exception {
        MediaAccess media =
                media(Map.of("accountId", "", "apiUsername", "", "apiPassword", "", "applicationId", "", "from", ""));

        assertThat(media.resolve(MediaItem.url("https://cdn.example.com/a.png", null))
                        .headers())
                .isEmpty();
    }

    @Test
    void sendingUploadsNothingBandwidthFetchesOurUrl() throws Exception {
        assertThat(media(Map.of()).upload(MediaItem.url("https://gw.example.com/m/1", "image/png"), Path.of("x")))
                .isEmpty();
    }
}
