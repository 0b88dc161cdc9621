package io.omniservice.carriers.messagebird;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.InMemoryReplayGuard;
import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.carrier.MediaDownload;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.model.MediaItem;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MessageBird media credentials, with WireMock playing media.messagebird.com restricted to the access key
 * (developers.messagebird.com/api/file-storage: public by default, {@code AccessKey} once restricted).
 */
class MessageBirdMediaTest {
    private static final String ACCESS_KEY = "live_gshuPaZoeEG6ovbc8M79w0QyM";
    private static final String MEDIA_PATH = "/v1/media/33352fb4-bae4-4a0e-987e-636e6c195784";

    private static WireMockServer messagebird;

    @BeforeAll
    static void start() {
        messagebird = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        messagebird.start();
    }

    @AfterAll
    static void stop() {
        messagebird.stop();
    }

    @BeforeEach
    void reset() {
        messagebird.resetAll();
    }

    private static MediaAccess media(Map<String, Object> overrides) {
        Map<String, Object> values = new HashMap<>(Map.of(
                "signingKey", "PlLrKaqvZNRR5zAjm42ZT6q1SQxgbbGd", "accessKey", ACCESS_KEY, "channelId", "f457361c"));
        values.putAll(overrides);
        values.values().removeIf(v -> v.equals(""));
        Clock clock = Clock.systemUTC();
        return new MessageBirdProvider()
                .create(
                        new CarrierSettings("carriers.messagebird.default", "default", values),
                        new CarrierContext(clock, new InMemoryReplayGuard(clock)))
                .mediaAccess();
    }

    @Test
    void mediaOnTheMediaHostGetsTheAccessKeyThatMessageBirdAccepts() throws Exception {
        byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0};
        messagebird.stubFor(get(urlEqualTo(MEDIA_PATH))
                .willReturn(aResponse()
                        .withStatus(401)
                        .withBody("{\"errors\":[{\"code\":1001,\"description\":\"You are requesting with an invalid"
                                + " credential.\",\"parameter\":null}]}")));
        messagebird.stubFor(get(urlEqualTo(MEDIA_PATH))
                .withHeader("Authorization", equalTo("AccessKey " + ACCESS_KEY))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "image/jpeg")
                        .withBody(jpeg)));

        MediaDownload download = media(Map.of("mediaBaseUrl", messagebird.baseUrl()))
                .resolve(MediaItem.url(messagebird.baseUrl() + MEDIA_PATH, null));

        assertThat(download.headers()).containsExactly(Map.entry("Authorization", "AccessKey " + ACCESS_KEY));
        HttpRequest.Builder request = HttpRequest.newBuilder(download.uri());
        download.headers().forEach(request::header);
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<byte[]> answer = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo(jpeg);
        }
    }

    @Test
    void theDefaultMediaHostGetsTheAccessKey() throws Exception {
        MediaDownload download =
                media(Map.of()).resolve(MediaItem.url("https://media.messagebird.com" + MEDIA_PATH, null));

        assertThat(download.uri()).isEqualTo(URI.create("https://media.messagebird.com" + MEDIA_PATH));
        assertThat(download.headers()).containsExactly(Map.entry("Authorization", "AccessKey " + ACCESS_KEY));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://internationaltreefoundation.org/wp-content/uploads/2016/05/tree-576848_1280.png",
                "https://media.messagebird.com.attacker.example" + MEDIA_PATH,
                "http://media.messagebird.com" + MEDIA_PATH,
                "https://rest.messagebird.com" + MEDIA_PATH
            })
    void otherOriginsAreFetchedWithoutTheKey(String url) throws Exception {
        MediaDownload download = media(Map.of()).resolve(MediaItem.url(url, null));

        assertThat(download.uri()).isEqualTo(URI.create(url));
        assertThat(download.headers()).isEmpty();
    }

    @Test
    void withoutAnAccessKeyMediaIsFetchedAsThePublicUrlItIsByDefault() throws Exception {
        MediaDownload download = media(Map.of("accessKey", "", "channelId", ""))
                .resolve(MediaItem.url("https://media.messagebird.com" + MEDIA_PATH, null));

        assertThat(download.headers()).isEmpty();
    }

    @Test
    void aMediaBaseUrlThatIsNoUrlStopsStartUpNamingTheKey() {
        assertThatThrownBy(() -> media(Map.of("mediaBaseUrl", "media.messagebird.com")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("carriers.messagebird.default.mediaBaseUrl");
    }

    @Test
    void sendingUploadsNothingMessageBirdFetchesOurUrl() throws Exception {
        assertThat(media(Map.of()).upload(MediaItem.url("https://gw.example.com/m/1", "image/png"), Path.of("x")))
                .isEmpty();
    }
}
