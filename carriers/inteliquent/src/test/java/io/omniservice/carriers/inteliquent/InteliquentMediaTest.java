package io.omniservice.carriers.inteliquent;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.InMemoryReplayGuard;
import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.carrier.MediaDownload;
import io.omniservice.core.model.MediaItem;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Inteliquent's {@code mediaUrls} are fetched plain: the outbound API key never goes with them. */
class InteliquentMediaTest {
    private static final String OUTBOUND_KEY = "b2f0c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d";

    private static WireMockServer broker;

    @BeforeAll
    static void start() {
        broker = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        broker.start();
    }

    @AfterAll
    static void stop() {
        broker.stop();
    }

    private static MediaAccess media() {
        Clock clock = Clock.systemUTC();
        return new InteliquentProvider()
                .create(
                        new CarrierSettings(
                                "carriers.inteliquent.default",
                                "default",
                                Map.of(
                                        "inboundApiKey",
                                        "in-key-7d2c",
                                        "outboundApiKey",
                                        OUTBOUND_KEY,
                                        "from",
                                        "+14155550199",
                                        "apiBaseUrl",
                                        broker.baseUrl())),
                        new CarrierContext(clock, new InMemoryReplayGuard(clock)))
                .mediaAccess();
    }

    @Test
    void mediaUrlsAreFetchedWithoutTheOutboundKeyEvenOnTheBrokersHost() throws Exception {
        String path = "/msgbroker/media/5f0b1c2d/IMG_0042.jpg";
        byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
        broker.stubFor(
                get(urlEqualTo(path)).willReturn(aResponse().withStatus(200).withBody(jpeg)));

        MediaDownload download = media().resolve(MediaItem.url(broker.baseUrl() + path, null));

        assertThat(download.uri()).isEqualTo(URI.create(broker.baseUrl() + path));
        assertThat(download.headers()).isEmpty();
        HttpRequest.Builder request = HttpRequest.newBuilder(download.uri());
        download.headers().forEach(request::header);
        try (HttpClient client = HttpClient.newHttpClient()) {
            assertThat(client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray())
                            .body())
                    .isEqualTo(jpeg);
        }
        broker.verify(getRequestedFor(urlEqualTo(path)).withHeader("Authorization", absent()));
    }

    @Test
    void sendingUploadsNothingTheBrokerFetchesOurUrl() throws Exception {
        assertThat(media().upload(MediaItem.url("https://gw.example.com/m/1", "image/jpeg"), Path.of("x")))
                .isEmpty();
    }
}
