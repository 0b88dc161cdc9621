package io.omniservice.server.outbound;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.omniservice.aws.MovableClock;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.Conditions;
import io.omniservice.server.support.PlayedBandwidth;
import io.omniservice.server.support.RunningGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code options.fallback} end to end: a gateway on an embedded store, on a clock the test moves, sends through
 * Bandwidth (the cheaper carrier, so the first) and falls back to Twilio, both played by WireMock; receipts come
 * in time, late, or never, and events go to a subscriber played by the same WireMock.
 */
class ReceiptFallbackTest {
    private static final String TWILIO_SID = "AC" + "0123456789abcdef0123456789abcdef";
    private static final String TWILIO_PATH = "/2010-04-01/Accounts/" + TWILIO_SID + "/Messages.json";
    private static final String EVENTS_PATH = "/events";
    private static final String TO = "+14155550100";

    @TempDir
    Path data;

    WireMockServer carriers;
    RunningGateway gateway;
    final MovableClock clock = new MovableClock(Instant.now());

    @BeforeEach
    void start() {
        carriers =
                new WireMockServer(WireMockConfiguration.options().dynamicPort().globalTemplating(true));
        carriers.start();
        PlayedBandwidth.accepts(carriers);
        carriers.stubFor(post(urlPathEqualTo(TWILIO_PATH))
                .willReturn(aResponse()
                        .withStatus(201)
                        .withHeader("Content-Type", "application/json")
                        .withBody("""
                                {"sid":"SM{{randomValue length=32 type='HEXADECIMAL'}}","status":"queued","num_segments":"1",
                                 "error_code":null,"error_message":null,"to":"+14155550100","from":"+14155550199"}""")));
        carriers.stubFor(
                post(urlPathEqualTo(EVENTS_PATH)).willReturn(aResponse().withStatus(200)));
        startGateway();
        HttpResponse<String> subscribed = postJson("/v1/subscriptions", """
                {"url": "http://localhost:%d%s", "secret": "subscriber-secret-0123456789",
                 "events": ["message.status", "message.delivery_timeout", "message.duplicate_delivery"]}""".formatted(carriers.port(), EVENTS_PATH));
        assertThat(subscribed.statusCode()).as(subscribed.body()).isEqualTo(201);
    }

    private void startGateway() {
        String base = "http://localhost:" + carriers.port();
        gateway = new RunningGateway(
                data,
                1 << 20,
                PlayedBandwidth.twilioAndBandwidthYaml(TWILIO_SID, base) + """
                outbound:
                  nodeId: test-node
                  pollMillis: 20
                  sendTimeoutMillis: 5000
                processing:
                  pollMillis: 20
                """,
                ConfiguredCarriers.installedProviders(),
                clock);
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        carriers.stop();
    }

