package io.omniservice.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** One client of a node's {@code /v1/events} stream, reading it in the background from the moment it opens. */
final class EventStream implements AutoCloseable {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final Stream<String> lines;
    private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    private final Thread reader;

    private EventStream(Stream<String> lines) {
        this.lines = lines;
        this.reader = Thread.ofVirtual().start(this::read);
    }

    /** Opens the stream of events of {@code types} (comma-separated) and waits for its answer's head. */
    static EventStream open(GatewayProcess gateway, String types) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(gateway.uri("/v1/events?types=" + types))
                .header("Authorization", "Bearer " + GatewayProcess.API_KEY)
                .header("Accept", "text/event-stream")
                .build();
        HttpResponse<Stream<String>> answer =
                HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofLines());
        // the stream's head against the OpenAPI document; its body is read below
        new GatewayApi(gateway).check(request, answer, null);
        if (answer.statusCode() != 200) {
            String body = String.join("\n", answer.body().toList());
            throw new IllegalStateException("/v1/events answered " + answer.statusCode() + ": " + body);
        }
        return new EventStream(answer.body());
    }

    /** The first event streamed whose JSON matches {@code wanted}; fails after 30 s without one. */
    JsonNode awaitData(Predicate<JsonNode> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            JsonNode event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (event == null) {
                throw new AssertionError("no such event on /v1/events within " + PATIENCE.toSeconds() + " s");
            }
            if (wanted.test(event)) {
                return event;
            }
        }
    }

    private void read() {
        try {
            Iterator<String> it = lines.iterator();
            String data = null;
            while (it.hasNext()) {
                String line = it.next();
                if (line.startsWith("data:")) {
                    data = line.substring(5).trim();
                } else if (line.isEmpty() && data != null) {
                    events.add(GatewayApi.JSON.readTree(data));
                    data = null;
                }
            }
        } catch (Exception streamClosed) {
            // closed by the test, or the node stopped
        }
    }

    @Override
    public void close() throws InterruptedException {
        lines.close();
        reader.join(Duration.ofSeconds(5));
    }
}
