package io.omniservice.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.omniservice.carriers.testkit.CapturedLog;
import io.omniservice.carriers.testkit.WebhookSigning;
import io.omniservice.core.json.Json;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.InboundWebhooks;
import io.omniservice.server.support.PlayedBandwidth;
import io.omniservice.server.support.RunningGateway;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hostile-input table: every file under {@code src/test/resources/hostile/} is one attack on a running
 * gateway — the request as an attacker sends it (signed with the carrier's real scheme where the attack is a
 * signed webhook), the answer it must get, and what may be stored afterwards. Each file names the hardening
 * item it covers. The file format:
 *
 * <pre>{@code
 * {"item": "5", "attack": "what the attacker tries",
 *  "setup": [request, ...],                     // optional, run first; ${setupN.field} reads their answers
 *  "request": {"method": "POST", "path": "/webhooks/twilio",
 *              "auth": "tests" | "other" | "capped" | "none" | "<any literal bearer token>",
 *              "sign": "twilio" | "meta" | "bandwidth" | "livechat" | "messagebird" | "inteliquent",
 *              "jwtLifetimeSeconds": 60,       // messagebird only
 *              "headers": {...}, "json": {...} | "form": {...} | "body": "raw",
 *              "hangUpAfterBytes": 20},        // send this much of the body, then close the connection
 *  "expect": {"status": 400, "code": "field_too_long", "field": "From"},
 *  "stored": "nothing" | {"messages": 1}}
 * }</pre>
 *
 * Strings may hold {@code ${repeat:<text>:<count>}}, {@code ${now}} (epoch seconds), {@code ${nowIso}},
 * {@code ${hex32}} (fresh random hex), {@code ${remote}} (the played carrier and callback server's base URL)
 * and {@code ${setupN.field}}. Cases run in file-name order against one gateway.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputTest {
    private static final Path CASES = Paths.get("src/test/resources/hostile");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]+)}");
    private static final String CAPPED_KEY = "capped-client-key-0123456789";
    private static final String ALLOW_LOOPBACK_CALLBACKS = "";

    @TempDir
    static Path data;

    private WireMockServer remote;
    private RunningGateway gateway;

    @BeforeAll
    void start() {
        remote = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        remote.start();
        PlayedBandwidth.accepts(remote);
        String base = "http://127.0.0.1:" + remote.port();
        gateway = new RunningGateway(
                data,
                1 << 20,
                "",
                "    - {name: capped, key: " + CAPPED_KEY + "}\n",
                "  limits: {subscriptionsPerClient: 5, rulesPerClient: 5, failedAuthPerMinute: 1000}",
                InboundWebhooks.carriersYaml(base) + ALLOW_LOOPBACK_CALLBACKS,
                ConfiguredCarriers.installedProviders());
    }

    @AfterAll
    void stop() {
        gateway.close();
        remote.stop();
    }

    static Stream<Path> cases() throws IOException {
        try (Stream<Path> files = Files.list(CASES)) {
            return files.filter(file -> file.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyAttackIsAnsweredAndLeavesNothingBehind(Path file) throws Exception {
        JsonNode spec = Json.MAPPER.readTree(file.toFile());
        assertThat(spec.path("item").asText())
                .as("%s names the hardening item it covers", file)
                .isNotBlank();
        assertThat(spec.path("attack").asText())
                .as("%s says what it tries", file)
                .isNotBlank();
        List<JsonNode> setupAnswers = new ArrayList<>();
        for (JsonNode step : spec.path("setup")) {
            HttpResponse<String> answer = send(resolve(step, setupAnswers));
            assertThat(answer.statusCode())
                    .as("setup of %s: %s", file.getFileName(), answer.body())
                    .isBetween(200, 299);
            setupAnswers.add(
                    answer.body().isBlank() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(answer.body()));
        }
        JsonNode request = resolve(spec.path("request"), setupAnswers);
        int messagesBefore = messageCount();
        JsonNode expect = spec.path("expect");
        if (request.has("hangUpAfterBytes")) {
            hangUpMidBody(request);
        } else {
            HttpResponse<String> answer = send(request);
            String why = spec.path("attack").asText() + " → " + answer.body();
            assertThat(answer.statusCode())
                    .as(why)
                    .isEqualTo(expect.path("status").asInt());
            if (expect.has("code")) {
                JsonNode error = Json.MAPPER.readTree(answer.body()).path("error");
                assertThat(error.path("code").asText())
                        .as(why)
                        .isEqualTo(expect.path("code").asText());
                if (expect.has("field")) {
                    assertThat(error.path("field").asText())
                            .as(why)
                            .isEqualTo(expect.path("field").asText());
                }
            }
        }
        JsonNode stored = spec.path("stored");
        int expected = stored.isTextual() && stored.asText().equals("nothing")
                ? 0
                : stored.path("messages").asInt();
        assertThat(messageCount() - messagesBefore)
                .as("messages stored by %s", file.getFileName())
                .isEqualTo(expected);
    }

    /** Sends the head and the first bytes of the body, then closes: the gateway must log it as the client's doing. */
    private void hangUpMidBody(JsonNode request) throws Exception {
        byte[] body = body(request).getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(
                request.path("method").asText() + " " + request.path("path").asText()
                        + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + body.length + "\r\n");
        headers(request)
                .forEach((name, value) ->
                        head.append(name).append(": ").append(value).append("\r\n"));
        try (CapturedLog log = CapturedLog.of(ErrorResponses.class)) {
            try (Socket socket = new Socket("localhost", gateway.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
                out.write(body, 0, request.path("hangUpAfterBytes").asInt());
                out.flush();
                Thread.sleep(200);
            }
            Thread.sleep(300);
            assertThat(log.messages(Level.ERROR)).noneSatisfy(line -> assertThat(line)
                    .contains(request.path("path").asText()));
        }
    }

    private HttpResponse<String> send(JsonNode request) {
        String body = body(request);
        HttpRequest.Builder builder = HttpRequest.newBuilder(
                        gateway.uri(request.path("path").asText()))
                .method(
                        request.path("method").asText("GET"),
                        body.isEmpty() && !request.has("body")
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body));
        headers(request).forEach(builder::header);
        return gateway.send(builder);
    }

    private static String body(JsonNode request) {
        if (request.has("json")) {
            return request.path("json").toString();
        }
        if (request.has("form")) {
            return WebhookSigning.formBody(form(request));
        }
        return request.path("body").asText("");
    }

    private static Map<String, String> form(JsonNode request) {
        Map<String, String> form = new LinkedHashMap<>();
        request.path("form")
                .properties()
                .forEach(field -> form.put(field.getKey(), field.getValue().asText()));
        return form;
    }

    /** The request's headers: its own, then its credentials and carrier signature. */
    private Map<String, String> headers(JsonNode request) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (request.has("json")) {
            headers.put("Content-Type", "application/json");
        } else if (request.has("form")) {
            headers.put("Content-Type", "application/x-www-form-urlencoded");
        }
        request.path("headers")
                .properties()
                .forEach(h -> headers.put(h.getKey(), h.getValue().asText()));
        String auth = request.path("auth").asText("none");
        switch (auth) {
            case "none" -> {}
            case "tests" -> headers.put("Authorization", "Bearer " + RunningGateway.API_KEY);
            case "other" -> headers.put("Authorization", "Bearer " + RunningGateway.OTHER_KEY);
            case "capped" -> headers.put("Authorization", "Bearer " + CAPPED_KEY);
            default -> headers.put("Authorization", "Bearer " + auth);
        }
        String path = request.path("path").asText();
        String url = RunningGateway.PUBLIC_BASE_URL + path;
        String body = body(request);
        switch (request.path("sign").asText("")) {
            case "" -> {}
            case "twilio" ->
                headers.put(
                        "X-Twilio-Signature",
                        WebhookSigning.twilioSignature(InboundWebhooks.TWILIO_AUTH_TOKEN, url, form(request)));
            case "meta" ->
                headers.put(
                        "X-Hub-Signature-256", WebhookSigning.metaSignature(InboundWebhooks.WHATSAPP_APP_SECRET, body));
            case "bandwidth" ->
                headers.put(
                        "Authorization",
                        CarrierHttp.basicAuth(
                                InboundWebhooks.BANDWIDTH_CALLBACK_USER, InboundWebhooks.BANDWIDTH_CALLBACK_PASSWORD));
            case "livechat" -> {} // the secret travels in the body: the case carries it as ${livechatSecret}
            case "messagebird" ->
                headers.put(
                        "MessageBird-Signature-JWT",
                        messageBirdJwt(
                                url, body, request.path("jwtLifetimeSeconds").asLong(60)));
            case "inteliquent" ->
                headers.put(
                        "VerificationToken",
                        WebhookSigning.inteliquentToken(
                                InboundWebhooks.INTELIQUENT_INBOUND_KEY, headers.getOrDefault("MessageId", "")));
            default -> throw new IllegalArgumentException("unknown signing scheme " + request.path("sign"));
        }
        return headers;
    }

    /** MessageBird's JWT with a chosen lifetime (the test kit's signs for one minute). */
    private static String messageBirdJwt(String url, String body, long lifetimeSeconds) {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer("MessageBird")
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(lifetimeSeconds)))
                .jwtID(hex32())
                .claim("url_hash", WebhookSigning.hex(WebhookSigning.sha256(url)))
                .claim("payload_hash", WebhookSigning.hex(WebhookSigning.sha256(body)))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            jwt.sign(new MACSigner(InboundWebhooks.MESSAGEBIRD_SIGNING_KEY.getBytes(StandardCharsets.UTF_8)));
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    /** How many messages an admin sees on any carrier: an attack that is refused leaves this unchanged. */
    private int messageCount() throws IOException {
        int count = 0;
        for (String carrier : List.of("whatsapp", "twilio", "bandwidth", "livechat", "messagebird", "inteliquent")) {
            String cursor = null;
            do {
                HttpResponse<String> page = gateway.api("/v1/messages?carrier=" + carrier
                        + "&since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z&limit=500"
                        + (cursor == null ? "" : "&cursor=" + cursor));
                assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
                JsonNode listing = Json.MAPPER.readTree(page.body());
                count += listing.path("items").size();
                cursor = listing.path("nextCursor").isTextual()
                        ? listing.path("nextCursor").asText()
                        : null;
            } while (cursor != null);
        }
        return count;
    }

    /** A copy of {@code node} with every placeholder in its strings filled in. */
    private JsonNode resolve(JsonNode node, List<JsonNode> setupAnswers) {
        JsonNode copy = node.deepCopy();
        fill(copy, setupAnswers);
        return copy;
    }

    private void fill(JsonNode node, List<JsonNode> setupAnswers) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            List<String> names = new ArrayList<>();
            fields.forEachRemaining(field -> names.add(field.getKey()));
            for (String name : names) {
                JsonNode value = object.get(name);
                if (value.isTextual()) {
                    object.set(name, new TextNode(expand(value.asText(), setupAnswers)));
                } else {
                    fill(value, setupAnswers);
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode value = node.get(i);
                if (value.isTextual()) {
                    ((com.fasterxml.jackson.databind.node.ArrayNode) node)
                            .set(i, new TextNode(expand(value.asText(), setupAnswers)));
                } else {
                    fill(value, setupAnswers);
                }
            }
        }
    }

    private String expand(String text, List<JsonNode> setupAnswers) {
        Matcher matcher = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            matcher.appendReplacement(out, Matcher.quoteReplacement(value(matcher.group(1), setupAnswers)));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private String value(String placeholder, List<JsonNode> setupAnswers) {
        if (placeholder.startsWith("repeat:")) {
            int last = placeholder.lastIndexOf(':');
            return placeholder
                    .substring("repeat:".length(), last)
                    .repeat(Integer.parseInt(placeholder.substring(last + 1)));
        }
        if (placeholder.startsWith("setup")) {
            int dot = placeholder.indexOf('.');
            JsonNode answer = setupAnswers.get(Integer.parseInt(placeholder.substring("setup".length(), dot)));
            return answer.path(placeholder.substring(dot + 1)).asText();
        }
        return switch (placeholder) {
            case "now" -> Long.toString(Instant.now().getEpochSecond());
            case "nowIso" -> Instant.now().toString();
            case "hex32" -> hex32();
            case "remote" -> "http://127.0.0.1:" + remote.port();
            case "livechatSecret" -> InboundWebhooks.LIVECHAT_SECRET;
            case "twilioAccountSid" -> InboundWebhooks.TWILIO_ACCOUNT_SID;
            case "whatsappPhoneNumberId" -> InboundWebhooks.WHATSAPP_PHONE_NUMBER_ID;
            default -> throw new UncheckedIOException(new IOException("unknown placeholder ${" + placeholder + "}"));
        };
    }

    private static String hex32() {
        byte[] random = new byte[16];
        ThreadLocalRandom.current().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
