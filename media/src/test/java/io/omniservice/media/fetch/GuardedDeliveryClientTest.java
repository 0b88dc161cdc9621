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
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The callback client connects only where the guard allows at connect time, never follows a redirect, and keeps a
 * connection for the next delivery only when the answer came in whole.
 */
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

    @Test
    void aConnectionWhoseAnswerCameInWholeCarriesTheNextDeliveries() throws Exception {
        try (RawReceiver receiver = new RawReceiver("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false)) {
            deliver(receiver, 3, 200);
            assertThat(receiver.requests()).hasValue(3);
            assertThat(receiver.connections()).hasValue(1);
        }
    }

    @Test
    void aConnectionWhoseAnswerIsStillComingIsCutNotWaitedFor() throws Exception {
        // the head and 10 bytes of a body said to be 100,000 long, then nothing more
        try (RawReceiver receiver =
                new RawReceiver("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n0123456789", false)) {
            // a client waiting for the rest would time out (and throw) in there
            deliver(receiver, 2, 200);
            assertThat(receiver.connections()).hasValue(2);
        }
    }

    @Test
    void aConnectionTheReceiverClosesIsNotUsedAgain() throws Exception {
        try (RawReceiver receiver = new RawReceiver("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", true)) {
            deliver(receiver, 2, 204);
            assertThat(receiver.connections()).hasValue(2);
        }
    }

    /** {@code times} deliveries to {@code receiver} from one client, each answered {@code status}. */
    private static void deliver(RawReceiver receiver, int times, int status) throws Exception {
        try (GuardedDeliveryClient client = client(List.of("127.0.0.0/8"), HostResolver.SYSTEM)) {
            for (int i = 0; i < times; i++) {
                assertThat(client.post(receiver.url(), Map.of(), BODY, Duration.ofSeconds(5)))
                        .isEqualTo(status);
            }
        }
    }

    private static GuardedDeliveryClient client(List<String> allowed, HostResolver resolver) {
        return new GuardedDeliveryClient(new AddressGuard(NETWORKS, allowed, resolver), Duration.ofSeconds(2));
    }

    /**
     * An HTTP/1.1 receiver on a bare socket that counts the connections it accepts and answers every request with
     * {@code answer}, closing the connection after it when {@code closes}.
     */
    private static final class RawReceiver implements AutoCloseable {
        private final ServerSocket socket;
        private final AtomicInteger connections = new AtomicInteger();
        private final AtomicInteger requests = new AtomicInteger();
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();

        RawReceiver(String answer, boolean closes) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket connection = socket.accept();
                        connections.incrementAndGet();
                        accepted.add(connection);
                        Thread.ofVirtual().start(() -> serve(connection, answer, closes));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket connection, String answer, boolean closes) {
            try (connection) {
                InputStream in = connection.getInputStream();
                while (skipRequest(in)) {
                    requests.incrementAndGet();
                    connection.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
                    connection.getOutputStream().flush();
                    if (closes) {
                        return;
                    }
                }
            } catch (IOException gone) {
                // the client cut the connection
            }
        }

        /** Reads one request (head and Content-Length body); false at the end of the stream. */
        private static boolean skipRequest(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return false;
                }
                head.append((char) b);
            }
            Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
            in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
            return true;
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/hook");
        }

        AtomicInteger connections() {
            return connections;
        }

        AtomicInteger requests() {
            return requests;
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket connection : accepted) {
                connection.close();
            }
        }
    }
}
