package io.omniservice.acceptance;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A rolling upgrade on one PostgreSQL database, with real processes: the previous release's gateway (built
 * from git, see {@link PreviousRelease}) migrates a fresh schema and takes signed webhooks and sends; this
 * build's gateway starts beside it and migrates the schema to the newest version while the old node keeps
 * serving; both serve; the old node is restarted on the migrated schema and must start. Then: every webhook
 * answered 200 by either node is stored exactly once (and a carrier's retry to the other node stores nothing),
 * every send answered 202 reached the carrier (Bandwidth, played by WireMock), and each node's event stream
 * carries the messages of both.
 *
 * <p>Skipped, saying why, without git, outside a git checkout or without PostgreSQL; under {@code CI=true}
 * each of those is a failure. Runs alone: it builds a jar and runs two gateways.
 */
@Isolated("builds the previous release and runs two gateways; other classes' timings would suffer")
class RollingUpgradeTest {
    private static final String SEND_PATH = "/api/v2/users/" + GatewayProcess.BANDWIDTH_ACCOUNT + "/messages";
    private static final String URL = envOr("OMNISERVICE_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    private static final String USER = envOr("OMNISERVICE_TEST_POSTGRES_USER", "postgres");
    private static final String PASSWORD = envOr("OMNISERVICE_TEST_POSTGRES_PASSWORD", "");
    private static final boolean CI = "true".equalsIgnoreCase(System.getenv("CI"));

    /** Pause of each poster between requests: enough traffic to interleave, little enough for two cores. */
    private static final Duration PACE = Duration.ofMillis(20);

    private static final Duration SETTLE = Duration.ofSeconds(90);

    @TempDir
    Path directory;

    @Test
    void previousReleaseServesBesideThisBuildThroughTheMigrationAndARestart() throws Exception {
        long testStarted = System.nanoTime();
        PreviousRelease previous = previousRelease();
        String schema = createSchema();
        String url = URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        WireMockServer bandwidth =
                new WireMockServer(WireMockConfiguration.options().dynamicPort().globalTemplating(true));
        Traffic traffic = new Traffic();
        GatewayProcess oldNode = null;
        GatewayProcess newNode = null;
        try {
            long buildStarted = System.nanoTime();
            String oldJar = previous.jar(Path.of(System.getProperty("omniservice.buildDirectory"), "previous-release"))
                    .toString();
            Duration build = since(buildStarted);
            assertThat(previous.previousVersion)
                    .as("the previous release knows fewer migrations than this build (%s)", previous.newestMigration)
                    .isLessThan(previous.newestVersion);

            bandwidth.start();
            bandwidth.stubFor(post(urlPathEqualTo(SEND_PATH))
                    .willReturn(aResponse()
                            .withStatus(202)
                            .withHeader("Content-Type", "application/json")
                            .withBody("""
                                    {"id":"{{randomValue length=30 type='ALPHANUMERIC'}}","owner":"+14155550198",
                                     "time":"2026-11-25T12:00:00.000Z","segmentCount":1,"direction":"out",
                                     "to":["{{jsonPath request.body '$.to[0]'}}"],"from":"+14155550198",
                                     "tag":"{{jsonPath request.body '$.tag'}}"}""")));
            String bandwidthUrl = "http://127.0.0.1:" + bandwidth.port();

            // the previous release alone: it makes the schema it knows
            oldNode = GatewayProcess.start(
                    Files.createDirectories(directory.resolve("old")),
                    GatewayProcess.Setup.postgres(url, "node-old").sendingThrough(bandwidthUrl),
                    oldJar);
            assertThat(schemaVersion(url))
                    .as("schema after the old node's start")
                    .isEqualTo(previous.previousVersion);
            traffic.phase("old alone");
            traffic.startOn("old", oldNode);
            traffic.awaitSome("old", 20, 5, Duration.ofSeconds(60));

            // this build starts beside it and migrates while the old node keeps taking traffic
            traffic.phase("new node starting");
            long newStarted = System.nanoTime();
            newNode = GatewayProcess.start(
                    Files.createDirectories(directory.resolve("new")),
                    GatewayProcess.Setup.postgres(url, "node-new").sendingThrough(bandwidthUrl));
            Duration newStart = since(newStarted);
            assertThat(schemaVersion(url))
                    .as("schema after the new node's start")
                    .isEqualTo(previous.newestVersion);
            traffic.phase("both");
            traffic.startOn("new", newNode);
            Thread.sleep(3_000);

            // the old node restarted on the newer schema: Flyway must leave the migration it does not know alone
            traffic.phase("old node restarting");
            long restarted = System.nanoTime();
            oldNode.restart();
            Duration oldRestart = since(restarted);
            traffic.phase("both after the restart");
            traffic.awaitSome("old", traffic.acknowledgedBy("old") + 20, traffic.acceptedBy("old") + 5, SETTLE);
            Thread.sleep(1_000);
            traffic.stop();

            assertThat(traffic.refusals())
                    .as("answers other than 200/202, by node and phase (only a draining node may refuse)")
                    .allSatisfy((where, statuses) -> assertThat(where).startsWith("old @ old node restarting"));

            // every acknowledged webhook stored once; a carrier retrying on the other node stores nothing more
            Map<String, Integer> stored = inboundCounts(url);
            List<String> missing = traffic.acknowledged.stream()
                    .map(Webhook::carrierMessageId)
                    .filter(id -> !stored.containsKey(id))
                    .toList();
            assertThat(missing).as("acknowledged webhooks not stored").isEmpty();
            assertThat(traffic.acknowledged)
                    .as("each acknowledged webhook stored exactly once")
                    .allSatisfy(w -> assertThat(stored.get(w.carrierMessageId()))
                            .as(w.carrierMessageId())
                            .isEqualTo(1));
            int retried = retryOnTheOtherNode(traffic, oldNode, newNode);
            assertThat(inboundCounts(url))
                    .as("after %d carrier retries on the other node", retried)
                    .isEqualTo(stored);

            // every accepted send reached the carrier
            Set<String> sentTags = awaitSends(bandwidth, traffic.acceptedIds());
            assertThat(sentTags).as("accepted sends that reached Bandwidth").containsAll(traffic.acceptedIds());
            long carrierRequests = bandwidth
                    .countRequestsMatching(
                            postRequestedFor(urlPathEqualTo(SEND_PATH)).build())
                    .getCount();

            // each node's event stream carries both nodes' messages
            Set<String> received =
                    traffic.acknowledged.stream().map(Webhook::carrierMessageId).collect(Collectors.toSet());
            for (GatewayProcess node : List.of(oldNode, newNode)) {
                String name = node == oldNode ? "old" : "new";
                Missing notSeen = readEvents(node, received, traffic.acceptedIds());
                assertThat(notSeen.received())
                        .as("acknowledged messages without a message.received event on the %s node", name)
                        .isEmpty();
                assertThat(notSeen.sends())
                        .as("accepted sends without a message.status event on the %s node", name)
                        .isEmpty();
            }

            System.out.printf(
                    "rolling upgrade: previous release %s (V%d) beside this build (V%d): %s; new node started and"
                            + " migrated in %.1f s; old node restarted on V%d in %.1f s. Webhooks acknowledged: %s"
                            + " (%d stored, %d retried on the other node: nothing new); sends accepted: %s, %d carrier"
                            + " requests; requests on a node not listening: %d; events: all on both nodes; test %d s%n",
                    previous.shortCommit(),
                    previous.previousVersion,
                    previous.newestVersion,
                    build.toMillis() < 1_000 ? "jar cached" : "jar built in " + build.toSeconds() + " s",
                    newStart.toMillis() / 1000.0,
                    previous.newestVersion,
                    oldRestart.toMillis() / 1000.0,
                    traffic.countsByPhase(traffic.acknowledged.stream().map(Webhook::where)),
                    stored.size(),
                    retried,
                    traffic.countsByPhase(traffic.accepted.values().stream()),
                    carrierRequests,
                    traffic.unreachable.get(),
                    since(testStarted).toSeconds());
        } finally {
            traffic.stop();
            for (GatewayProcess node : new GatewayProcess[] {newNode, oldNode}) {
                if (node != null) {
                    node.close();
                }
            }
            bandwidth.stop();
            dropSchema(schema);
        }
    }

    /** One webhook the gateway acknowledged: where ("node @ phase"), its carrier id, and how to send it again. */
    private record Webhook(
            String node, String where, String carrierMessageId, Function<SignedWebhooks, HttpRequest> request) {}

    private record Missing(Set<String> received, Set<String> sends) {}

    /**
     * Posters per node, each alternating a Twilio SMS, a WhatsApp text and a Bandwidth message (from 40
     * customers, so both nodes keep adding to the same conversations) with a send through {@code POST
     * /v1/messages}.
     */
    private static final class Traffic {
        final Set<Webhook> acknowledged = ConcurrentHashMap.newKeySet();
        /** Accepted send's message id → where. */
        final Map<String, String> accepted = new ConcurrentHashMap<>();

        final AtomicLong unreachable = new AtomicLong();
        private final Map<String, List<String>> refused = new ConcurrentHashMap<>();
        private final AtomicLong counter = new AtomicLong();
        private final List<Thread> posters = new ArrayList<>();
        private final HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        private volatile String phase = "";
        private volatile boolean stopping;

        void phase(String name) {
            phase = name;
        }

        void startOn(String node, GatewayProcess gateway) {
            for (int p = 0; p < 2; p++) {
                posters.add(Thread.ofVirtual().start(() -> post(node, gateway)));
            }
        }

        private void post(String node, GatewayProcess gateway) {
            SignedWebhooks webhooks = new SignedWebhooks(gateway);
            while (!stopping) {
                long n = counter.incrementAndGet();
                String customer = "+1650555%04d".formatted(n % 40);
                String where = node + " @ " + phase;
                try {
                    if (n % 4 == 3) {
                        send(gateway, customer, n, where);
                    } else {
                        Webhook webhook = webhook(node, where, n, customer);
                        HttpRequest request = webhook.request().apply(webhooks);
                        HttpResponse<String> answer = client.send(request, HttpResponse.BodyHandlers.ofString());
                        if (answer.statusCode() == 200) {
                            acknowledged.add(webhook);
                        } else {
                            refused(where, request.uri().getPath() + " " + answer.statusCode() + " " + answer.body());
                        }
                    }
                } catch (IOException notListening) {
                    unreachable.incrementAndGet();
                    pause(Duration.ofMillis(100));
                } catch (InterruptedException e) {
                    return;
                }
                pause(PACE);
            }
        }

        private static Webhook webhook(String node, String where, long n, String customer) {
            return switch ((int) (n % 4)) {
                case 0 -> {
                    String sid = "SM%032x".formatted(n);
                    yield new Webhook(node, where, sid, w -> w.twilioSms(sid, customer, "rolling " + n));
                }
                case 1 -> {
                    String wamid = "wamid.HBgRolling" + n;
                    yield new Webhook(
                            node, where, wamid, w -> w.whatsappText(customer.substring(1), wamid, "rolling " + n));
                }
                default -> {
                    String id = "bw-rolling-" + n;
                    yield new Webhook(node, where, id, w -> w.bandwidthReceived(id, customer, "rolling " + n));
                }
            };
        }

        private void send(GatewayProcess gateway, String customer, long n, String where)
                throws IOException, InterruptedException {
            String body = """
                    {"to": {"phoneNumber": "%s"}, "content": {"type": "text", "text": "rolling send %d"}}""".formatted(customer, n);
            HttpResponse<String> answer = client.send(
                    HttpRequest.newBuilder(gateway.uri("/v1/messages"))
                            .header("Authorization", "Bearer " + GatewayProcess.API_KEY)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() == 202) {
                accepted.put(
                        GatewayApi.JSON
                                .readTree(answer.body())
                                .path("messageId")
                                .asText(),
                        where);
            } else {
                refused(where, "/v1/messages " + answer.statusCode() + " " + answer.body());
            }
        }

        private void refused(String where, String answer) {
            refused.computeIfAbsent(where, w -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .add(answer);
        }

        Map<String, List<String>> refusals() {
            return Map.copyOf(refused);
        }

        int acknowledgedBy(String node) {
            return (int)
                    acknowledged.stream().filter(w -> w.node().equals(node)).count();
        }

        int acceptedBy(String node) {
            return (int) accepted.values().stream()
                    .filter(w -> w.startsWith(node + " @"))
                    .count();
        }

        Set<String> acceptedIds() {
            return Set.copyOf(accepted.keySet());
        }

        /** Waits until {@code node} has acknowledged this many webhooks and accepted this many sends. */
        void awaitSome(String node, int webhooks, int sends, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (acknowledgedBy(node) < webhooks || acceptedBy(node) < sends) {
                assertThat(System.nanoTime())
                        .as(
                                "%s node: %d webhooks and %d sends answered within %s (refused so far: %s)",
                                node, webhooks, sends, timeout, refused)
                        .isLessThan(deadline);
                Thread.sleep(50);
            }
        }

        String countsByPhase(java.util.stream.Stream<String> wheres) {
            Map<String, Long> counts =
                    wheres.collect(Collectors.groupingBy(w -> w, java.util.TreeMap::new, Collectors.counting()));
            long total = counts.values().stream().mapToLong(Long::longValue).sum();
            return total + " " + counts;
        }

        void stop() throws InterruptedException {
            stopping = true;
            for (Thread poster : posters) {
                poster.join();
            }
        }

        private static void pause(Duration duration) {
            try {
                Thread.sleep(duration);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Posts every tenth acknowledged webhook again, to the node that did not acknowledge it; each must get 200. */
    private static int retryOnTheOtherNode(Traffic traffic, GatewayProcess oldNode, GatewayProcess newNode)
            throws Exception {
        SignedWebhooks toOld = new SignedWebhooks(oldNode);
        SignedWebhooks toNew = new SignedWebhooks(newNode);
        HttpClient client = HttpClient.newHttpClient();
        int retried = 0;
        for (Webhook webhook : traffic.acknowledged) {
            if (Math.floorMod(webhook.carrierMessageId().hashCode(), 10) != 0) {
                continue;
            }
            HttpRequest again = webhook.request().apply(webhook.node().equals("old") ? toNew : toOld);
            assertThat(client.send(again, HttpResponse.BodyHandlers.discarding())
                            .statusCode())
                    .as("a carrier's retry of %s on the other node", webhook.carrierMessageId())
                    .isEqualTo(200);
            retried++;
        }
        return retried;
    }

    /** The tags (message ids) of the sends Bandwidth got, once it has every one of {@code accepted} or time is up. */
    private static Set<String> awaitSends(WireMockServer bandwidth, Set<String> accepted) throws Exception {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (true) {
            Set<String> tags = new HashSet<>();
            for (var request : bandwidth.findAll(postRequestedFor(urlPathEqualTo(SEND_PATH)))) {
                tags.add(GatewayApi.JSON
                        .readTree(request.getBodyAsString())
                        .path("tag")
                        .asText());
            }
            if (tags.containsAll(accepted) || System.nanoTime() > deadline) {
                return tags;
            }
            Thread.sleep(200);
        }
    }

    /**
     * Reads {@code node}'s event stream from the start ({@code lastEventId=0}) until every one of the messages
     * (by carrier message id, {@code message.received}) and sends (by message id, {@code message.status}) has
     * been seen, or time is up; what was not seen.
     */
    private static Missing readEvents(GatewayProcess node, Set<String> received, Set<String> sends) throws Exception {
        Set<String> missingReceived = new HashSet<>(received);
        Set<String> missingSends = new HashSet<>(sends);
        HttpResponse<InputStream> stream = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(
                                        node.uri("/v1/events?lastEventId=0&types=message.received,message.status"))
                                .header("Authorization", "Bearer " + GatewayProcess.API_KEY)
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).as("GET /v1/events").isEqualTo(200);
        long deadline = System.nanoTime() + SETTLE.toNanos();
        // a keep-alive comment comes every 15 s when nothing else does, so the deadline is looked at
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((missingReceived.size() + missingSends.size() > 0)
                    && System.nanoTime() < deadline
                    && (line = reader.readLine()) != null) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                JsonNode event = GatewayApi.JSON.readTree(line.substring("data: ".length()));
                JsonNode data = event.path("data");
                if ("message.received".equals(event.path("type").asText())) {
                    missingReceived.remove(data.path("carrierMessageId").asText());
                } else {
                    missingSends.remove(data.path("messageId").asText());
                }
            }
        }
        return new Missing(missingReceived, missingSends);
    }

    private static Map<String, Integer> inboundCounts(String url) throws SQLException {
        Map<String, Integer> counts = new HashMap<>();
        try (Connection connection = connect(url);
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT carrier_message_id, count(*) FROM messages"
                        + " WHERE direction = 'inbound' GROUP BY carrier_message_id")) {
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getInt(2));
            }
        }
        return counts;
    }

    /** The newest migration applied to the schema. */
    private static int schemaVersion(String url) throws SQLException {
        try (Connection connection = connect(url);
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT version FROM flyway_schema_history"
                        + " WHERE success AND version IS NOT NULL ORDER BY installed_rank DESC LIMIT 1")) {
            assertThat(rs.next()).as("a migrated schema").isTrue();
            return Integer.parseInt(rs.getString(1));
        }
    }

    /** The previous release, or the test skipped (failed under CI) saying why there is none. */
    private static PreviousRelease previousRelease() throws Exception {
        String root = System.getProperty("omniservice.root");
        assertThat(root).as("system property omniservice.root (the repository)").isNotNull();
        try {
            return PreviousRelease.locate(Path.of(root).toRealPath());
        } catch (PreviousRelease.Unavailable e) {
            String reason = "no previous release to run beside this build: " + e.getMessage();
            if (CI) {
                return Assertions.fail(reason + " (CI=true: the rolling-upgrade test must run; it needs git and the"
                        + " repository's history)");
            }
            System.err.println("SKIPPED RollingUpgradeTest: " + reason);
            return Assumptions.abort(reason);
        }
    }

    /** A fresh schema for this run, or the test skipped (failed under CI) when PostgreSQL is not reachable. */
    private static String createSchema() throws Exception {
        String schema =
                "omni_rolling_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection admin = connect(URL);
                Statement statement = admin.createStatement()) {
            statement.execute("CREATE SCHEMA " + schema);
            return schema;
        } catch (SQLException e) {
            String reason = "PostgreSQL not reachable at " + URL + ": " + e.getMessage();
            if (CI) {
                return Assertions.fail(reason + " (CI=true: PostgreSQL tests must run)", e);
            }
            System.err.println("SKIPPED RollingUpgradeTest: " + reason);
            return Assumptions.abort(reason);
        }
    }

    private static void dropSchema(String schema) throws SQLException {
        try (Connection admin = connect(URL);
                Statement statement = admin.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    private static Connection connect(String url) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", USER);
        if (!PASSWORD.isEmpty()) {
            properties.setProperty("password", PASSWORD);
        }
        properties.setProperty("connectTimeout", "3");
        return DriverManager.getConnection(url, properties);
    }

    private static Duration since(long nanoTime) {
        return Duration.ofNanos(System.nanoTime() - nanoTime);
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
