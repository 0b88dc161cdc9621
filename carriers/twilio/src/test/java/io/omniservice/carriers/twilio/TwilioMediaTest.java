package io.omniservice.carriers.twilio;

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
import io.omniservice.core.carrier.MediaDownload;
import io.omniservice.core.model.MediaItem;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
 * Twilio media credentials, with WireMock playing api.twilio.com: a {@code MediaUrlN} answers 401 without basic
 * auth and, with it, redirects to the signed storage URL (twilio.com/docs/messaging/api/media-resource).
 */
class TwilioMediaTest {
    private static final String SID = "ACae0f6c7f1c4e4b8a9d2c3b4a5f6e7d8c";
    private static final String TOKEN = "9c1e5b7d3f2a4c6e8b0d1f3a5c7e9b2d";
    private static final String KEY_SID = "SK0123456789abcdef0123456789abcdef";
    private static final String KEY_SECRET = "kEyS3cr3tVa1ue";
    private static final String MEDIA_PATH = "/2010-04-01/Accounts/" + SID
            + "/Messages/MM1f8e2c3d4b5a69788796a5b4c3d2e1f0/Media/ME2a4c6e8f0b1d3f5a7c9e1b3d5f7a9c1e";

    private static WireMockServer twilio;

    @BeforeAll
    static void start() {
        twilio = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        twilio.start();
    }

    @AfterAll
    static void stop() {
        twilio.stop();
    }

    @BeforeEach
    void reset() {
        twilio.resetAll();
    }

    private static MediaAccess media(Map<String, Object> extra) {
        Map<String, Object> values = new HashMap<>(Map.of("accountSid", SID, "authToken", TOKEN));
        values.putAll(extra);
        Clock clock = Clock.systemUTC();
        return new TwilioProvider()
                .create(
                        new CarrierSettings("carriers.twilio.default", "default", values),
                        new CarrierContext(clock, new InMemoryReplayGuard(clock)))
                .mediaAccess();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void mediaUrlOnTheApiHostGetsBasicAuthThatTwilioAccepts() throws Exception {
        twilio.stubFor(get(urlEqualTo(MEDIA_PATH)).willReturn(aResponse().withStatus(401)));
        twilio.stubFor(get(urlEqualTo(MEDIA_PATH))
                .withHeader("Authorization", equalTo(basic(SID, TOKEN)))
                .willReturn(aResponse()
                        .withStatus(307)
                        .withHeader(
                                "Location",
                                "https://s3-external-1.amazonaws.com/media.twiliocdn.com/" + SID
                                        + "/8b1c4d2f0e7a9c3b5d6e?X-Amz-Signature=ab12")));
        MediaItem item = MediaItem.url(twilio.baseUrl() + MEDIA_PATH, "image/jpeg");

        MediaDownload download = media(Map.of("apiBaseUrl", twilio.baseUrl())).resolve(item);

        assertThat(download.uri()).isEqualTo(URI.create(twilio.baseUrl() + MEDIA_PATH));
        assertThat(download.headers()).containsExactly(Map.entry("Authorization", basic(SID, TOKEN)));
        // what the pipeline will do: GET with those headers; Twilio answers with the storage redirect, not 401
        HttpRequest.Builder request = HttpRequest.newBuilder(download.uri());
        download.headers().forEach(request::header);
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<Void> answer = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
            assertThat(answer.statusCode()).isEqualTo(307);
        }
    }

    @Test
    void anApiKeyIsUsedWhenTheAccountHasOne() throws Exception {
        MediaDownload download = media(Map.of("apiKeySid", KEY_SID, "apiKeySecret", KEY_SECRET))
                .resolve(MediaItem.url("https://api.twilio.com" + MEDIA_PATH, "image/png"));

        assertThat(download.headers()).containsExactly(Map.entry("Authorization", basic(KEY_SID, KEY_SECRET)));
    }

    @Test
    void theDefaultApiHostGetsTheAccountCredentials() throws Exception {
        MediaDownload download =
                media(Map.of()).resolve(MediaItem.url("https://API.twilio.com:443" + MEDIA_PATH, null));

        assertThat(download.headers()).containsExactly(Map.entry("Authorization", basic(SID, TOKEN)));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://s3-external-1.amazonaws.com/media.twiliocdn.com/ACae0f/8b1c4d2f0e7a9c3b5d6e",
                "https://api.twilio.com.attacker.example/2010-04-01/Accounts/x/Media/y",
                "https://media.twiliocdn.com/ACae0f/8b1c4d2f",
                "http://api.twilio.com/2010-04-01/Accounts/x/Media/y",
                "https://api.twilio.com:8443/2010-04-01/Accounts/x/Media/y"
            })
    void otherOriginsAreFetchedWithoutCredentials(String url) throws Exception {
        MediaDownload download = media(Map.of()).resolve(MediaItem.url(url, "image/jpeg"));

        assertThat(download.uri()).isEqualTo(URI.create(url));
        assertThat(download.headers()).isEmpty();
    }

    @Test
    void anItemWithoutUrlCannotBeFetched() {
        assertThat(catchThrowable(() -> media(Map.of()).resolve(new MediaItem(null, "ME12", null, null, null, null))))
                .isInstanceOf(IOException.class);
    }
}
