package io.omniservice.acceptance;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator console ({@code /console/}) in a real browser against a real gateway: {@code console/e2e/console-flow.mjs}
 * drives Debian's chromium with playwright-core (pinned in {@code console/package-lock.json}) while this class plays
 * the outside world. The script signs in (a key without {@code admin} is refused), watches a conversation that a
 * signed Bandwidth webhook creates appear, opens its timeline, sends a reply that the played Bandwidth must receive,
 * sees the carrier's delivery receipt arrive in the timeline over the event stream, replays a dead-lettered send
 * (which Bandwidth must then receive), edits routing and business rules, checks labels, keyboard order and phone
 * width, and takes a screenshot of each page into {@code target/console-screenshots}.
 *
 * <p>Without chromium, node or the console's node_modules it is skipped, saying which; under {@code CI=true} it
 * fails instead, as the PostgreSQL tests do.
 */
class ConsoleBrowserTest {
    private static final boolean CI = "true".equalsIgnoreCase(System.getenv("CI"));
    private static final String SEND_PATH = PlayedBandwidth.SEND_PATH;
    /** With several keys, a key names its scopes: this one is the operator's. */
    private static final String ADMIN_KEY = "console-admin-key-0123456789";

    private static final String READER_KEY = "console-reader-key-0123456789";
    private static final String CUSTOMER = "+16505550142";
    private static final String DEAD_LETTER_RECIPIENT = "+16505550177";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path directory;

    private WireMockServer outside;
    private GatewayProcess gateway;
    private Process browser;

    @AfterEach
    void stop() throws Exception {
        if (browser != null && browser.isAlive()) {
            browser.destroyForcibly().waitFor();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (outside != null) {
            outside.stop();
        }
    }

    @Test
    void operatorSignsInFollowsAConversationLiveRepliesAndReplaysADeadLetter() throws Exception {
        Path root =
                Path.of(System.getProperty("omniservice.root")).toAbsolutePath().normalize();
        Path consoleDirectory = root.resolve("console");
        Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        String node = executableOnPath("node");
        requireTool(Files.isExecutable(chromium), "no chromium at " + chromium + " (apt-get install chromium)");
        requireTool(node != null, "no node on PATH (apt-get install nodejs)");
        requireTool(
                Files.isDirectory(consoleDirectory.resolve("node_modules/playwright-core")),
                "no playwright-core under console/node_modules (cd console && npm ci)");

        outside =
                new WireMockServer(WireMockConfiguration.options().dynamicPort().globalTemplating(true));
        outside.start();
        PlayedBandwidth.acceptSends(outside);
        outside.stubFor(post(urlPathEqualTo("/events")).willReturn(aResponse().withStatus(200)));
        outside.stubFor(
                post(urlPathEqualTo("/events-down")).willReturn(aResponse().withStatus(503)));
        outside.stubFor(get(urlPathEqualTo("/files/sunday.png"))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "image/png")
                        .withBody(photo())));
        gateway = GatewayProcess.start(
                directory,
                GatewayProcess.Setup.embedded()
                        .sendingThrough("http://127.0.0.1:" + outside.port())
                        // the subscriber and the photo a send takes are on this machine
                        .withOutbound("callbacks: {allowedNetworks: [127.0.0.0/8]}")
                        .withMoreMedia("fetch: {allowedNetworks: [127.0.0.0/8]}")
                        .withMoreApiKeys("""
                                - name: console-admin
                                  key: %s
                                  scopes: [admin]
                                - name: console-reader
                                  key: %s
                                  scopes: [messages:read, events:read]""".formatted(ADMIN_KEY, READER_KEY)));
        GatewayApi api = new GatewayApi(gateway);
        SignedWebhooks webhooks = new SignedWebhooks(gateway);

