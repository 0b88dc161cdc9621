package io.omniservice.server.outbound;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.omniservice.core.json.Json;
import io.omniservice.core.outbound.EventSignature;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.PlayedBandwidth;
import io.omniservice.server.support.RunningGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbound pipeline end to end: a real gateway on an embedded store sends through Twilio and
 * Bandwidth as played by WireMock with their real request and answer formats.
 */
class OutboundPipelineTest {
    private static final String TWILIO_SID = "AC" + "0123456789abcdef0123456789abcdef";
    private static final String TWILIO_PATH = "/2010-04-01/Accounts/" + TWILIO_SID + "/Messages.json";
    private static final String BANDWIDTH_PATH = PlayedBandwidth.SEND_PATH;
    private static final String CALLBACK_SECRET = "callback-secret-0123456789abcdef";

    @TempDir
    Path data;

    WireMockServer carriers;
    RunningGateway gateway;

    @BeforeEach
    void start() {
        // carriers give every message its own id: templating fills one in per answer
        carriers =
                new WireMockServer(WireMockConfiguration.options().dynamicPort().globalTemplating(true));
        carriers.start();
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        carriers.stop();
    }

    private void startGateway(String extraYaml) {
        // long enough that a cold first send on a busy CI machine never times out by accident
        startGateway(extraYaml, 5_000);
    }

    private void startGateway(String extraYaml, int sendTimeoutMillis) {
        String base = "http://localhost:" + carriers.port();
        gateway = new RunningGateway(
                data,
                1 << 20,
                PlayedBandwidth.twilioAndBandwidthYaml(TWILIO_SID, base)
                        + """
                templates:
                  order_shipped: "Hi {{name}}, order {{order}} has shipped."
                outbound:
                  nodeId: test-node
                  pollMillis: 20
                  sendTimeoutMillis: %d
                  retry: {maxAttempts: 3, initialBackoffMillis: 20, maxBackoffMillis: 100, maxRetryAfterSeconds: 5}
                  breaker: {window: 4, minimumCalls: 4, failureRatePercent: 50, openSeconds: 1, halfOpenCalls: 1}
                  callbacks: {signingSecret: %s, initialBackoffMillis: 20, maxAttempts: 3}
                %s
                """.formatted(sendTimeoutMillis, CALLBACK_SECRET, extraYaml),
                ConfiguredCarriers.installedProviders());
    }

    private void twilioAccepts() {
        carriers.stubFor(post(urlPathEqualTo(TWILIO_PATH))
                .willReturn(aResponse()
                        .withStatus(201)
                        .withHeader("Content-Type", "application/json")
                        .withBody("""
                                {"sid":"SM{{randomValue length=32 type='HEXADECIMAL'}}","status":"queued","num_segments":"1",
                                 "error_code":null,"error_message":null,"to":"+14155550100","from":"+14155550199"}""")));
    }

    private void bandwidthAccepts() {
        PlayedBandwidth.accepts(carriers);
    }

    private HttpResponse<String> postMessage(String body, String idempotencyKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri("/v1/messages"))
                .header("Authorization", "Bearer " + RunningGateway.API_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return gateway.send(request);
    }

    private static String text(String to, String preferred, String text) {
        return """
                {"to": {"phoneNumber": "%s"%s},
                 "content": {"type": "text", "text": "%s"}}""".formatted(to, preferred == null ? "" : ", \"preferredCarrier\": \"" + preferred + "\"", text);
    }

    private JsonNode json(HttpResponse<String> response) {
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (Exception e) {
            throw new AssertionError(response.body(), e);
        }
    }

    private JsonNode awaitMessage(String messageId, String status) {
        return await(() -> {
            JsonNode message = json(gateway.api("/v1/messages/" + messageId));
            return status.equals(message.path("status").asText()) ? message : null;
        });
    }

