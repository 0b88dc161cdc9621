package io.omniservice.server.processing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.omniservice.carriers.testkit.WebhookSigning;
import io.omniservice.core.json.Json;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.core.outbound.EventSignature;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.PlayedBandwidth;
import io.omniservice.server.support.RunningGateway;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processing stage end to end on a real gateway: inbound webhooks become signed events for
 * subscribers and the SSE stream, rules and compliance keywords act, with Bandwidth and Twilio played
 * by WireMock, which also plays the subscribers.
 */
class ProcessingPipelineTest {
    private static final String TWILIO_SID = "AC" + "0123456789abcdef0123456789abcdef";
    private static final String TWILIO_TOKEN = "twilio-token-0123456789";
    private static final String BANDWIDTH_PATH = PlayedBandwidth.SEND_PATH;
    private static final String SUBSCRIBER_SECRET = "subscriber-secret-0123456789";

    @TempDir
    Path data;

    WireMockServer remote;
    RunningGateway gateway;

    @BeforeEach
    void start() {
        remote =
                new WireMockServer(WireMockConfiguration.options().dynamicPort().globalTemplating(true));
        remote.start();
        PlayedBandwidth.accepts(remote);
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        remote.stop();
    }

    private void startGateway(String extraYaml) {
        String base = "http://localhost:" + remote.port();
        gateway = new RunningGateway(
                data,
                1 << 20,
                """
                carriers:
                  twilio:
                    default:
                      accountSid: %s
                      authToken: %s
                      from: "+14155550199"
                      apiBaseUrl: %s
                  bandwidth:
                    default:
                      callbackUsername: bw-user
                      callbackPassword: bw-password
                      accountId: "9900000"
                      apiUsername: api-user
                      apiPassword: api-password
                      applicationId: 93de2206-9669-4e07-948d-329f4b722ee2
                      from: "+14155550198"
                      apiBaseUrl: %s
                outbound:
                  nodeId: test-node
                  pollMillis: 20
                  callbacks: {signingSecret: forward-secret-0123456789}
                notifications: {initialBackoffMillis: 50, maxBackoffSeconds: 1}
                processing:
                  pollMillis: 20
                %s
                """.formatted(TWILIO_SID, TWILIO_TOKEN, base, base, extraYaml),
                ConfiguredCarriers.installedProviders());
    }

    // --- inbound webhooks

    private HttpResponse<String> bandwidthInbound(String id, String from, String text) {
        String body = "[{\"type\":\"message-received\",\"time\":\"2026-11-25T12:00:00Z\",\"description\":\"Incoming\","
                + "\"to\":\"+14155550198\",\"message\":{\"id\":\"" + id + "\",\"time\":\"2026-11-25T12:00:00Z\","
                + "\"to\":[\"+14155550198\"],\"from\":\"" + from + "\",\"text\":" + Json.MAPPER.valueToTree(text)
                + ",\"applicationId\":\"93de2206-9669-4e07-948d-329f4b722ee2\",\"owner\":\"+14155550198\","
                + "\"direction\":\"in\",\"segmentCount\":1}}]";
        HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/bandwidth"))
                .header("Content-Type", "application/json")
                .header("Authorization", CarrierHttp.basicAuth("bw-user", "bw-password"))
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response;
    }

