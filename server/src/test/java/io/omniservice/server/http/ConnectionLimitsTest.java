package io.omniservice.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.omniservice.carriers.testkit.CapturedLog;
import io.omniservice.core.model.CarrierType;
import io.omniservice.server.support.RunningGateway;
import io.omniservice.server.support.ScriptedCarrier;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What a client can cost the gateway before and around authentication: connections per address, failed
 * keys per address, and a body it never finishes sending.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectionLimitsTest {
    private static final int PER_ADDRESS = 8;

    @TempDir
    static Path data;

    private RunningGateway gateway;

    @BeforeAll
    void start() {
        gateway = new RunningGateway(
                data,
                1 << 20,
                "  maxConnectionsPerAddress: " + PER_ADDRESS,
                "",
                "",
                "carriers:\n  bandwidth:\n    default: {}\n",
                List.of(new ScriptedCarrier(CarrierType.BANDWIDTH)));
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    @Test
    void aClientThatHangsUpMidBodyIsItsOwnFailureNotAServerError() throws Exception {
        var logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(ErrorResponses.class);
        logger.setLevel(Level.INFO); // tests log warnings only; this one checks an INFO line
        try (CapturedLog errors = CapturedLog.of(ErrorResponses.class)) {
            try (Socket socket = new Socket("localhost", gateway.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                                + RunningGateway.API_KEY + "\r\nContent-Type: application/json\r\n"
                                + "Content-Length: 5000\r\n\r\n{\"to\": {\"phoneNumber\": \"+1415")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(200); // the route is reading the body now
            }
            String metrics = awaitMetric("route=\"/v1/messages\"");
            assertThat(metrics).contains("status=\"400\"").doesNotContain("status=\"500\"");
            assertThat(errors.messages(Level.ERROR))
                    .noneSatisfy(line -> assertThat(line).contains("/v1/messages"));
            assertThat(errors.messages(Level.INFO))
                    .anySatisfy(line -> assertThat(line).contains("closed the connection"));
        } finally {
            logger.setLevel(null);
        }
        HttpResponse<String> list = gateway.api("/v1/messages?limit=5");
        assertThat(list.body()).doesNotContain("+1415");
    }

    /** A connection with an unfinished request head: it stays open and counted. */
    private Socket heldOpen() throws java.io.IOException {
        Socket socket = new Socket("localhost", gateway.port());
        socket.getOutputStream().write("GET /health/live HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    /** Whether the server closed {@code socket} (its stream ended), asking without waiting. */
    private static boolean closedByServer(Socket socket) throws java.io.IOException {
        socket.setSoTimeout(1);
        try {
            return socket.getInputStream().read() < 0;
        } catch (java.net.SocketTimeoutException open) {
            return false;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    @Test
    void connectionsPastThePerAddressLimitAreClosedAtOnce() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < PER_ADDRESS; i++) {
                held.add(heldOpen());
            }
            // The server registers each held connection when its selector takes it up, which on a loaded
            // machine may come after the extra one's: until all are counted an extra one may still be served.
            String answer = null;
            long registered = System.nanoTime() + 5_000_000_000L;
            while (answer == null || !answer.isEmpty() && System.nanoTime() < registered) {
                Thread.sleep(answer == null ? 200 : 100);
                // a held connection the selector took up after an extra one was the one past the limit, and
                // closed: open it again, so that the limit is full of held connections
                for (int i = 0; i < held.size(); i++) {
                    if (closedByServer(held.get(i))) {
                        held.get(i).close();
                        held.set(i, heldOpen());
                    }
                }
                try (Socket extra = new Socket("localhost", gateway.port())) {
                    extra.setSoTimeout(5_000);
                    extra.getOutputStream()
                            .write("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    answer = readAll(extra.getInputStream());
                }
            }
            assertThat(answer).as("closed without an answer").isEmpty();
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
        // Once the held ones are gone, the address is served again.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (gateway.get("/health/live").statusCode() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(gateway.get("/health/live").statusCode()).isEqualTo(200);
    }

    @Test
    void connectionsThatEndedNoLongerCountAgainstTheirAddress() throws Exception {
        // many more connections over time than may be open at once, each closed by the server after its answer
        for (int i = 0; i < PER_ADDRESS * 4; i++) {
            try (Socket socket = new Socket("localhost", gateway.port())) {
                socket.setSoTimeout(5_000);
                socket.getOutputStream()
                        .write("GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                assertThat(readAll(socket.getInputStream()))
                        .as("connection %d of one address, one at a time", i + 1)
                        .startsWith("HTTP/1.1 200");
            }
        }
    }

    @Test
    void anAddressThatKeepsGuessingKeysIsThrottledEvenWithTheRightOneLater(@TempDir Path own) {
        // its own gateway: once throttled, this address could not read the other tests' metrics
        try (RunningGateway throttling =
                new RunningGateway(own, 1 << 20, "  limits: {failedAuthPerMinute: 5}", "", List.of())) {
            guessKeys(throttling);
        }
    }

    @Test
    void behindATrustedProxyEachForwardedClientIsCountedOnItsOwnAndTheProxyIsNotLimited(@TempDir Path own)
            throws Exception {
        try (RunningGateway proxied = new RunningGateway(
                own,
                1 << 20,
                "  trustedProxies: [127.0.0.1/32, '::1/128']\n  maxConnectionsPerAddress: 2",
                "",
                "  limits: {failedAuthPerMinute: 3}",
                "",
                List.of())) {
            List<Integer> guesser = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                // what the client wrote itself (left) is not believed; the proxy's own entry (right) is
                guesser.add(fromBehindTheProxy(proxied, "198.51.100.9, 203.0.113.7", "wrong-key-" + i));
            }
            assertThat(guesser).containsExactly(401, 401, 401, 429);
            assertThat(fromBehindTheProxy(proxied, "203.0.113.7", RunningGateway.API_KEY))
                    .isEqualTo(429);
            // another client behind the same proxy, and one that forged the throttled address on the left
            assertThat(fromBehindTheProxy(proxied, "203.0.113.8", RunningGateway.API_KEY))
                    .isEqualTo(200);
            assertThat(fromBehindTheProxy(proxied, "203.0.113.7, 203.0.113.9", RunningGateway.API_KEY))
                    .isEqualTo(200);

            // the proxy holds more connections than one address may
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Socket socket = new Socket("127.0.0.1", proxied.port());
                    socket.getOutputStream().write("GET /health/live HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                    held.add(socket);
                }
                Thread.sleep(200);
                try (Socket extra = new Socket("127.0.0.1", proxied.port())) {
                    extra.setSoTimeout(5_000);
                    extra.getOutputStream()
                            .write("GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
                    assertThat(readAll(extra.getInputStream())).startsWith("HTTP/1.1 200");
                }
            } finally {
                for (Socket socket : held) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void withoutATrustedProxyAForwardedForHeaderChangesNothing(@TempDir Path own) {
        try (RunningGateway direct =
                new RunningGateway(own, 1 << 20, "  limits: {failedAuthPerMinute: 3}", "", List.of())) {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                statuses.add(fromBehindTheProxy(direct, "203.0.113." + i, "wrong-key-" + i));
            }
            assertThat(statuses).containsExactly(401, 401, 401, 429);
        }
    }

    private static int fromBehindTheProxy(RunningGateway gateway, String forwardedFor, String key) {
        return gateway.send(HttpRequest.newBuilder(gateway.uri("/v1/conversations?limit=1"))
                        .header("Authorization", "Bearer " + key)
                        .header("X-Forwarded-For", forwardedFor))
                .statusCode();
    }

    private static void guessKeys(RunningGateway gateway) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            statuses.add(
                    gateway.as("wrong-key-" + i, "GET", "/v1/messages", null).statusCode());
        }
        assertThat(statuses.subList(0, 5)).containsOnly(401);
        assertThat(statuses.subList(5, 7)).containsOnly(429);
        HttpResponse<String> throttled = gateway.as(RunningGateway.API_KEY, "GET", "/v1/messages", null);
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.body()).contains("too_many_failed_authentications");
        assertThat(throttled.headers().firstValue("Retry-After")).isPresent();
    }

    private String awaitMetric(String fragment) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            String metrics = gateway.api("/metrics").body();
            List<String> lines = metrics.lines()
                    .filter(line -> line.startsWith("http_server_requests_seconds_count") && line.contains(fragment))
                    .toList();
            if (!lines.isEmpty() || System.nanoTime() > deadline) {
                return String.join("\n", lines);
            }
            Thread.sleep(50);
        }
    }

    private static String readAll(InputStream in) throws IOException {
        StringBuilder text = new StringBuilder();
        byte[] buffer = new byte[1024];
        try {
            for (int n; (n = in.read(buffer)) != -1; ) {
                text.append(new String(buffer, 0, n, StandardCharsets.US_ASCII));
            }
        } catch (SocketTimeoutException | SocketException closed) {
            // what arrived before the close is the answer
        }
        return text.toString();
    }
}
