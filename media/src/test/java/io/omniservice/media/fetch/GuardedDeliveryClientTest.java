package io.omniservice.media.fetch;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.omniservice.core.net.AddressGuard;
import io.omniservice.core.net.AddressRefused;
import io.omniservice.core.net.HostResolver;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The callback client connects only where the guard allows at connect time, and never follows a redirect. */
class GuardedDeliveryClientTest {
    private static final String NETWORKS = "outbound.callbacks.allowedNetworks";
    private static final byte[] BODY = "{\"type\":\"message.status\"}".getBytes(StandardCharsets.UTF_8);

    private final WireMockServer server = new WireMockServer(wireMockConfig().dynamicPort());

    @BeforeEach
    void start() {
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void postsTheBodyAndHeadersAndReturnsTheStatus() throws Exception {
        server.stubFor(post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(204)));
        try (GuardedDeliveryClient client = client(List.of("127.0.0.0/8"), HostResolver.SYSTEM)) {
            int status = client.post(
                    URI.create("http://127.0.0.1:" + server.port() + "/hook"),
                    Map.of("Content-Type", "application/json", "Omniservice-Signature", "t=1,v1=ab"),
                    BODY,
                    Duration.ofSeconds(5));
            assertThat(status).isEqualTo(204);
        }
        server.verify(postRequestedFor(urlEqualTo("/hook"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withHeader("Omniservice-Signature", equalTo("t=1,v1=ab"))
                .withRequestBody(equalTo(new String(BODY, StandardCharsets.UTF_8))));
    }

    @Test
    void aRedirectToTheLoopbackIsReturnedNotFollowed() throws Exception {
        server.stubFor(post(urlEqualTo("/hook"))
                .willReturn(aResponse()
                        .withStatus(302)
                        .withHeader("Location", "http://127.0.0.1:" + server.port() + "/internal")));
        try (GuardedDeliveryClient client = client(List.of("127.0.0.0/8"), HostResolver.SYSTEM)) {
            int status = client.post(
                    URI.create("http://127.0.0.1:" + server.port() + "/hook"), Map.of(), BODY, Duration.ofSeconds(5));
            assertThat(status).isEqualTo(302);
        }
        assertThat(server.findAll(anyRequestedFor(urlPathEqualTo("/internal")))).isEmpty();
    }

    @Test
    void aHostRe_resolvedToLoopbackBetweenTheCheckAndTheConnectionIsRefused() {
        AtomicInteger lookups = new AtomicInteger();
        // public to the check before the request, this machine when the client connects
        HostResolver rebinding = host ->
                new InetAddress[] {InetAddress.getByName(lookups.getAndIncrement() == 0 ? "203.0.113.10" : "127.0.0.1")
                };
        try (GuardedDeliveryClient client = client(List.of(), rebinding)) {
            assertThatThrownBy(() -> client.post(
                            URI.create("http://hooks.example.net:" + server.port() + "/hook"),
                            Map.of(),
                            BODY,
                            Duration.ofSeconds(5)))
                    .isInstanceOfSatisfying(AddressRefused.class, e -> assertThat(e.code())
                            .isEqualTo(AddressRefused.ADDRESS_NOT_ALLOWED))
                    .hasMessageContaining("127.0.0.1, a loopback address");
        }
        assertThat(lookups.get())
                .as("resolved for the check and again to connect")
                .isEqualTo(2);
        assertThat(server.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    @Test
    void aPrivateAddressIsRefusedBeforeAnyConnection() {
        try (GuardedDeliveryClient client = client(List.of(), HostResolver.SYSTEM)) {
            assertThatThrownBy(() -> client.post(
                            URI.create("http://127.0.0.1:" + server.port() + "/hook"),
                            Map.of(),
                            BODY,
                            Duration.ofSeconds(5)))
                    .isInstanceOf(AddressRefused.class)
                    .hasMessageContaining(NETWORKS);
        }
        assertThat(server.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    private static GuardedDeliveryClient client(List<String> allowed, HostResolver resolver) {
        return new GuardedDeliveryClient(new AddressGuard(NETWORKS, allowed, resolver), Duration.ofSeconds(2));
    }
}
