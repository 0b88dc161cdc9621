package io.omniservice.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.Sender;
import io.omniservice.server.support.RawHttp;
import io.omniservice.server.support.RunningGateway;
import io.omniservice.server.support.ScriptedCarrier;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The HTTP contract of a real running gateway on the embedded store. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayHttpTest {
    private static final int MAX_BODY = 1024;

    // Static: JUnit fills an instance @TempDir only after @BeforeAll has run.
    @TempDir
    static Path data;

    private final ScriptedCarrier bandwidth = new ScriptedCarrier(CarrierType.BANDWIDTH);
    private RunningGateway gateway;

    @BeforeAll
    void start() {
        gateway = new RunningGateway(
                data,
                MAX_BODY,
                "carriers:\n  bandwidth:\n    default: {}\n    second: {note: x}\n    small: {maxBodyBytes: '100'}\n",
                List.of(bandwidth));
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        return Json.MAPPER.readTree(response.body());
    }

    private static JsonNode error(HttpResponse<String> response, int status) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return json(response).path("error");
    }

    // ---- routing and errors ----

    @Test
    void unknownRouteAnswers404Json() throws IOException {
        JsonNode error = error(gateway.get("/no/such/route"), 404);

        assertThat(error.path("code").asText()).isEqualTo("not_found");
        assertThat(error.path("message").asText()).contains("/no/such/route");
    }

    @Test
    void wrongMethodAnswers405JsonWithAllow() throws IOException {
        HttpResponse<String> response =
                gateway.send(HttpRequest.newBuilder(gateway.uri("/health/live")).DELETE());

        assertThat(error(response, 405).path("code").asText()).isEqualTo("method_not_allowed");
        assertThat(response.headers().firstValue("Allow"))
                .hasValueSatisfying(allow -> assertThat(allow).contains("GET"));
    }

    @Test
    void requestJettyRefusesBeforeRoutingIsStillJson() throws IOException {
        String answer = RawHttp.exchange(
                gateway.port(), "GET /v1/messages/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", new byte[0]);

        assertThat(answer).startsWith("HTTP/1.1 400");
        assertThat(answer).contains("application/json").contains("\"error\"");
    }

    // ---- API keys ----

    @Test
    void apiWithoutKeyIs401WithBearerChallenge() throws IOException {
        HttpResponse<String> response = gateway.get("/v1/conversations");

        assertThat(error(response, 401).path("code").asText()).isEqualTo("unauthorized");
        assertThat(response.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(challenge -> assertThat(challenge).startsWith("Bearer"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "Bearer wrong-key-0123456789",
                "Bearer test-api-key-012345678",
                "Basic dGVzdHM6dGVzdC1hcGkta2V5",
                "test-api-key-0123456789",
                "Bearer"
            })
    void apiWithWrongCredentialsIs401(String authorization) throws IOException {
        HttpResponse<String> response = gateway.send(
                HttpRequest.newBuilder(gateway.uri("/v1/conversations")).header("Authorization", authorization));

        assertThat(error(response, 401).path("code").asText()).isEqualTo("unauthorized");
        assertThat(response.headers().firstValue("WWW-Authenticate")).isPresent();
    }

    @ParameterizedTest
    @CsvSource({"Bearer test-api-key-0123456789", "bearer test-api-key-0123456789", "Bearer another-key-0123456789"})
    void apiWithAConfiguredKeyIs200(String authorization) throws IOException {
        HttpResponse<String> response = gateway.send(
                HttpRequest.newBuilder(gateway.uri("/v1/conversations")).header("Authorization", authorization));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).has("items")).isTrue();
    }

    // ---- query parameters ----

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "/v1/messages                                                                      | carrier",
                "/v1/messages?carrier=twilio&status=sent                                           | status",
                "/v1/messages?carrier=telegram&since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z | carrier",
                "/v1/messages?carrier=twilio&until=2026-01-02T00:00:00Z                            | since",
                "/v1/messages?carrier=twilio&since=yesterday&until=2026-01-02T00:00:00Z            | since",
                "/v1/messages?carrier=twilio&since=2026-01-01T00:00:00Z                            | until",
                "/v1/messages?carrier=twilio&since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z | until",
                "/v1/messages?status=lost&createdAfter=2026-01-01T00:00:00Z                        | status",
                "/v1/messages?status=SENT&createdAfter=2026-01-01T00:00:00Z                        | status",
                "/v1/messages?status=sent                                                          | createdAfter",
                "/v1/messages?status=sent&createdAfter=2026-13-01T00:00:00Z                        | createdAfter",
                "/v1/messages?status=sent&createdAfter=2026-01-01T00:00:00Z&limit=0                | limit",
                "/v1/messages?status=sent&createdAfter=2026-01-01T00:00:00Z&limit=501              | limit",
                "/v1/messages?status=sent&createdAfter=2026-01-01T00:00:00Z&limit=ten              | limit",
                "/v1/messages?status=sent&createdAfter=2026-01-01T00:00:00Z&limit=99999999999      | limit",
                "/v1/messages?status=sent&createdAfter=2026-01-01T00:00:00Z&cursor=not-a-cursor    | cursor",
                "/v1/conversations?limit=-1                                                        | limit",
                "/v1/conversations?cursor=AAAA                                                     | cursor",
            })
    void badQueryParameterIs400NamingTheField(String pathAndQuery, String field) throws IOException {
        JsonNode error = error(gateway.api(pathAndQuery.strip()), 400);

        assertThat(error.path("code").asText()).isEqualTo("invalid_parameter");
        assertThat(error.path("field").asText()).isEqualTo(field);
        assertThat(error.path("message").asText()).isNotBlank();
    }

    @Test
    void brokenPercentEncodingIs400() throws IOException {
        // java.net.URI refuses to build this URL, so it goes over a plain socket.
        String answer = RawHttp.exchange(
                gateway.port(),
                "GET /v1/conversations?participant=%E0%A4%A HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                        + RunningGateway.API_KEY + "\r\nConnection: close\r\n\r\n",
                new byte[0]);

        assertThat(answer)
                .startsWith("HTTP/1.1 400")
                .contains("application/json")
                .contains("invalid_query");
    }

    @Test
    void unknownIdsAre404WithTheirOwnCode() throws IOException {
        assertThat(error(gateway.api("/v1/messages/0190-nope"), 404)
                        .path("code")
                        .asText())
                .isEqualTo("message_not_found");
        assertThat(error(gateway.api("/v1/conversations/nope"), 404)
                        .path("code")
                        .asText())
                .isEqualTo("conversation_not_found");
        assertThat(error(gateway.api("/v1/conversations/nope/messages"), 404)
                        .path("code")
                        .asText())
                .isEqualTo("conversation_not_found");
    }

    // ---- webhooks ----

    @Test
    void webhookForAnUnknownCarrierIs404() throws IOException {
        HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/telegram"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")));

        assertThat(error(response, 404).path("code").asText()).isEqualTo("unknown_carrier");
    }

    @Test
    void webhookForACarrierOrAccountNotConfiguredIs404() throws IOException {
        var notConfigured = gateway.send(
                HttpRequest.newBuilder(gateway.uri("/webhooks/twilio")).POST(HttpRequest.BodyPublishers.ofString("")));
        var noSuchAccount = gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/bandwidth/third"))
                .POST(HttpRequest.BodyPublishers.ofString("")));

        assertThat(error(notConfigured, 404).path("code").asText()).isEqualTo("unknown_carrier");
        assertThat(error(noSuchAccount, 404).path("code").asText()).isEqualTo("unknown_carrier");
    }

    @Test
    void webhookReachesTheCarrierExactlyAsSentAndGetsItsReply() {
        byte[] body = "{\"a\": \"\u00e9\", \"b\": [1, 2]}".getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(
                        gateway.uri("/webhooks/bandwidth/second?to=%2B14155550100&note=a+b&x=%E2%9C%93&empty"))
                .header("Content-Type", "application/json; charset=utf-8")
                .header("X-Carrier-Signature", "sig-1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/xml"));
        assertThat(response.body()).isEqualTo("<Response/>");
        var seen = bandwidth.lastSeen();
        assertThat(seen.account()).isEqualTo("second");
        assertThat(seen.request().method()).isEqualTo("POST");
        assertThat(seen.request().publicUrl())
                .isEqualTo(RunningGateway.PUBLIC_BASE_URL
                        + "/webhooks/bandwidth/second?to=%2B14155550100&note=a+b&x=%E2%9C%93&empty");
        assertThat(seen.request().query())
                .containsEntry("to", List.of("+14155550100"))
                .containsEntry("note", List.of("a b"))
                .containsEntry("x", List.of("\u2713"))
                .containsEntry("empty", List.of(""));
        assertThat(seen.request().header("x-carrier-signature")).isEqualTo("sig-1");
        assertThat(seen.request().contentType()).isEqualTo("application/json");
        assertThat(seen.request().body()).isEqualTo(body);
        assertThat(seen.onVirtualThread()).as("handled on a virtual thread").isTrue();
        assertThat(seen.request().receivedAt())
                .isCloseTo(Instant.now(), org.assertj.core.api.Assertions.within(1, ChronoUnit.MINUTES));
    }

    @Test
    void getOnAWebhookGoesToTheCarriersHandshake() {
        HttpResponse<String> response = gateway.get("/webhooks/bandwidth?challenge=1158201444");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("handshake:1158201444");
        assertThat(bandwidth.lastSeen().request().method()).isEqualTo("GET");
        assertThat(bandwidth.lastSeen().account()).isEqualTo("default");
    }

    @Test
    void storedWebhookMessageIsReadableThroughTheQueryApi() throws IOException {
        Instant before = Instant.now().minusSeconds(60);
        bandwidth.answerWith(request -> List.of(new InboundEvent.InboundMessage(
                CarrierType.BANDWIDTH,
                "default",
                "bw-query-api-1",
                Sender.phone("+14155550123", null),
                "+14155550199",
                new MessageContent.Text("where is my order?"),
                Instant.parse("2026-11-24T12:00:00Z"),
                null,
                Json.MAPPER.createObjectNode().put("id", "bw-query-api-1"))));
        try {
            HttpResponse<String> posted = gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/bandwidth"))
                    .POST(HttpRequest.BodyPublishers.ofString("[]")));
            assertThat(posted.statusCode()).isEqualTo(200);
        } finally {
            bandwidth.answerWith(request -> List.of());
        }

        // "+" in a query string decodes to a space; the API still reads it as the phone number.
        JsonNode conversations = json(gateway.api("/v1/conversations?participant=+14155550123"));
        assertThat(conversations.path("items")).hasSize(1);
        assertThat(conversations.has("nextCursor")).isTrue();
        String conversationId =
                conversations.path("items").get(0).path("conversationId").asText();
        assertThat(json(gateway.api("/v1/conversations?participant=%2B14155550123"))
                        .path("items"))
                .hasSize(1);

        JsonNode conversation = json(gateway.api("/v1/conversations/" + conversationId));
        assertThat(conversation.path("participants").toString()).contains("+14155550123");

        JsonNode messages = json(gateway.api("/v1/conversations/" + conversationId + "/messages?limit=10"));
        assertThat(messages.path("items")).hasSize(1);
        JsonNode message = messages.path("items").get(0);
        assertThat(message.path("carrier").asText()).isEqualTo("bandwidth");
        assertThat(message.path("direction").asText()).isEqualTo("inbound");
        assertThat(message.path("content").path("body").asText()).isEqualTo("where is my order?");

        String messageId = message.path("messageId").asText();
        assertThat(json(gateway.api("/v1/messages/" + messageId))
                        .path("carrierMessageId")
                        .asText())
                .isEqualTo("bw-query-api-1");

        String window = "since=" + before + "&until=" + Instant.now().plusSeconds(60);
        JsonNode byCarrier = json(gateway.api("/v1/messages?carrier=bandwidth&" + window));
        assertThat(byCarrier.path("items").findValuesAsText("messageId")).contains(messageId);
        JsonNode otherCarrier = json(gateway.api("/v1/messages?carrier=twilio&" + window));
        assertThat(otherCarrier.path("items").findValuesAsText("messageId")).doesNotContain(messageId);

        String status = message.path("status").asText();
        JsonNode byStatus = json(gateway.api("/v1/messages?status=" + status + "&createdAfter=" + before));
        assertThat(byStatus.path("items").findValuesAsText("messageId")).contains(messageId);
    }

    // ---- body limit ----

    @Test
    void bodyOfExactlyTheLimitIsAccepted() {
        bandwidth.answerWith(request -> List.of());
        HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/bandwidth"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[MAX_BODY])));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(bandwidth.lastSeen().request().body()).hasSize(MAX_BODY);
    }

    @Test
    void bodyOverTheLimitIs413Json() throws IOException {
        HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/bandwidth"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[MAX_BODY + 1])));

        assertThat(error(response, 413).path("code").asText()).isEqualTo("payload_too_large");
    }

    @Test
    void bodyOverTheCarriersOwnLimitIs413BeforeVerifying() throws IOException {
        bandwidth.answerWith(request -> List.of());
        HttpResponse<String> fits = gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/bandwidth/small"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100])));
        assertThat(fits.statusCode()).isEqualTo(200);
        var verified = bandwidth.lastSeen();

        HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/bandwidth/small"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[101])));

        assertThat(error(response, 413).path("code").asText()).isEqualTo("payload_too_large");
        assertThat(bandwidth.lastSeen()).as("not verified").isSameAs(verified);
    }

    @Test
    void declaredLengthOverTheLimitIsRefusedBeforeTheBodyIsSent() throws IOException {
        // 10 MiB announced, 100 bytes sent: the answer must come without the server waiting for the rest.
        String answer = RawHttp.exchange(
                gateway.port(),
                "POST /webhooks/bandwidth HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 10485760\r\n\r\n",
                new byte[100]);

        assertThat(answer).startsWith("HTTP/1.1 413");
        assertThat(answer).contains("payload_too_large");
    }

    @Test
    void chunkedBodyOverTheLimitIsRefusedWithoutReadingToTheEnd() throws IOException {
        byte[] chunk = new byte[600];
        Arrays.fill(chunk, (byte) 'a');
        String chunkHead = Integer.toHexString(chunk.length) + "\r\n";
        byte[] twoChunks = (chunkHead + new String(chunk, StandardCharsets.US_ASCII) + "\r\n" + chunkHead
                        + new String(chunk, StandardCharsets.US_ASCII) + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);

        // No last chunk is ever sent: only the limit can end this request.
        String answer = RawHttp.exchange(
                gateway.port(),
                "POST /webhooks/bandwidth HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
                twoChunks);

        assertThat(answer).startsWith("HTTP/1.1 413");
        assertThat(answer).contains("payload_too_large");
    }

    // ---- operations ----

    @Test
    void healthAnswersLiveAndReady() throws IOException {
        assertThat(json(gateway.get("/health/live")).path("status").asText()).isEqualTo("up");
        assertThat(json(gateway.get("/health/ready")).path("status").asText()).isEqualTo("ready");
    }

    @Test
    void metricsExposeHttpTimersAndWebhookOutcomes() {
        gateway.get("/health/live");
        gateway.send(
                HttpRequest.newBuilder(gateway.uri("/webhooks/telegram")).POST(HttpRequest.BodyPublishers.noBody()));

        assertThat(gateway.get("/metrics").statusCode()).as("no credentials").isEqualTo(401);
        assertThat(gateway.as(RunningGateway.OTHER_KEY, "GET", "/metrics", null).statusCode())
                .as("a client without the admin scope")
                .isEqualTo(403);
        HttpResponse<String> response = gateway.api("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
        assertThat(response.body())
                .contains("http_server_requests_seconds_count{method=\"GET\",route=\"/health/live\",status=\"200\"}")
                .contains("omniservice_webhooks_total{carrier=\"other\",outcome=\"unknown_carrier\"}")
                .contains("jvm_memory_used_bytes");
    }
}
