package io.omniservice.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.InboundWebhooks;
import io.omniservice.server.support.RunningGateway;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shutting down drains: readiness turns 503 {@code draining} at once, a request in flight (here one whose
 * body is still arriving) is answered in full, and then the process stops, without waiting out its
 * deadline when nothing is left.
 */
class DrainTest {
    @TempDir
    Path data;

    @Test
    void aRequestInFlightWhenShutdownBeginsIsAnsweredWhileReadinessSaysDraining() throws Exception {
        RunningGateway gateway = new RunningGateway(
                data,
                1 << 20,
                InboundWebhooks.carriersYaml("http://127.0.0.1:9"),
                ConfiguredCarriers.installedProviders());
        int port = gateway.port();
        // refused requests leave the in-flight count as they found it
        assertThat(gateway.send(HttpRequest.newBuilder(gateway.uri("/v1/messages")))
                        .statusCode())
                .isEqualTo(401);

        byte[] body = """
                {"to": {"phoneNumber": "+14155550100", "preferredCarrier": "twilio"},
                 "content": {"type": "text", "text": "sent during a shutdown"}}""".getBytes(StandardCharsets.UTF_8);
        CompletableFuture<Void> closed;
        long closeStarted;
        String answer;
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(
                    ("POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + RunningGateway.API_KEY
                                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                                    + "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, 20);
            out.flush();
            Thread.sleep(300);

            closeStarted = System.nanoTime();
            closed = CompletableFuture.runAsync(gateway::close);
            HttpResponse<String> ready = awaitDraining(port);
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("draining");
            // every answer while draining ends its connection, so a balancer opens its next one elsewhere
            assertThat(ready.headers().firstValue("Connection")).hasValue("close");
            assertThat(closed).isNotDone();

            out.write(body, 20, body.length - 20);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            in.transferTo(read);
            answer = read.toString(StandardCharsets.UTF_8);
        }
        assertThat(answer).startsWith("HTTP/1.1 202");
        closed.get();
        assertThat(Duration.ofNanos(System.nanoTime() - closeStarted)).isLessThan(Duration.ofSeconds(10));
    }

    private static HttpResponse<String> awaitDraining(int port) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            HttpResponse<String> last = null;
            while (System.nanoTime() < deadline) {
                last = client.send(
                        HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + port + "/health/ready"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (last.statusCode() == 503) {
                    return last;
                }
                Thread.sleep(10);
            }
            return last;
        }
    }
}