    private void twilioInbound(String sid, String from, String to, String text) throws Exception {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("MessageSid", sid);
        params.put("SmsMessageSid", sid);
        params.put("AccountSid", TWILIO_SID);
        params.put("From", from);
        params.put("To", to);
        params.put("Body", text);
        params.put("NumMedia", "0");
        params.put("ApiVersion", "2010-04-01");
        HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/twilio"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header(
                        "X-Twilio-Signature",
                        WebhookSigning.twilioSignature(
                                TWILIO_TOKEN, RunningGateway.PUBLIC_BASE_URL + "/webhooks/twilio", params))
                .POST(HttpRequest.BodyPublishers.ofString(WebhookSigning.formBody(params))));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    // --- API helpers

    private HttpResponse<String> postJson(String path, String body) {
        return gateway.send(HttpRequest.newBuilder(gateway.uri(path))
                .header("Authorization", "Bearer " + RunningGateway.API_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private String subscribe(String path, String... events) {
        String list = String.join(
                ", ", java.util.Arrays.stream(events).map(e -> "\"" + e + "\"").toList());
        HttpResponse<String> created =
                postJson("/v1/subscriptions", """
                {"url": "http://localhost:%d%s", "events": [%s], "secret": "%s"}""".formatted(remote.port(), path, list, SUBSCRIBER_SECRET));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return json(created.body()).path("id").asText();
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }

    private static <T> T await(Supplier<T> probe) {
        Instant deadline = Instant.now().plusSeconds(20);
        while (Instant.now().isBefore(deadline)) {
            T value = probe.get();
            if (value != null && !Boolean.FALSE.equals(value)) {
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

    /** Events the subscriber at {@code path} answered with 2xx, as the bodies it got, oldest first. */
    private List<JsonNode> delivered(String path) {
        List<JsonNode> bodies = new ArrayList<>();
        // WireMock lists the newest request first
        for (ServeEvent event : remote.getAllServeEvents().reversed()) {
            if (event.getRequest().getUrl().equals(path) && event.getResponse().getStatus() / 100 == 2) {
                bodies.add(json(event.getRequest().getBodyAsString()));
            }
        }
        return bodies;
    }

    private static String expectedSignature(String secret, String header, byte[] body) {
        long t = Long.parseLong(header.substring(2, header.indexOf(',')));
        return EventSignature.header(secret, t, body);
    }

    // --- tests

    @Test
    void subscriberGetsSignedEventsWithStableIdsForNewMessagesAndConversations() {
        startGateway("");
        remote.stubFor(post(urlPathEqualTo("/events")).willReturn(aResponse().withStatus(200)));
        subscribe("/events", "message.received", "conversation.created");

        bandwidthInbound("in-sub-1", "+14155550100", "hello there");

        List<JsonNode> events = await(() -> delivered("/events").size() >= 2 ? delivered("/events") : null);
        assertThat(events)
                .extracting(e -> e.path("type").asText())
                .containsExactly("conversation.created", "message.received");
        JsonNode received = events.get(1);
        assertThat(received.path("id").asText()).matches("[0-9a-f-]{36}");
        assertThat(received.path("data").path("carrierMessageId").asText()).isEqualTo("in-sub-1");
        assertThat(received.path("data").path("content").path("body").asText()).isEqualTo("hello there");
        for (ServeEvent event : remote.getAllServeEvents()) {
            if (event.getRequest().getUrl().equals("/events")) {
                String header = event.getRequest().getHeader(EventSignature.HEADER);
                assertThat(header)
                        .isEqualTo(expectedSignature(
                                SUBSCRIBER_SECRET, header, event.getRequest().getBody()));
            }
        }
        // the event is also in the message's timeline the query API shows
        String messageId = received.path("data").path("messageId").asText();
        assertThat(gateway.api("/v1/messages/" + messageId).statusCode()).isEqualTo(200);
    }

    @Test
    void subscriberThatIsDownForAWhileGetsEveryEventWhenItIsBack() {
        startGateway("");
        remote.stubFor(post(urlPathEqualTo("/flaky")).willReturn(aResponse().withStatus(503)));
        String subscription = subscribe("/flaky", "message.received");
        int count = 12;
        for (int i = 0; i < count; i++) {
            bandwidthInbound("in-down-" + i, "+1415555" + (1000 + i), "message " + i);
        }
        // every event was tried and refused at least once while the subscriber was down
        await(() -> remote.findAll(postRequestedFor(urlPathEqualTo("/flaky"))).size() >= count * 2);
        // the subscription tells so: senders' conversations wait, their first events retried, with the error
        JsonNode down =
                json(gateway.api("/v1/subscriptions/" + subscription).body()).path("delivery");
        // (an event the feed has not published yet is not waiting for the subscription yet)
        assertThat(down.path("waiting").asInt()).as(down.toString()).isBetween(1, count);
        assertThat(down.path("retrying").asInt()).as(down.toString()).isPositive();
        assertThat(down.path("lastError").asText()).isEqualTo("HTTP 503");
        assertThat(down.path("nextRetryAt").asText()).isNotEmpty();
        remote.stubFor(post(urlPathEqualTo("/flaky")).willReturn(aResponse().withStatus(200)));

        List<JsonNode> events = await(() -> {
            List<JsonNode> got = delivered("/flaky");
            Set<String> ids = got.stream().map(e -> e.path("id").asText()).collect(Collectors.toSet());
            return ids.size() >= count ? got : null;
        });
        Map<String, String> sidByEventId = new HashMap<>();
        for (JsonNode event : events) {
            String sid = event.path("data").path("carrierMessageId").asText();
            String previous = sidByEventId.putIfAbsent(event.path("id").asText(), sid);
            assertThat(previous)
                    .as("a repeat carries the same event for the same message")
                    .isIn(null, sid);
        }
        assertThat(Set.copyOf(sidByEventId.values())).hasSize(count).allMatch(sid -> sid.startsWith("in-down-"));
        JsonNode caughtUp = await(() -> {
            JsonNode listed = json(gateway.api("/v1/subscriptions").body()).path("items");
            for (JsonNode item : listed) {
                if (item.path("id").asText().equals(subscription)
                        && item.path("delivery").path("waiting").asInt() == 0) {
                    return item.path("delivery");
                }
            }
            return null;
        });
        assertThat(caughtUp.path("retrying").asInt()).isZero();
        assertThat(caughtUp.path("deadLettered").asInt()).isZero();
    }

    @Test
    void sseClientThatDisconnectsResumesWithLastEventIdWithoutGaps() throws Exception {
        startGateway("");
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest first = HttpRequest.newBuilder(gateway.uri("/v1/events?types=message.received"))
                .header("Authorization", "Bearer " + RunningGateway.API_KEY)
                .build();
        HttpResponse<java.io.InputStream> stream = client.send(first, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
        for (int i = 0; i < 3; i++) {
            bandwidthInbound("in-sse-" + i, "+1415556" + (1000 + i), "before " + i);
        }
        List<SseEvent> before = read(reader, 3);
        stream.body().close();
        // different conversations are processed side by side, so their events may come in any order
        assertThat(before).extracting(SseEvent::sid).containsExactlyInAnyOrder("in-sse-0", "in-sse-1", "in-sse-2");

        for (int i = 3; i < 7; i++) {
            bandwidthInbound("in-sse-" + i, "+1415556" + (1000 + i), "while away " + i);
        }
        HttpRequest again = HttpRequest.newBuilder(gateway.uri("/v1/events?types=message.received"))
                .header("Authorization", "Bearer " + RunningGateway.API_KEY)
                .header("Last-Event-ID", String.valueOf(before.getLast().id()))
                .build();
        HttpResponse<java.io.InputStream> resumed = client.send(again, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader second =
                new BufferedReader(new InputStreamReader(resumed.body(), StandardCharsets.UTF_8))) {
            List<SseEvent> after = read(second, 4);
            assertThat(after)
                    .extracting(SseEvent::sid)
                    .containsExactlyInAnyOrder("in-sse-3", "in-sse-4", "in-sse-5", "in-sse-6");
            assertThat(after)
                    .extracting(SseEvent::id)
                    .isSorted()
                    .allMatch(id -> id > before.getLast().id());
            resumed.body().close();
        }
    }

    private record SseEvent(long id, String type, String sid) {}

    private static List<SseEvent> read(BufferedReader reader, int count) throws Exception {
        List<SseEvent> events = new ArrayList<>();
        var reading = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()
                .submit(() -> {
                    long id = -1;
                    String type = null;
                    String line;
                    while (events.size() < count && (line = reader.readLine()) != null) {
                        if (line.startsWith("id: ")) {
                            id = Long.parseLong(line.substring(4));
                        } else if (line.startsWith("event: ")) {
                            type = line.substring(7);
                        } else if (line.startsWith("data: ")) {
                            JsonNode data = json(line.substring(6));
                            events.add(new SseEvent(
                                    id,
                                    type,
                                    data.path("data").path("carrierMessageId").asText()));
                        }
                    }
                    return null;
                });
        reading.get(20, java.util.concurrent.TimeUnit.SECONDS);
        return events;
    }

    @Test
    void ruleFromTheApiRepliesTagsSetsStateForwardsAndShowsOnTheMessage() {
        startGateway("");
        remote.stubFor(post(urlPathEqualTo("/forward")).willReturn(aResponse().withStatus(200)));
        remote.stubFor(post(urlPathEqualTo("/events")).willReturn(aResponse().withStatus(200)));
        subscribe("/events", "message.received");
        HttpResponse<String> created = postJson("/v1/rules", """
                {"name": "opening hours", "priority": 5,
                 "match": {"carriers": ["bandwidth"], "keywords": ["HOURS"]},
                 "actions": [{"type": "reply", "text": "We are open 9 to 5."},
                             {"type": "tag", "tag": "hours"},
                             {"type": "state", "state": "answered"},
                             {"type": "forward", "url": "http://localhost:%d/forward"}]}""".formatted(remote.port()));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String ruleId = json(created.body()).path("id").asText();
        assertThat(json(gateway.api("/v1/rules").body()).path("items").findValuesAsText("id"))
                .contains(ruleId);

        bandwidthInbound("in-rule-1", "+14155550123", "hours?");
        bandwidthInbound("in-rule-2", "+14155550124", "something else");

        await(() ->
                !remote.findAll(postRequestedFor(urlPathEqualTo("/forward"))).isEmpty());
        await(() -> !remote.findAll(postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH)))
                .isEmpty());
        remote.verify(
                1,
                postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH))
                        .withRequestBody(matchingJsonPath("$.to[0]", equalTo("+14155550123")))
                        .withRequestBody(matchingJsonPath("$.text", equalTo("We are open 9 to 5."))));
        var forwarded = remote.findAll(postRequestedFor(urlPathEqualTo("/forward")));
        assertThat(forwarded).hasSize(1);
        JsonNode forward = json(forwarded.getFirst().getBodyAsString());
        assertThat(forward.path("data").path("carrierMessageId").asText()).isEqualTo("in-rule-1");
        String header = forwarded.getFirst().getHeader(EventSignature.HEADER);
        // the rule belongs to the API client that created it: that client's own secret signs its forwards
        assertThat(header)
                .isEqualTo(expectedSignature(
                        RunningGateway.SIGNING_SECRET,
                        header,
                        forwarded.getFirst().getBody()));

        String messageId = forward.path("data").path("messageId").asText();
        JsonNode message = json(gateway.api("/v1/messages/" + messageId).body());
        assertThat(message.path("rulesFired").get(0).path("id").asText()).isEqualTo(ruleId);
        assertThat(message.path("rulesFired").get(0).path("actions").findValuesAsText("type"))
                .containsExactly("reply", "tag", "state", "forward");
        JsonNode conversation = json(gateway.api(
                        "/v1/conversations/" + message.path("conversationId").asText())
                .body());
        assertThat(conversation.path("state").asText()).isEqualTo("answered");
        assertThat(conversation.path("tags")).hasSize(1);
        assertThat(conversation.path("tags").get(0).asText()).isEqualTo("hours");
        // the subscriber's event says which rules fired; a message no rule matched has none
        List<JsonNode> events = await(() -> delivered("/events").size() >= 2 ? delivered("/events") : null);
        assertThat(events)
                .filteredOn(
                        e -> e.path("data").path("carrierMessageId").asText().equals("in-rule-1"))
                .singleElement()
                .satisfies(e -> assertThat(e.path("data").path("rulesFired")).hasSize(1));
        assertThat(events)
                .filteredOn(
                        e -> e.path("data").path("carrierMessageId").asText().equals("in-rule-2"))
                .singleElement()
                .satisfies(e -> assertThat(e.path("data").has("rulesFired")).isFalse());

        assertThat(gateway.send(HttpRequest.newBuilder(gateway.uri("/v1/rules/" + ruleId))
                                .header("Authorization", "Bearer " + RunningGateway.API_KEY)
                                .DELETE())
                        .statusCode())
                .isEqualTo(204);
    }

    @Test
    void helpGetsTheConfiguredTextExceptWhereTwilioAnswersItOnALongCode() throws Exception {
        startGateway("""
                  compliance:
                    helpText: "Acme alerts: reply STOP to stop."
                """);
        remote.stubFor(post(urlPathEqualTo("/events")).willReturn(aResponse().withStatus(200)));
        subscribe("/events", "message.received");
        bandwidthInbound("in-help-1", "+14155550131", "help");
        twilioInbound("SM" + "a".repeat(32), "+14155550132", "+14155550199", "HELP");

        await(() -> delivered("/events").size() >= 2);
        await(() -> !remote.findAll(postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH)))
                .isEmpty());
        remote.verify(
                1,
                postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH))
                        .withRequestBody(matchingJsonPath("$.to[0]", equalTo("+14155550131")))
                        .withRequestBody(matchingJsonPath("$.text", equalTo("Acme alerts: reply STOP to stop."))));
        remote.verify(0, postRequestedFor(urlPathEqualTo("/2010-04-01/Accounts/" + TWILIO_SID + "/Messages.json")));
    }

    @Test
    void stopIsConfirmedOnceEvenThoughTheSenderIsNowOptedOut() {
        startGateway("""
                  compliance:
                    optOutText: "You are unsubscribed. Reply START to resume."
                """);
        bandwidthInbound("in-stop-1", "+14155550141", "Stop");

        await(() -> !remote.findAll(postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH)))
                .isEmpty());
        remote.verify(
                1,
                postRequestedFor(urlPathEqualTo(BANDWIDTH_PATH))
                        .withRequestBody(matchingJsonPath("$.to[0]", equalTo("+14155550141")))
                        .withRequestBody(
                                matchingJsonPath("$.text", equalTo("You are unsubscribed. Reply START to resume."))));
        // anything else to the customer is refused: the opt-out stands
        HttpResponse<String> promo = postJson("/v1/messages", """
                {"to": {"phoneNumber": "+14155550141"}, "content": {"type": "text", "text": "promo"}}""");
        assertThat(promo.statusCode()).isEqualTo(403);
    }

    @Test
    void badRulesAndSubscriptionsAreRefusedNamingTheField() {
        startGateway("");
        HttpResponse<String> badRule = postJson("/v1/rules", """
                {"name": "x", "match": {"pattern": "(unclosed"}, "actions": [{"type": "tag", "tag": "a"}]}""");
        assertThat(badRule.statusCode()).isEqualTo(400);
        assertThat(json(badRule.body()).path("error").path("field").asText()).isEqualTo("match.pattern");

        HttpResponse<String> badEvents = postJson("/v1/subscriptions", """
                {"url": "https://203.0.113.10/hook", "events": ["message.deleted"]}""");
        assertThat(badEvents.statusCode()).isEqualTo(400);
        assertThat(json(badEvents.body()).path("error").path("field").asText()).isEqualTo("events[0]");

        HttpResponse<String> badUrl = postJson("/v1/subscriptions", """
                {"url": "ftp://example.com/hook", "events": ["message.status"]}""");
        assertThat(badUrl.statusCode()).isEqualTo(400);
        assertThat(json(badUrl.body()).path("error").path("field").asText()).isEqualTo("url");

        HttpResponse<String> made = postJson("/v1/subscriptions", """
                {"url": "https://203.0.113.10/hook", "events": ["message.status"]}""");
        assertThat(made.statusCode()).isEqualTo(201);
        assertThat(json(made.body()).path("secret").asText()).startsWith("whsec_");
        assertThat(gateway.api("/v1/subscriptions").body()).doesNotContain("whsec_");
    }
}
