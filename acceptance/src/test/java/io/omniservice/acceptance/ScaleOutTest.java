package io.omniservice.acceptance;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes on one PostgreSQL database behind nginx (the configuration in {@code deploy/nginx}), with
 * carriers posting signed webhooks, a client sending and an event-stream reader for 30 s, while one node
 * is killed with SIGKILL and brought back and the other two are restarted with SIGTERM. Every acknowledged webhook
 * is stored once, every accepted send reaches the carrier (a repeat only for a send in flight at the kill),
 * the reader sees every event once and in order across reconnections, nothing but the kill costs a 5xx, and
 * a client's rate limit is one budget across the nodes.
 */
class ScaleOutTest {
    private static final Duration RUN = Duration.ofSeconds(30);
    private static final Duration KILL_AT = Duration.ofSeconds(6);
    private static final Duration KILLED_FOR = Duration.ofSeconds(4);
    /** Then the other two nodes are restarted with SIGTERM, one after the other: every node has gone once. */
    private static final List<Duration> TERMINATE_AT = List.of(Duration.ofSeconds(14), Duration.ofSeconds(21));

    private static final String SEND_PATH = "/api/v2/users/" + GatewayProcess.BANDWIDTH_ACCOUNT + "/messages";
    private static final String BUDGET_KEY = "budget-key-0123456789abcdef";
    private static final int BUDGET_BURST = 30;

    @TempDir
    Path directory;

    /** What every answer that was not a success was, by the phase of the run it came in. */
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();

    private final AtomicReference<String> phase = new AtomicReference<>("steady");

    @Test
    void threeNodesBehindNginxLoseNothingThroughAKillAndARollingRestart() throws Exception {
        WireMockServer bandwidth = bandwidthSendApi();
        List<GatewayProcess> nodes = new ArrayList<>();
        try (PostgresSchema schema = PostgresSchema.create("scaleout")) {
            try {
                for (int i = 1; i <= 3; i++) {
                    nodes.add(GatewayProcess.start(
                            Files.createDirectories(directory.resolve("node-" + i)),
                            GatewayProcess.Setup.postgres(schema.jdbcUrl(), "node-" + i)
                                    .sendingThrough("http://127.0.0.1:" + bandwidth.port())
                                    .withServer("trustedProxies: [127.0.0.1/32]")
                                    .withMoreApiKeys(
                                            "- {name: budget, key: %s, rateLimit: {requestsPerSecond: 1, burst: %d}}"
                                                    .formatted(BUDGET_KEY, BUDGET_BURST))));
                }
                try (LoadBalancer nginx = LoadBalancer.start(
                        Files.createDirectories(directory.resolve("nginx")),
                        nodes.stream().map(GatewayProcess::port).toList())) {
                    runAndCheck(nginx, nodes, bandwidth, schema);
                }
            } finally {
                for (GatewayProcess node : nodes) {
                    node.close();
                }
            }
        } finally {
            bandwidth.stop();
        }
    }

    private void runAndCheck(
            LoadBalancer nginx, List<GatewayProcess> nodes, WireMockServer bandwidth, PostgresSchema schema)
            throws Exception {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        SignedWebhooks webhooks = new SignedWebhooks(nginx);
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        long start = System.nanoTime();
        long end = start + RUN.toNanos();

        List<Thread> load = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            int poster = p;
            load.add(Thread.ofVirtual().start(() -> {
                for (int n = 0; System.nanoTime() < end; n++) {
                    String wamid = "wamid.scaleout-%d-%06d".formatted(poster, n);
                    HttpRequest webhook =
                            webhooks.whatsappText("1650555%04d".formatted(poster * 100 + n % 50), wamid, "m " + n);
                    // as a carrier does: the same webhook again until it is acknowledged
                    if (untilAnswered(client, webhook, 200, "webhook") != null) {
                        acknowledged.add(wamid);
                    }
                }
            }));
        }
        for (int p = 0; p < 2; p++) {
            int poster = p;
            load.add(Thread.ofVirtual().start(() -> {
                for (int n = 0; System.nanoTime() < end; n++) {
                    String body = """
                            {"to": {"phoneNumber": "+1650556%04d"}, "content": {"type": "text", "text": "s %d"}}""".formatted(poster * 100 + n % 50, n);
                    // a client retries a send that failed with the same Idempotency-Key: one message
                    HttpRequest send = HttpRequest.newBuilder(nginx.uri("/v1/messages"))
                            .header("Authorization", "Bearer " + GatewayProcess.API_KEY)
                            .header("Content-Type", "application/json")
                            .header("Idempotency-Key", "scaleout-%d-%06d".formatted(poster, n))
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build();
                    String answer = untilAnswered(client, send, 202, "send");
                    if (answer != null) {
                        accepted.add(messageId(answer));
                    }
                }
            }));
        }
        EventReader reader = new EventReader(client, nginx);
        Thread readerThread = Thread.ofVirtual().start(reader);