    private HttpResponse<String> postJson(String path, String body) {
        return gateway.send(HttpRequest.newBuilder(gateway.uri(path))
                .header("Authorization", "Bearer " + RunningGateway.API_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private String send(String text, String fallback) {
        HttpResponse<String> accepted = postJson("/v1/messages", """
                {"to": {"phoneNumber": "%s"}, "content": {"type": "text", "text": "%s"}%s}""".formatted(
                        TO, text, fallback == null ? "" : ", \"options\": {\"fallback\": " + fallback + "}"));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return json(accepted.body()).path("messageId").asText();
    }

    /** Bandwidth's receipt for its message {@code carrierMessageId}, as its webhook posts it. */
    private void bandwidthReports(String type, String carrierMessageId) {
        String receipt = """
                [{"time": "%s", "type": "%s", "to": "%s", "description": "ok",
                  "message": {"id": "%s", "owner": "+14155550198",
                  "applicationId": "93de2206-9669-4e07-948d-329f4b722ee2", "time": "%s", "segmentCount": 1,
                  "direction": "out", "to": ["%s"], "from": "+14155550198", "text": ""}}]""".formatted(clock.instant(), type, TO, carrierMessageId, clock.instant(), TO);
        HttpResponse<String> answer = gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/bandwidth"))
                .header("Content-Type", "application/json")
                .header("Authorization", CarrierHttp.basicAuth("bw-user", "bw-password"))
                .POST(HttpRequest.BodyPublishers.ofString(receipt)));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    }

    private JsonNode message(String id) {
        return json(gateway.api("/v1/messages/" + id).body());
    }

    private JsonNode awaitStatus(String id, String status) {
        return await(() -> {
            JsonNode message = message(id);
            return status.equals(message.path("status").asText()) ? message : null;
        });
    }

    /** The events of {@code type} the subscriber got so far, as their bodies. */
    private List<JsonNode> events(String type) {
        List<JsonNode> found = new ArrayList<>();
        carriers.findAll(postRequestedFor(urlPathEqualTo(EVENTS_PATH))).forEach(request -> {
            JsonNode event = json(request.getBodyAsString());
            if (type.equals(event.path("type").asText())) {
                found.add(event);
            }
        });
        return found;
    }

    private JsonNode awaitEvent(String type, String messageId) {
        try {
            return await(() -> events(type).stream()
                    .filter(e ->
                            messageId.equals(e.path("data").path("messageId").asText()))
                    .findFirst()
                    .orElse(null));
        } catch (AssertionError e) {
            List<String> got = carriers.findAll(postRequestedFor(urlPathEqualTo(EVENTS_PATH))).stream()
                    .map(r -> r.getBodyAsString())
                    .toList();
            throw new AssertionError(
                    "no " + type + " for " + messageId + "; message: " + message(messageId) + "; events: " + got, e);
        }
    }

    private int twilioSends() {
        return carriers.findAll(postRequestedFor(urlPathEqualTo(TWILIO_PATH))).size();
    }

    private static boolean historyHas(JsonNode message, String carrierStatus) {
        for (JsonNode change : message.path("statusHistory")) {
            if (carrierStatus.equals(change.path("carrierStatus").asText())) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode json(String text) {
        return Conditions.json(text);
    }

    private static <T> T await(Supplier<T> probe) {
        return Conditions.await(probe, Duration.ofSeconds(30));
    }

    /**
     * Waits until every job of the conversation due now has run: a message sent after them to the same
     * recipient goes only once they are done (one send at a time per conversation, in order).
     */
    private void awaitConversationDone() {
        String marker = send("marker " + clock.instant(), null);
        awaitStatus(marker, "sent");
    }

    @Test
    void receiptInTimeEndsTheWatchWithoutASecondSend() {
        String id = send("in time", "{\"afterSeconds\": 30}");
        JsonNode sent = awaitStatus(id, "sent");
        assertThat(sent.path("carrier").asText()).isEqualTo("bandwidth");

        bandwidthReports("message-delivered", sent.path("carrierMessageId").asText());
        awaitStatus(id, "delivered");
        clock.advance(Duration.ofSeconds(31));
        awaitConversationDone();

        assertThat(twilioSends()).isZero();
        assertThat(events("message.delivery_timeout")).isEmpty();
        assertThat(historyHas(message(id), "fallback_sent")).isFalse();
    }

    @Test
    void noReceiptSendsItAgainOverTheNextCarrierAsANewMessage() {
        String id = send("never acknowledged", "{\"afterSeconds\": 30}");
        awaitStatus(id, "sent");
        clock.advance(Duration.ofSeconds(29));
        awaitConversationDone();
        assertThat(twilioSends()).as("the deadline has not passed yet").isZero();

        clock.advance(Duration.ofSeconds(2));
        JsonNode timeout = awaitEvent("message.delivery_timeout", id);

        assertThat(timeout.path("data").path("action").asText()).isEqualTo("fallback_sent");
        assertThat(timeout.path("data").path("carrier").asText()).isEqualTo("bandwidth");
        assertThat(timeout.path("data").path("fallbackCarrier").asText()).isEqualTo("twilio");
        String fallbackId = timeout.path("data").path("fallbackMessageId").asText();
        JsonNode fallback = awaitStatus(fallbackId, "sent");
        assertThat(fallback.path("carrier").asText()).isEqualTo("twilio");
        assertThat(fallback.path("content").path("body").asText()).isEqualTo("never acknowledged");
        assertThat(fallback.path("conversationId").asText())
                .isEqualTo(message(id).path("conversationId").asText());
        assertThat(twilioSends()).isEqualTo(1);
        JsonNode original = message(id);
        assertThat(original.path("status").asText()).isEqualTo("sent");
        assertThat(historyHas(original, "fallback_sent")).isTrue();
    }

    @Test
    void receiptAfterTheFallbackIsRecordedAndAnnouncedAsADuplicateDelivery() {
        String id = send("late", "{\"afterSeconds\": 30}");
        String carrierMessageId =
                awaitStatus(id, "sent").path("carrierMessageId").asText();
        clock.advance(Duration.ofSeconds(31));
        awaitEvent("message.delivery_timeout", id);

        bandwidthReports("message-delivered", carrierMessageId);

        JsonNode duplicate = awaitEvent("message.duplicate_delivery", id);
        assertThat(duplicate.path("data").path("receipt").path("status").asText())
                .isEqualTo("delivered");
        JsonNode original = awaitStatus(id, "delivered");
        assertThat(historyHas(original, "fallback_sent")).isTrue();
        assertThat(gateway.api("/metrics").body().lines().filter(l -> l.startsWith("omniservice_duplicate_deliveries")))
                .containsExactly("omniservice_duplicate_deliveries_total 1.0");
        // the receipt is a delivery like any other, announced as a status change too
        awaitEvent("message.status", id);
    }

    @Test
    void notifyOnTimeoutAnnouncesWithoutASecondSend() {
        String id = send("notify only", "{\"afterSeconds\": 30, \"onTimeout\": \"notify\"}");
        awaitStatus(id, "sent");
        clock.advance(Duration.ofSeconds(31));

        JsonNode timeout = awaitEvent("message.delivery_timeout", id);
        assertThat(timeout.path("data").path("action").asText()).isEqualTo("notified");
        assertThat(timeout.path("data").has("fallbackMessageId")).isFalse();
        awaitConversationDone();
        assertThat(twilioSends()).isZero();
        assertThat(historyHas(message(id), "delivery_timeout")).isTrue();
        // a receipt now is late but nothing was sent twice: no duplicate
        bandwidthReports(
                "message-delivered", message(id).path("carrierMessageId").asText());
        awaitEvent("message.status", id);
        awaitStatus(id, "delivered");
        assertThat(events("message.duplicate_delivery")).isEmpty();
    }

    @Test
    void fallbackLimitedToItsCarriersAnnouncesWhenNoneIsLeft() {
        String id = send("only bandwidth", "{\"afterSeconds\": 30, \"carriers\": [\"bandwidth\"]}");
        awaitStatus(id, "sent");
        clock.advance(Duration.ofSeconds(31));

        JsonNode timeout = awaitEvent("message.delivery_timeout", id);
        assertThat(timeout.path("data").path("action").asText()).isEqualTo("no_fallback_carrier");
        assertThat(twilioSends()).isZero();
    }

    @Test
    void theDeadlineOutlivesARestart() {
        String id = send("across a restart", "{\"afterSeconds\": 30}");
        awaitStatus(id, "sent");
        gateway.close();
        clock.advance(Duration.ofSeconds(31));
        startGateway();

        JsonNode timeout = awaitEvent("message.delivery_timeout", id);
        assertThat(timeout.path("data").path("action").asText()).isEqualTo("fallback_sent");
        awaitStatus(timeout.path("data").path("fallbackMessageId").asText(), "sent");
        assertThat(twilioSends()).isEqualTo(1);
    }

    @Test
    void badFallbackOptionsAreRefusedNamingTheField() {
        record Case(String fallback, String field) {}
        List<Case> cases = List.of(
                new Case("{}", "options.fallback.afterSeconds"),
                new Case("{\"afterSeconds\": 2}", "options.fallback.afterSeconds"),
                new Case("{\"afterSeconds\": 90000}", "options.fallback.afterSeconds"),
                new Case("{\"afterSeconds\": \"30\"}", "options.fallback.afterSeconds"),
                new Case("{\"afterSeconds\": 30, \"carriers\": [\"nosuch\"]}", "options.fallback.carriers[0]"),
                new Case("{\"afterSeconds\": 30, \"carriers\": [\"whatsapp\"]}", "options.fallback.carriers[0]"),
                new Case("{\"afterSeconds\": 30, \"carriers\": \"twilio\"}", "options.fallback.carriers"),
                new Case("{\"afterSeconds\": 30, \"onTimeout\": \"later\"}", "options.fallback.onTimeout"),
                new Case("30", "options.fallback"));
        for (Case c : cases) {
            HttpResponse<String> refused = postJson("/v1/messages", """
                    {"to": {"phoneNumber": "%s"}, "content": {"type": "text", "text": "x"},
                     "options": {"fallback": %s}}""".formatted(TO, c.fallback()));
            assertThat(refused.statusCode()).as(c.fallback()).isEqualTo(400);
            JsonNode error = json(refused.body()).path("error");
            assertThat(error.path("field").asText()).as(c.fallback()).isEqualTo(c.field());
            assertThat(error.path("message").asText()).isNotBlank();
        }
        assertThat(carriers.findAll(postRequestedFor(urlPathEqualTo(PlayedBandwidth.SEND_PATH))))
                .isEmpty();
    }
}