        // a send Bandwidth refuses, so the dead letters page has one to replay; then Bandwidth takes it
        StubMapping refusing = outside.stubFor(post(urlPathEqualTo(SEND_PATH))
                .withRequestBody(containing(DEAD_LETTER_RECIPIENT))
                .atPriority(1)
                .willReturn(aResponse()
                        .withStatus(400)
                        .withHeader("Content-Type", "application/json")
                        .withBody("""
                                {"type":"request-validation","description":"Your request could not be accepted"}""")));
        String refused = postMessage(api, DEAD_LETTER_RECIPIENT, "Your parcel is on its way");
        await(
                () -> asAdmin(api, "/v1/dead-letters").path("items"),
                items -> hasDeadLetterFor(items, refused),
                "the refused send's dead letter");
        outside.removeStub(refusing);
        // subscriptions for the subscriptions page: one taking its events, one whose receiver is down
        for (String path : List.of("/events", "/events-down")) {
            HttpResponse<String> subscribed = api.send(authorized(gateway.uri("/v1/subscriptions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("""
                            {"url": "http://127.0.0.1:%d%s", "events": ["message.received", "message.status"]}""".formatted(outside.port(), path)))
                    .build());
            assertThat(subscribed.statusCode()).as(subscribed.body()).isEqualTo(201);
        }

        Path screenshots = Path.of(System.getProperty("omniservice.buildDirectory", "target"), "console-screenshots");
        ProcessBuilder script = new ProcessBuilder(node, "e2e/console-flow.mjs")
                .directory(consoleDirectory.toFile())
                .redirectErrorStream(true);
        script.environment()
                .putAll(Map.of(
                        "CONSOLE_BASE_URL",
                        "http://127.0.0.1:" + gateway.port(),
                        "ADMIN_KEY",
                        ADMIN_KEY,
                        "READER_KEY",
                        READER_KEY,
                        "PARTICIPANT",
                        CUSTOMER,
                        "PUBLIC_BASE_URL",
                        gateway.publicBaseUrl(),
                        "DEAD_LETTER_RECIPIENT",
                        DEAD_LETTER_RECIPIENT,
                        "SCREENSHOTS",
                        screenshots.toString(),
                        "CHROMIUM",
                        chromium.toString()));
        browser = script.start();
        List<String> output = new ArrayList<>();
        boolean done = false;
        try (BufferedReader lines =
                        new BufferedReader(new InputStreamReader(browser.getInputStream(), StandardCharsets.UTF_8));
                Writer answers = new java.io.OutputStreamWriter(browser.getOutputStream(), StandardCharsets.UTF_8)) {
            String line;
            while ((line = lines.readLine()) != null) {
                output.add(line);
                if (line.equals("DONE")) {
                    done = true;
                } else if (line.startsWith("STEP ")) {
                    String[] parts = line.split(" ", 3);
                    JsonNode data = GatewayApi.JSON.readTree(parts[2]);
                    answer(answers, () -> step(parts[1], data, api, webhooks));
                }
            }
        }
        assertThat(browser.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(done)
                .as("the browser script's run (exit %d):%n%s", browser.exitValue(), String.join("\n", output))
                .isTrue();
        assertThat(browser.exitValue()).isZero();
        assertThat(gateway.warnings()).as("the gateway's warnings").doesNotContain(" ERROR ");
    }

    /** Does the Java side of one of the script's steps. */
    private void step(String name, JsonNode data, GatewayApi api, SignedWebhooks webhooks) throws Exception {
        switch (name) {
            case "conversations-open" -> {
                // the script watches the conversation list: this signed webhook must show up there live
                HttpResponse<String> stored = api.send(webhooks.bandwidthReceived(
                        "16" + System.nanoTime() % 1_000_000_000_000L + "lm4k2je7j7jklbn2",
                        data.path("participant").asText(),
                        "Do you deliver on Sundays?"));
                assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
                // and a photo sent to the customer, whose thumbnail the timeline shows through a signed URL
                HttpResponse<String> photo = api.send(authorized(gateway.uri("/v1/messages"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("""
                                {"to": {"phoneNumber": "%s"}, "content": {"type": "media", "text": "Our Sunday van",
                                 "mediaUrl": "http://127.0.0.1:%d/files/sunday.png"}}""".formatted(CUSTOMER, outside.port())))
                        .build());
                assertThat(photo.statusCode()).as(photo.body()).isEqualTo(202);
            }
            case "reply-sent" -> {
                String messageId = data.path("messageId").asText();
                List<LoggedRequest> sends = await(
                        () -> outside.findAll(postRequestedFor(urlPathEqualTo(SEND_PATH))),
                        requests -> requests.stream()
                                .anyMatch(r -> r.getBodyAsString().contains(messageId)),
                        "the reply at Bandwidth");
                JsonNode sent = GatewayApi.JSON.readTree(sends.stream()
                        .filter(r -> r.getBodyAsString().contains(messageId))
                        .findFirst()
                        .orElseThrow()
                        .getBodyAsString());
                assertThat(sent.path("to").get(0).asText()).isEqualTo(CUSTOMER);
                assertThat(sent.path("text").asText()).isEqualTo("Yes, from 10 to 4.");
                await(
                        () -> asAdmin(api, "/v1/messages/" + messageId),
                        m -> "sent".equals(m.path("status").asText()),
                        "the reply sent");
                HttpResponse<String> receipt =
                        api.send(webhooks.bandwidth("""
                        [{"type":"message-delivered","time":"2026-11-25T12:00:03.000Z","description":"ok","to":"%s",\
                        "message":{"id":"bw-%s","owner":"+14155550198","applicationId":"93de2206-9669-4e07-948d-329f4b722ee2",\
                        "time":"2026-11-25T12:00:00.000Z","segmentCount":1,"direction":"out","to":["%s"],\
                        "from":"+14155550198","text":"","tag":"%s"}}]""".formatted(CUSTOMER, messageId, CUSTOMER, messageId)));
                assertThat(receipt.statusCode()).as(receipt.body()).isEqualTo(200);
            }
            case "dead-letter-replayed" ->
                // the refused send, replayed from the console, reaches Bandwidth a second time and is taken
                await(
                        () -> outside.findAll(postRequestedFor(urlPathEqualTo(SEND_PATH))
                                .withRequestBody(containing(DEAD_LETTER_RECIPIENT))),
                        requests -> requests.size() >= 2,
                        "the replayed send at Bandwidth");
            default -> throw new IllegalStateException("the browser script names an unknown step: " + name);
        }
    }

    private interface Action {
        void run() throws Exception;
    }

    /** Does a step and tells the script how it went; a failure is the test's, after the script has been told. */
    private static void answer(Writer answers, Action action) throws Exception {
        try {
            action.run();
        } catch (Exception | AssertionError e) {
            answers.write("FAIL " + String.valueOf(e.getMessage()).replace('\n', ' ') + "\n");
            answers.flush();
            throw e;
        }
        answers.write("OK\n");
        answers.flush();
    }

    /** A small real PNG (a gradient), big enough to get a thumbnail of its own. */
    private static byte[] photo() throws IOException {
        var image = new java.awt.image.BufferedImage(160, 120, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                image.setRGB(x, y, (x * 255 / 160) << 16 | (y * 255 / 120) << 8 | 0x60);
            }
        }
        var bytes = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", bytes);
        return bytes.toByteArray();
    }

    private static boolean hasDeadLetterFor(JsonNode items, String messageId) {
        for (JsonNode item : items) {
            if (messageId.equals(item.path("messageId").asText())
                    && "send".equals(item.path("kind").asText())) {
                return true;
            }
        }
        return false;
    }

    private String postMessage(GatewayApi api, String to, String text) throws Exception {
        HttpResponse<String> accepted = api.send(authorized(gateway.uri("/v1/messages"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"to": {"phoneNumber": "%s"}, "content": {"type": "text", "text": "%s"}}""".formatted(to, text)))
                .build());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return GatewayApi.JSON.readTree(accepted.body()).path("messageId").asText();
    }