        sleepUntil(start + KILL_AT.toNanos());
        phase.set("kill");
        Instant killedAt = Instant.now();
        nodes.get(1).kill();
        Thread.sleep(KILLED_FOR.toMillis());
        nodes.get(1).restart();
        phase.set("steady");

        for (int i = 0; i < TERMINATE_AT.size(); i++) {
            GatewayProcess node = nodes.get(i == 0 ? 2 : 0);
            sleepUntil(start + TERMINATE_AT.get(i).toNanos());
            phase.set("sigterm");
            node.terminate();
            node.restart();
            phase.set("steady");
        }
        for (Thread thread : load) {
            thread.join();
        }

        // the carrier: every accepted send arrives, a repeat only for a send in flight at the kill
        Map<String, List<LoggedRequest>> sent = awaitSends(bandwidth, accepted);
        assertThat(sent.keySet()).as("every accepted send reached the carrier").containsAll(accepted);
        List<String> repeated = sent.entrySet().stream()
                .filter(e -> e.getValue().size() > 1)
                .map(Map.Entry::getKey)
                .toList();
        for (String messageId : repeated) {
            Instant first = sent.get(messageId).get(0).getLoggedDate().toInstant();
            assertThat(first)
                    .as("a repeated send (%s) was first tried before the kill", messageId)
                    .isBefore(killedAt.plusMillis(500));
        }

        // the store: every acknowledged webhook once
        Map<String, Integer> stored = storedWhatsApp(schema);
        assertThat(stored.keySet()).as("every acknowledged webhook is stored").containsAll(acknowledged);
        assertThat(stored.values()).as("each once").allMatch(count -> count == 1);

        // the reader: every event once, in order, through reconnections to other nodes
        reader.awaitSeen(acknowledged, Duration.ofSeconds(60));
        reader.stop();
        readerThread.interrupt();
        List<Long> positions = reader.positions();
        assertThat(positions)
                .as("positions strictly increasing: none twice, none out of order")
                .isSorted();
        assertThat(new java.util.HashSet<>(positions)).hasSameSizeAs(positions);
        Map<String, Long> seen =
                reader.carrierMessageIds().stream().collect(Collectors.groupingBy(id -> id, Collectors.counting()));
        assertThat(seen.keySet()).as("every stored message's event was seen").containsAll(acknowledged);
        assertThat(seen.values()).as("each once").allMatch(count -> count == 1);

        assertThat(reader.connections())
                .as("the reader's node went away at least once and it resumed on another")
                .isGreaterThan(1);

        // answers: nginx passes what a failing node did not answer to the next one; a 502 is allowed only
        // while a node lies killed, and the rolling restarts (SIGTERM) answer nothing but successes
        Map<String, Integer> byPhase = new TreeMap<>();
        failures.forEach((key, count) -> byPhase.put(key, count.get()));
        assertThat(byPhase.keySet())
                .as("non-success answers, by phase (%s)", byPhase)
                .allMatch(key -> key.matches("kill (webhook|send) 50[24]"));

        Budget budget = budgetAnswered(client, nginx);