    private static <T> T await(Supplier<T> probe) {
        Instant deadline = Instant.now().plusSeconds(15);
        while (Instant.now().isBefore(deadline)) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("condition not met in time");
    }

    @Test
    void textIsQueuedThenSentThroughTheCheapestCarrierWithItsExactRequest() {
        startGateway("");
        bandwidthAccepts();
        HttpResponse<String> accepted = postMessage(text("+14155550100", null, "Your order shipped"), null);

        assertThat(accepted.statusCode()).isEqualTo(202);
        JsonNode answer = json(accepted);
        assertThat(answer.path("status").asText()).isEqualTo("queued");
        assertThat(answer.path("carrier").asText()).isEqualTo("bandwidth");
        JsonNode sent = awaitMessage(answer.path("messageId").asText(), "sent");
        assertThat(sent.path("carrierMessageId").asText()).hasSize(30);
        assertThat(sent.path("direction").asText()).isEqualTo("outbound");
        assertThat(sent.path("attempts")).hasSize(1);
        carriers.verify(postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH))
                .withBasicAuth(new com.github.tomakehurst.wiremock.client.BasicCredentials("api-user", "api-password"))
                .withRequestBody(matchingJsonPath("$.to[0]", equalTo("+14155550100")))
                .withRequestBody(matchingJsonPath("$.from", equalTo("+14155550198")))
                .withRequestBody(matchingJsonPath("$.text", equalTo("Your order shipped")))
                .withRequestBody(matchingJsonPath("$.applicationId", equalTo("93de2206-9669-4e07-948d-329f4b722ee2"))));
    }

    @Test
    void preferredCarrierWinsAndTwilioGetsItsFormWithStatusCallback() {
        startGateway("");
        twilioAccepts();
        String id = json(postMessage(text("+14155550100", "twilio", "hello"), null))
                .path("messageId")
                .asText();

        awaitMessage(id, "sent");
        carriers.verify(postRequestedFor(urlPathEqualTo(TWILIO_PATH))
                .withBasicAuth(new com.github.tomakehurst.wiremock.client.BasicCredentials(
                        TWILIO_SID, "twilio-token-0123456789"))
                .withRequestBody(containing("To=%2B14155550100"))
                .withRequestBody(containing("From=%2B14155550199"))
                .withRequestBody(containing("Body=hello"))
                .withRequestBody(containing("StatusCallback=https%3A%2F%2Fgw.example.com%2Fbase%2Fwebhooks%2Ftwilio")));
    }

    @Test
    void serverErrorsAreRetriedThenTheNextCarrierTakesTheMessage() {
        startGateway("");
        carriers.stubFor(post(urlPathEqualTo(TWILIO_PATH))
                .willReturn(aResponse()
                        .withStatus(500)
                        .withBody("{\"code\":20500,\"message\":\"Internal Server Error\"}")));
        bandwidthAccepts();
        String id = json(postMessage(text("+14155550100", "twilio", "storm"), null))
                .path("messageId")
                .asText();

        JsonNode sent = awaitMessage(id, "sent");
        assertThat(sent.path("carrier").asText()).isEqualTo("bandwidth");
        carriers.verify(3, postRequestedFor(urlPathEqualTo(TWILIO_PATH)));
        carriers.verify(1, postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH)));
        List<String> outcomes = sent.path("attempts").findValuesAsText("outcome");
        assertThat(outcomes).containsExactly("retryable", "retryable", "retryable", "sent");
    }

    @Test
    void tooManyRequestsWaitsForRetryAfterThenSendsOnTheSameCarrier() {
        startGateway("");
        carriers.stubFor(post(urlPathEqualTo(TWILIO_PATH))
                .inScenario("throttle")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse()
                        .withStatus(429)
                        .withHeader("Retry-After", "1")
                        .withBody("{\"code\":20429,\"message\":\"Too Many Requests\",\"status\":429}"))
                .willSetStateTo("open"));
        carriers.stubFor(post(urlPathEqualTo(TWILIO_PATH))
                .inScenario("throttle")
                .whenScenarioStateIs("open")
                .willReturn(aResponse()
                        .withStatus(201)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"sid\":\"SMaaaabbbbccccddddeeeeffff00001111\",\"status\":\"queued\"}")));
        String id = json(postMessage(text("+14155550100", "twilio", "later"), null))
                .path("messageId")
                .asText();

        JsonNode sent = awaitMessage(id, "sent");
        assertThat(sent.path("carrier").asText()).isEqualTo("twilio");
        List<LoggedRequest> calls = carriers.findAll(postRequestedFor(urlPathEqualTo(TWILIO_PATH)));
        assertThat(calls).hasSize(2);
        Duration waited = Duration.between(
                calls.get(0).getLoggedDate().toInstant(),
                calls.get(1).getLoggedDate().toInstant());
        assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void invalidNumberIsNotRetriedNorSentElsewhere() {
        startGateway("");
        carriers.stubFor(post(urlPathEqualTo(TWILIO_PATH))
                .willReturn(aResponse()
                        .withStatus(400)
                        .withHeader("Content-Type", "application/json")
                        .withBody("""
                                {"code":21211,"message":"The 'To' number +14155550100 is not a valid phone number.",
                                 "more_info":"https://www.twilio.com/docs/errors/21211","status":400}""")));
        bandwidthAccepts();
        String id = json(postMessage(text("+14155550100", "twilio", "nope"), null))
                .path("messageId")
                .asText();

        JsonNode failed = awaitMessage(id, "failed");
        assertThat(failed.path("error").path("code").asText()).isEqualTo("21211");
        carriers.verify(1, postRequestedFor(urlPathEqualTo(TWILIO_PATH)));
        carriers.verify(0, postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH)));
        assertThat(json(gateway.api("/v1/dead-letters")).path("items")).isEmpty();
    }

    @Test
    void everyCarrierFailingDeadLettersTheMessageAndReplaySendsItAgain() {
        startGateway("");
        carriers.stubFor(
                post(urlPathEqualTo(TWILIO_PATH)).willReturn(aResponse().withStatus(503)));
        carriers.stubFor(
                post(urlPathEqualTo(BANDWIDTH_PATH)).willReturn(aResponse().withStatus(503)));
        String id = json(postMessage(text("+14155550100", null, "lost?"), null))
                .path("messageId")
                .asText();

        awaitMessage(id, "failed");
        JsonNode letters = json(gateway.api("/v1/dead-letters")).path("items");
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).path("messageId").asText()).isEqualTo(id);

        carriers.resetAll();
        bandwidthAccepts();
        HttpResponse<String> replay = gateway.send(HttpRequest.newBuilder(gateway.uri(
                        "/v1/dead-letters/" + letters.get(0).path("id").asText() + "/replay"))
                .header("Authorization", "Bearer " + RunningGateway.API_KEY)
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(replay.statusCode()).isEqualTo(202);
        awaitMessage(id, "sent");
    }

    @Test
    void sameIdempotencyKeyAndBodyGetTheFirstAnswerAndAnotherBodyIsAConflict() {
        startGateway("");
        bandwidthAccepts();
        String body = text("+14155550100", null, "once");
        HttpResponse<String> first = postMessage(body, "order-42");
        HttpResponse<String> again = postMessage(body, "order-42");
        HttpResponse<String> other = postMessage(text("+14155550100", null, "twice"), "order-42");

        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(other.statusCode()).isEqualTo(409);
        assertThat(json(other).path("error").path("code").asText()).isEqualTo("idempotency_key_reused");
        awaitMessage(json(first).path("messageId").asText(), "sent");
        carriers.verify(1, postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH)));
    }

    @Test
    void invalidBodiesNameTheField() {
        startGateway("");
        HttpResponse<String> badNumber = postMessage(text("4155550100", null, "x"), null);
        HttpResponse<String> noButtons = postMessage("""
                {"to": {"phoneNumber": "+14155550100"}, "content": {"type": "interactive", "text": "Pick"}}""", null);
        HttpResponse<String> badPriority = postMessage("""
                {"to": {"phoneNumber": "+14155550100"}, "content": {"type": "text", "text": "x"},
                 "options": {"priority": "urgent"}}""", null);

        assertThat(badNumber.statusCode()).isEqualTo(400);
        assertThat(json(badNumber).path("error").path("field").asText()).isEqualTo("to.phoneNumber");
        assertThat(json(noButtons).path("error").path("field").asText()).isEqualTo("content.buttons");
        assertThat(json(badPriority).path("error").path("field").asText()).isEqualTo("options.priority");
    }

    @Test
    void templateWithoutARegistryEntryOrWhatsAppIsUnprocessable() {
        startGateway("");
        HttpResponse<String> response = postMessage("""
                {"to": {"phoneNumber": "+14155550100"},
                 "content": {"type": "template", "templateId": "not_registered"}}""", null);

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(json(response).path("error").path("code").asText()).isEqualTo("no_capable_carrier");
    }

    @Test
    void smsTemplateIsRenderedFromTheRegistryAndButtonsBecomeNumberedOptions() {
        startGateway("");
        bandwidthAccepts();
        String template = json(postMessage("""
                        {"to": {"phoneNumber": "+14155550100"},
                         "content": {"type": "template", "templateId": "order_shipped",
                                     "templateParams": {"name": "Ada", "order": "42"}}}""", null)).path("messageId").asText();
        awaitMessage(template, "sent");
        String buttons = json(postMessage("""
                        {"to": {"phoneNumber": "+14155550101"},
                         "content": {"type": "interactive", "text": "Keep the slot?",
                                     "buttons": [{"id": "y", "title": "Yes"}, {"id": "n", "title": "No"}]}}""", null)).path("messageId").asText();
        awaitMessage(buttons, "sent");

        carriers.verify(postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH))
                .withRequestBody(matchingJsonPath("$.text", equalTo("Hi Ada, order 42 has shipped."))));
        carriers.verify(postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH))
                .withRequestBody(matchingJsonPath("$.text", containing("1. Yes\n2. No"))));
    }

    @Test
    void statusChangesArePostedSignedToTheCallbackUrl() throws Exception {
        startGateway("");
        bandwidthAccepts();
        carriers.stubFor(
                post(urlPathEqualTo("/callback")).willReturn(aResponse().withStatus(200)));
        String body = """
                {"to": {"phoneNumber": "+14155550100"}, "content": {"type": "text", "text": "tracked"},
                 "options": {"callbackUrl": "http://localhost:%d/callback"}}""".formatted(carriers.port());
        String id = json(postMessage(body, null)).path("messageId").asText();

        LoggedRequest callback = await(() -> {
            List<LoggedRequest> found = carriers.findAll(postRequestedFor(urlPathEqualTo("/callback")));
            return found.isEmpty() ? null : found.getFirst();
        });
        String signature = callback.getHeader(EventSignature.HEADER);
        long t = Long.parseLong(signature.substring(2, signature.indexOf(',')));
        assertThat(signature)
                .isEqualTo(EventSignature.header(
                        RunningGateway.SIGNING_SECRET,
                        t,
                        callback.getBodyAsString().getBytes(StandardCharsets.UTF_8)));
        JsonNode event = Json.MAPPER.readTree(callback.getBodyAsString());
        assertThat(event.path("type").asText()).isEqualTo("message.status");
        assertThat(event.path("data").path("messageId").asText()).isEqualTo(id);
        assertThat(event.path("data").path("status").asText()).isEqualTo("sent");
    }

    @Test
    void aSlowCallbackReceiverDoesNotHoldUpAnotherMessagesCallbacks() {
        startGateway("");
        bandwidthAccepts();
        carriers.stubFor(post(urlPathEqualTo("/slow"))
                .willReturn(aResponse().withStatus(200).withFixedDelay(6_000)));
        carriers.stubFor(post(urlPathEqualTo("/fast")).willReturn(aResponse().withStatus(200)));
        String slow = """
                {"to": {"phoneNumber": "+14155550100"}, "content": {"type": "text", "text": "a"},
                 "options": {"callbackUrl": "http://localhost:%d/slow"}}""".formatted(carriers.port());
        postMessage(slow, null);
        await(() -> carriers.findAll(postRequestedFor(urlPathEqualTo("/slow"))).isEmpty() ? null : true);
        Instant slowStarted = Instant.now();
        String fast = """
                {"to": {"phoneNumber": "+14155550101"}, "content": {"type": "text", "text": "b"},
                 "options": {"callbackUrl": "http://localhost:%d/fast"}}""".formatted(carriers.port());
        postMessage(fast, null);

        await(() -> carriers.findAll(postRequestedFor(urlPathEqualTo("/fast"))).isEmpty() ? null : true);
        // waiting behind the slow one would take its 6 s; the rest is room for a busy machine
        assertThat(Duration.between(slowStarted, Instant.now())).isLessThan(Duration.ofMillis(4_500));
    }

    @Test
    void recipientWhoSentStopIsRefusedUntilStart() {
        startGateway("");
        bandwidthAccepts();
        String stop = "[{\"type\":\"message-received\",\"time\":\"2026-11-25T12:00:00Z\",\"description\":\"Incoming\","
                + "\"to\":\"+14155550198\",\"message\":{\"id\":\"in-stop-1\",\"time\":\"2026-11-25T12:00:00Z\","
                + "\"to\":[\"+14155550198\"],\"from\":\"+14155550100\",\"text\":\"STOP\","
                + "\"applicationId\":\"93de2206-9669-4e07-948d-329f4b722ee2\",\"owner\":\"+14155550198\","
                + "\"direction\":\"in\",\"segmentCount\":1}}]";
        HttpResponse<String> webhook = gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/bandwidth"))
                .header("Content-Type", "application/json")
                .header("Authorization", io.omniservice.core.outbound.CarrierHttp.basicAuth("bw-user", "bw-password"))
                .POST(HttpRequest.BodyPublishers.ofString(stop)));
        assertThat(webhook.statusCode()).isEqualTo(200);

        HttpResponse<String> refused = postMessage(text("+14155550100", null, "promo"), null);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(json(refused).path("error").path("code").asText()).isEqualTo("recipient_opted_out");

        String start = stop.replace("in-stop-1", "in-start-1").replace("\"STOP\"", "\"START\"");
        gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/bandwidth"))
                .header("Content-Type", "application/json")
                .header("Authorization", io.omniservice.core.outbound.CarrierHttp.basicAuth("bw-user", "bw-password"))
                .POST(HttpRequest.BodyPublishers.ofString(start)));
        assertThat(postMessage(text("+14155550100", null, "welcome back"), null).statusCode())
                .isEqualTo(202);
    }

    @Test
    void carriersShowHealthAndTheBreakerOpensAfterItsThreshold() {
        startGateway("");
        carriers.stubFor(
                post(urlPathEqualTo(TWILIO_PATH)).willReturn(aResponse().withStatus(500)));
        bandwidthAccepts();
        String id = json(postMessage(text("+14155550100", "twilio", "a"), null))
                .path("messageId")
                .asText();
        awaitMessage(id, "sent");
        String id2 = json(postMessage(text("+14155550102", "twilio", "b"), null))
                .path("messageId")
                .asText();
        awaitMessage(id2, "sent");

        JsonNode items = json(gateway.api("/v1/carriers")).path("items");
        JsonNode twilio = null;
        for (JsonNode item : items) {
            if ("twilio".equals(item.path("name").asText())) {
                twilio = item;
            }
        }
        assertThat(twilio).isNotNull();
        assertThat(twilio.path("circuitBreaker").asText()).isEqualTo("open");
        assertThat(twilio.path("health").asText()).isEqualTo("down");
        assertThat(twilio.path("capabilities").path("supportsText").asBoolean()).isTrue();
    }

    @Test
    void aConversationsMessagesReachTheCarrierOneAtATimeInTheOrderRequested() {
        startGateway("");
        carriers.stubFor(post(urlPathEqualTo(BANDWIDTH_PATH))
                .willReturn(aResponse()
                        .withStatus(202)
                        .withFixedDelay(40)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"id\":\"{{randomValue length=30 type='ALPHANUMERIC'}}\",\"segmentCount\":1}")));
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(json(postMessage(text("+14155550123", null, "part " + i), null))
                    .path("messageId")
                    .asText());
        }
        ids.forEach(id -> awaitMessage(id, "sent"));

        List<LoggedRequest> sends = carriers.findAll(postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH)));
        sends.sort(java.util.Comparator.comparing(LoggedRequest::getLoggedDate));
        assertThat(sends)
                .extracting(r -> json(r.getBodyAsString()).path("text").asText())
                .containsExactly("part 0", "part 1", "part 2", "part 3", "part 4", "part 5");
        for (int i = 1; i < sends.size(); i++) {
            // the next send starts only after the previous one's 40 ms answer
            assertThat(Duration.between(
                            sends.get(i - 1).getLoggedDate().toInstant(),
                            sends.get(i).getLoggedDate().toInstant()))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(35));
        }
    }

    @Test
    void aSlowAnswerTimesOutAndIsRetried() {
        startGateway("", 1_000);
        carriers.stubFor(post(urlPathEqualTo(TWILIO_PATH))
                .inScenario("slow")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(201).withFixedDelay(3_000).withBody("{}"))
                .willSetStateTo("fast"));
        carriers.stubFor(post(urlPathEqualTo(TWILIO_PATH))
                .inScenario("slow")
                .whenScenarioStateIs("fast")
                .willReturn(aResponse()
                        .withStatus(201)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"sid\":\"SMaaaabbbbccccddddeeeeffff00002222\",\"status\":\"queued\"}")));
        String id = json(postMessage(text("+14155550100", "twilio", "slow"), null))
                .path("messageId")
                .asText();

        JsonNode sent = awaitMessage(id, "sent");
        assertThat(sent.path("carrier").asText()).isEqualTo("twilio");
        assertThat(sent.path("attempts").findValuesAsText("errorCode")).containsExactly("timeout");
        assertThat(sent.path("attempts").findValuesAsText("outcome")).containsExactly("retryable", "sent");
    }

    @Test
    void anOpenBreakerHalfOpensAfterItsWaitAndClosesOnASuccessfulTrial() throws Exception {
        startGateway("");
        carriers.stubFor(
                post(urlPathEqualTo(TWILIO_PATH)).willReturn(aResponse().withStatus(500)));
        bandwidthAccepts();
        awaitMessage(
                json(postMessage(text("+14155550100", "twilio", "a"), null))
                        .path("messageId")
                        .asText(),
                "sent");
        awaitMessage(
                json(postMessage(text("+14155550102", "twilio", "b"), null))
                        .path("messageId")
                        .asText(),
                "sent");
        assertThat(twilioState()).isEqualTo("open");

        carriers.resetAll();
        twilioAccepts();
        bandwidthAccepts();
        await(() -> "half_open".equals(twilioState()) ? true : null);
        String id = json(postMessage(text("+14155550103", "twilio", "trial"), null))
                .path("messageId")
                .asText();

        assertThat(awaitMessage(id, "sent").path("carrier").asText()).isEqualTo("twilio");
        assertThat(twilioState()).isEqualTo("closed");
        carriers.verify(0, postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH)));
    }

    private String twilioState() {
        for (JsonNode item : json(gateway.api("/v1/carriers")).path("items")) {
            if ("twilio".equals(item.path("name").asText())) {
                return item.path("circuitBreaker").asText();
            }
        }
        throw new AssertionError("no twilio in /v1/carriers");
    }

    // --- media

    private static final String LOOPBACK_MEDIA = "media: {fetch: {allowedNetworks: [127.0.0.1/32, \"::1/128\"]}}";

    private String media(String url, String preferred) {
        return """
                {"to": {"phoneNumber": "+14155550100"%s},
                 "content": {"type": "media", "mediaUrl": "%s", "text": "the photo"}}""".formatted(preferred == null ? "" : ", \"preferredCarrier\": \"" + preferred + "\"", url);
    }

    private String servedFile(String path, byte[] body, String contentType) {
        carriers.stubFor(get(urlPathEqualTo(path))
                .willReturn(aResponse().withHeader("Content-Type", contentType).withBody(body)));
        return "http://localhost:" + carriers.port() + path;
    }

    @Test
    void mediaUrlsOnPrivateAddressesAreRefusedBeforeAnythingIsQueued() {
        startGateway("");
        for (String url : List.of(
                "http://localhost:" + carriers.port() + "/photo.png",
                "http://169.254.169.254/latest/meta-data/iam/",
                "http://10.1.2.3/photo.png")) {
            HttpResponse<String> refused = postMessage(media(url, null), null);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
            assertThat(json(refused).path("error").path("code").asText()).isEqualTo("media_address_not_allowed");
            assertThat(json(refused).path("error").path("field").asText()).isEqualTo("content.mediaUrl");
        }
        carriers.verify(0, postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH)));
    }

    @Test
    void aMediaMessageIsSentAsOurSignedUrlToTheStoredFile() throws Exception {
        startGateway(LOOPBACK_MEDIA);
        bandwidthAccepts();
        java.awt.image.BufferedImage image =
                new java.awt.image.BufferedImage(64, 48, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", png);
        String url = servedFile("/files/photo.png", png.toByteArray(), "image/png");

        HttpResponse<String> accepted = postMessage(media(url, "bandwidth"), null);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        JsonNode sent = awaitMessage(json(accepted).path("messageId").asText(), "sent");

        String key = java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(png.toByteArray()));
        JsonNode item = sent.path("content").path("items").path(0);
        assertThat(item.path("status").asText()).isEqualTo("stored");
        assertThat(item.path("key").asText()).isEqualTo(key);
        assertThat(item.path("carrierUrl").asText()).isEqualTo(url);
        LoggedRequest send = carriers.findAll(postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH)))
                .getFirst();
        String given = Json.MAPPER
                .readTree(send.getBodyAsString())
                .path("media")
                .path(0)
                .asText();
        assertThat(given).startsWith(RunningGateway.PUBLIC_BASE_URL + "/media/" + key + "?expires=");
        HttpResponse<byte[]> fetched = java.net.http.HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(gateway.uri(given.substring(RunningGateway.PUBLIC_BASE_URL.length())))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(fetched.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(fetched.body()).isEqualTo(png.toByteArray());
    }

    @Test
    void aFileNoCarrierTakesIsRefusedWith422AndEachCarriersReason() throws Exception {
        startGateway(LOOPBACK_MEDIA);
        java.io.ByteArrayOutputStream docx = new java.io.ByteArrayOutputStream();
        String main = "word/document.xml";
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(docx)) {
            zip.putNextEntry(new java.util.zip.ZipEntry("[Content_Types].xml"));
            zip.write(
                    ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                                    + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                                    + "<Override PartName=\"/" + main
                                    + "\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>")
                            .getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new java.util.zip.ZipEntry("_rels/.rels"));
            zip.write(
                    ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                                    + "<Relationship Id=\"rId1\" Target=\"" + main
                                    + "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\"/></Relationships>")
                            .getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new java.util.zip.ZipEntry(main));
            zip.write("<?xml version=\"1.0\"?><document/>".getBytes(StandardCharsets.UTF_8));
        }
        String url = servedFile("/files/terms.docx", docx.toByteArray(), "application/octet-stream");

        HttpResponse<String> refused = postMessage(media(url, null), null);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        String detail = refused.body();
        assertThat(detail).contains("no_capable_carrier");
        assertThat(detail)
                .contains(
                        "twilio/default: takes no application/vnd.openxmlformats-officedocument.wordprocessingml.document");
        assertThat(detail)
                .contains(
                        "bandwidth/default: takes no application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    }

    @Test
    void aPageThatIsNotMediaIsRefusedWith422() {
        startGateway(LOOPBACK_MEDIA);
        String url = servedFile(
                "/files/photo.jpg", "<html><body>sign in</body></html>".getBytes(StandardCharsets.UTF_8), "image/jpeg");

        HttpResponse<String> refused = postMessage(media(url, null), null);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        assertThat(json(refused).path("error").path("code").asText()).isEqualTo("media_refused");
        assertThat(json(refused).path("error").path("message").asText()).contains("text/html");
    }

    private JsonNode json(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (Exception e) {
            throw new AssertionError(body, e);
        }
    }

    @Test
    void aMessageIsNotSentBeforeScheduledAtAndFailsAsExpiredOnceExpireAtPasses() {
        startGateway("");
        bandwidthAccepts();
        carriers.stubFor(post(urlPathEqualTo(TWILIO_PATH))
                .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "2")));
        Instant scheduledAt = Instant.now().plusMillis(1_500);
        String scheduled = json(postMessage("""
                        {"to": {"phoneNumber": "+14155550100"}, "content": {"type": "text", "text": "later"},
                         "options": {"scheduledAt": "%s"}}""".formatted(scheduledAt), null))
                .path("messageId")
                .asText();
        String expiring = json(postMessage("""
                        {"to": {"phoneNumber": "+14155550101", "preferredCarrier": "twilio"},
                         "content": {"type": "text", "text": "now or never"},
                         "options": {"priority": "high", "expireAt": "%s"}}""".formatted(Instant.now().plusSeconds(1)), null))
                .path("messageId")
                .asText();

        awaitMessage(scheduled, "sent");
        LoggedRequest sent = carriers.findAll(postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH)))
                .getFirst();
        assertThat(sent.getLoggedDate().toInstant()).isAfterOrEqualTo(scheduledAt.minusMillis(1));
        JsonNode expired = awaitMessage(expiring, "failed");
        assertThat(expired.path("error").path("code").asText()).isEqualTo("expired");
        // the 503 asked for 2 s; the message expired before the second attempt and went nowhere else
        carriers.verify(1, postRequestedFor(urlPathEqualTo(TWILIO_PATH)));
        assertThat(carriers.findAll(postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH))))
                .hasSize(1);
    }

    @Test
    void routingRulesArePersistedAndTheLongestPrefixWins() {
        startGateway("");
        twilioAccepts();
        bandwidthAccepts();
        HttpResponse<String> created = gateway.send(HttpRequest.newBuilder(gateway.uri("/v1/routing-rules"))
                .header("Authorization", "Bearer " + RunningGateway.API_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"prefix\":\"+1415\",\"carrier\":\"twilio\"}")));
        assertThat(created.statusCode()).isEqualTo(201);
        gateway.send(HttpRequest.newBuilder(gateway.uri("/v1/routing-rules"))
                .header("Authorization", "Bearer " + RunningGateway.API_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"prefix\":\"+1\",\"carrier\":\"bandwidth\"}")));

        JsonNode answer = json(postMessage(text("+14155550177", null, "routed"), null));
        assertThat(answer.path("carrier").asText()).isEqualTo("twilio");
        assertThat(json(gateway.api("/v1/routing-rules")).path("items")).hasSize(2);
    }
}