    /** A read with the operator's key: the console's reply is the admin client's own message. */
    private JsonNode asAdmin(GatewayApi api, String pathAndQuery) throws Exception {
        HttpResponse<String> response = api.send(HttpRequest.newBuilder(gateway.uri(pathAndQuery))
                .header("Authorization", "Bearer " + ADMIN_KEY)
                .build());
        assertThat(response.statusCode())
                .as(pathAndQuery + ": " + response.body())
                .isEqualTo(200);
        return GatewayApi.JSON.readTree(response.body());
    }

    private static HttpRequest.Builder authorized(java.net.URI uri) {
        return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + GatewayProcess.API_KEY);
    }

    private interface Read<T> {
        T get() throws Exception;
    }

    /** What {@code read} gives once {@code until} holds for it, within {@link #PATIENCE}. */
    private static <T> T await(Read<T> read, Predicate<T> until, String what) throws Exception {
        Instant deadline = Instant.now().plus(PATIENCE);
        T value = read.get();
        while (!until.test(value) && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
            value = read.get();
        }
        assertThat(until).as(what + ": " + value).accepts(value);
        return value;
    }

    private static void requireTool(boolean present, String missing) {
        if (!present) {
            String message = "the console's browser test cannot run: " + missing;
            if (CI) {
                throw new AssertionError(message + " (CI=true: .ci/run installs it)");
            }
            Assumptions.abort(message);
        }
    }

    private static String executableOnPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }
}