        System.out.printf(
                "scale-out: %d webhooks acknowledged and stored once; %d sends accepted, all delivered, %d repeated"
                        + " (in flight at the kill); %d events read in order over %d connections; non-success"
                        + " answers %s; a budget of %d + 1/s admitted %d of 90 requests over three nodes in %d s%n",
                acknowledged.size(),
                accepted.size(),
                repeated.size(),
                positions.size(),
                reader.connections(),
                byPhase,
                BUDGET_BURST,
                budget.admitted(),
                budget.seconds());
        // the burst, and one more each second the requests took (a loaded machine takes several); a bucket per
        // node would have admitted the burst on each of the three
        assertThat(budget.admitted())
                .as("one budget across nodes")
                .isBetween(BUDGET_BURST, BUDGET_BURST + (int) budget.seconds());
        assertThat(acknowledged).hasSizeGreaterThan(100);
        assertThat(accepted).hasSizeGreaterThan(50);
    }

    /**
     * Sends {@code request} until it is answered {@code success}, 100 ms apart, for up to a minute; each other
     * answer is counted by phase. Returns the successful answer's body, or null when none came.
     */
    private String untilAnswered(HttpClient client, HttpRequest request, int success, String kind) {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (System.nanoTime() < deadline) {
            String outcome;
            try {
                HttpResponse<String> answer = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == success) {
                    return answer.body();
                }
                outcome = String.valueOf(answer.statusCode());
            } catch (java.io.IOException e) {
                outcome = "connection failed";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            failures.computeIfAbsent(phase.get() + " " + kind + " " + outcome, k -> new AtomicInteger())
                    .incrementAndGet();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /** 90 requests with the budget key, one after another through nginx: how many were admitted. */
    /** Requests the budget admitted of 90, and in how many seconds (rounded up) they were answered. */
    private record Budget(int admitted, long seconds) {}

    private static Budget budgetAnswered(HttpClient client, LoadBalancer nginx) throws Exception {
        long started = System.nanoTime();
        int admitted = 0;
        for (int i = 0; i < 90; i++) {
            HttpResponse<Void> answer = client.send(
                    HttpRequest.newBuilder(nginx.uri("/v1/conversations?limit=1"))
                            .header("Authorization", "Bearer " + BUDGET_KEY)
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            if (answer.statusCode() == 200) {
                admitted++;
            } else {
                assertThat(answer.statusCode()).isEqualTo(429);
            }
        }
        return new Budget(admitted, (System.nanoTime() - started + 999_999_999L) / 1_000_000_000L);
    }

    private static WireMockServer bandwidthSendApi() {
        WireMockServer bandwidth =
                new WireMockServer(WireMockConfiguration.options().dynamicPort().globalTemplating(true));
        bandwidth.start();
        bandwidth.stubFor(post(urlPathEqualTo(SEND_PATH))
                .willReturn(aResponse()
                        .withStatus(202)
                        .withFixedDelay(50)
                        .withHeader("Content-Type", "application/json")
                        .withBody("""
                                {"id":"{{randomValue length=30 type='ALPHANUMERIC'}}","owner":"+14155550198",
                                 "time":"2026-11-25T12:00:00.000Z","segmentCount":1,"direction":"out",
                                 "to":["{{jsonPath request.body '$.to[0]'}}"],"from":"+14155550198",
                                 "tag":"{{jsonPath request.body '$.tag'}}"}""")));
        return bandwidth;
    }

    /** The carrier's requests by the message id in their {@code tag}, once every accepted one has come. */
    private static Map<String, List<LoggedRequest>> awaitSends(WireMockServer bandwidth, Set<String> accepted)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Map<String, List<LoggedRequest>> byTag = new HashMap<>();
            for (LoggedRequest request : bandwidth.findAll(postRequestedFor(urlPathEqualTo(SEND_PATH)))) {
                String tag = GatewayApi.JSON
                        .readTree(request.getBodyAsString())
                        .path("tag")
                        .asText();
                byTag.computeIfAbsent(tag, t -> new ArrayList<>()).add(request);
            }
            if (byTag.keySet().containsAll(accepted) || System.nanoTime() > deadline) {
                byTag.values().forEach(list -> list.sort(java.util.Comparator.comparing(LoggedRequest::getLoggedDate)));
                return byTag;
            }
            Thread.sleep(200);
        }
    }

    private static Map<String, Integer> storedWhatsApp(PostgresSchema schema) throws Exception {
        Map<String, Integer> stored = new HashMap<>();
        try (Connection connection = schema.connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT carrier_message_id, count(*) FROM messages"
                        + " WHERE carrier = 'whatsapp' GROUP BY carrier_message_id")) {
            while (rows.next()) {
                stored.put(rows.getString(1), rows.getInt(2));
            }
        }
        return stored;
    }

    private static String messageId(String body) {
        try {
            return GatewayApi.JSON.readTree(body).path("messageId").asText();
        } catch (Exception e) {
            throw new IllegalStateException("a 202 without a JSON body: " + body, e);
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            Thread.sleep(Duration.ofNanos(left));
        }
    }

    /**
     * A client of {@code GET /v1/events} through nginx, from the start of the log: it reads events, and when
     * its stream ends (its node was killed or drained) it connects again with {@code Last-Event-ID}.
     */
    private static final class EventReader implements Runnable {
        private final HttpClient client;
        private final LoadBalancer nginx;
        private final List<Long> positions = Collections.synchronizedList(new ArrayList<>());
        private final List<String> carrierMessageIds = Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger connections = new AtomicInteger();
        private volatile boolean stopped;

        EventReader(HttpClient client, LoadBalancer nginx) {
            this.client = client;
            this.nginx = nginx;
        }

        /** The position of the last event read: where the next connection resumes. */
        private long last;

        @Override
        public void run() {
            while (!stopped) {
                try {
                    HttpResponse<Stream<String>> stream = client.send(
                            HttpRequest.newBuilder(nginx.uri("/v1/events?types=message.received"))
                                    .header("Authorization", "Bearer " + GatewayProcess.API_KEY)
                                    .header("Accept", "text/event-stream")
                                    .header("Last-Event-ID", Long.toString(last))
                                    .build(),
                            HttpResponse.BodyHandlers.ofLines());
                    if (stream.statusCode() == 200) {
                        connections.incrementAndGet();
                        read(stream.body().iterator());
                    }
                } catch (java.io.IOException | java.io.UncheckedIOException streamEnded) {
                    // the node went away mid-stream: resume from the last event on another one
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void read(Iterator<String> lines) throws java.io.IOException {
            Long id = null;
            String data = null;
            while (!stopped && lines.hasNext()) {
                String line = lines.next();
                if (line.startsWith("id:")) {
                    id = Long.parseLong(line.substring(3).trim());
                } else if (line.startsWith("data:")) {
                    data = line.substring(5).trim();
                } else if (line.isEmpty() && id != null && data != null) {
                    JsonNode event = GatewayApi.JSON.readTree(data);
                    positions.add(id);
                    carrierMessageIds.add(
                            event.path("data").path("carrierMessageId").asText());
                    last = id;
                    id = null;
                    data = null;
                }
            }
        }

        void awaitSeen(Set<String> carrierMessageIdsWanted, Duration patience) throws InterruptedException {
            long deadline = System.nanoTime() + patience.toNanos();
            while (System.nanoTime() < deadline) {
                if (new java.util.HashSet<>(carrierMessageIds()).containsAll(carrierMessageIdsWanted)) {
                    return;
                }
                Thread.sleep(200);
            }
        }

        void stop() {
            stopped = true;
        }

        List<Long> positions() {
            synchronized (positions) {
                return List.copyOf(positions);
            }
        }

        List<String> carrierMessageIds() {
            synchronized (carrierMessageIds) {
                return List.copyOf(carrierMessageIds);
            }
        }

        int connections() {
            return connections.get();
        }
    }
}
