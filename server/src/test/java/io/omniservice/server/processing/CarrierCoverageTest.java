package io.omniservice.server.processing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.omniservice.server.support.InboundWebhooks.WHATSAPP_API_VERSION;
import static io.omniservice.server.support.InboundWebhooks.WHATSAPP_APP_SECRET;
import static io.omniservice.server.support.InboundWebhooks.WHATSAPP_PHONE_NUMBER_ID;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.omniservice.carriers.testkit.WebhookSigning;
import io.omniservice.core.json.Json;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.InboundWebhooks;
import io.omniservice.server.support.RunningGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The carrier-coverage rules end to end, on a running gateway with Meta's Cloud API played by WireMock: one
 * bad message of a notification costs none of the others and is kept as unsupported; compliance keywords
 * act only one-to-one and replies to a group go to the group; a WhatsApp user id's conversation joins the
 * phone's once Meta shows both.
 */
class CarrierCoverageTest {
    private static final String MESSAGES_PATH =
            "/" + WHATSAPP_API_VERSION + "/" + WHATSAPP_PHONE_NUMBER_ID + "/messages";
    private static final String GROUP = "Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM4MjAZD";

    @TempDir
    Path data;

    WireMockServer remote;
    RunningGateway gateway;

    @BeforeEach
    void start() {
        remote = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        remote.start();
        remote.stubFor(post(urlPathEqualTo(MESSAGES_PATH))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody(
                                "{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\"wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJSRVBMWQ"
                                        + ThreadLocalRandom.current().nextInt(1_000_000) + "\"}]}")));
        remote.stubFor(post(urlPathEqualTo("/events")).willReturn(aResponse().withStatus(200)));
        String base = "http://localhost:" + remote.port();
        gateway = new RunningGateway(
                data, 1 << 20, InboundWebhooks.carriersYaml(base) + """
                        outbound:
                          nodeId: test-node
                          pollMillis: 20
                          callbacks: {signingSecret: forward-secret-0123456789, allowedNetworks: ["127.0.0.0/8"]}
                        notifications: {initialBackoffMillis: 50, maxBackoffSeconds: 1}
                        processing:
                          pollMillis: 20
                          compliance:
                            helpText: "Acme: reply STOP to stop."
                            optOutText: "You are unsubscribed."
                        """, ConfiguredCarriers.installedProviders());
        HttpResponse<String> subscribed = api("POST", "/v1/subscriptions", """
                {"url": "http://localhost:%d/events", "events": ["message.received", "conversation.merged"]}""".formatted(remote.port()));
        assertThat(subscribed.statusCode()).as(subscribed.body()).isEqualTo(201);
    }

    @AfterEach
    void stop() {
        gateway.close();
        remote.stop();
    }

    @Test
    void oneBadMessageOfANotificationCostsNoneOfTheOthersAndIsKeptAsUnsupported() {
        String good1 = wamid();
        String bad = wamid();
        String good2 = wamid();
        HttpResponse<String> answer = whatsapp(
                message(good1, "16505551234", null, "{\"type\":\"text\",\"text\":{\"body\":\"first\"}}"),
                message(
                        bad,
                        "16505551234",
                        null,
                        "{\"type\":\"location\",\"location\":{\"latitude\":91.0,\"longitude\":1.0}}"),
                message(good2, "16505551234", null, "{\"type\":\"text\",\"text\":{\"body\":\"third\"}}"));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);

        List<JsonNode> events = await(() -> {
            List<JsonNode> received = delivered("message.received");
            return received.size() >= 3 ? received : null;
        });
        assertThat(events)
                .extracting(e -> e.at("/data/metadata/carrierMessageId").asText())
                .containsExactlyInAnyOrder(good1, bad, good2);
        JsonNode unsupported = events.stream()
                .filter(e -> e.at("/data/metadata/carrierMessageId").asText().equals(bad))
                .findFirst()
                .orElseThrow();
        assertThat(unsupported.at("/data/content/type").asText()).isEqualTo("unsupported");
        assertThat(unsupported.at("/data/content/reason").asText()).isEqualTo("latitude must be within ±90");
        JsonNode stored = json(
                api("GET", "/v1/messages/" + unsupported.at("/data/messageId").asText(), null)
                        .body());
        assertThat(stored.at("/metadata/originalPayload/location/latitude").asDouble())
                .isEqualTo(91.0);

        // Meta retries the same notification: nothing is stored twice
        assertThat(whatsapp(
                                message(
                                        good1,
                                        "16505551234",
                                        null,
                                        "{\"type\":\"text\",\"text\":{\"body\":\"first\"}}"),
                                message(
                                        bad,
                                        "16505551234",
                                        null,
                                        "{\"type\":\"location\",\"location\":{\"latitude\":91.0,\"longitude\":1.0}}"))
                        .statusCode())
                .isEqualTo(200);
        // the webhook is answered only once stored, so the conversation shows at once what the retry added
        JsonNode conversations = json(
                api("GET", "/v1/conversations?participant=%2B16505551234", null).body());
        assertThat(conversations.path("items").size()).isEqualTo(1);
        assertThat(conversations.at("/items/0/messageCount").asLong()).isEqualTo(3);
    }

    @Test
    void keywordsInAGroupActOnNobodyAndRepliesToAGroupGoToTheGroup() {
        String member = "16505552345";
        assertThat(whatsapp(message(wamid(), member, null, "{\"type\":\"text\",\"text\":{\"body\":\"hi\"}}"))
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> rule = api("POST", "/v1/rules", """
                {"name": "hours", "match": {"keywords": ["HOURS"]},
                 "actions": [{"type": "reply", "text": "We are open 9 to 5."}]}""");
        assertThat(rule.statusCode()).as(rule.body()).isEqualTo(201);

        for (String word : List.of("STOP", "HELP", "HOURS")) {
            assertThat(whatsapp(message(
                                    wamid(), member, GROUP, "{\"type\":\"text\",\"text\":{\"body\":\"" + word + "\"}}"))
                            .statusCode())
                    .isEqualTo(200);
        }
        // a message's event goes out after its compliance and rule steps, which queue any reply first
        List<JsonNode> events = await(() -> {
            List<JsonNode> received = delivered("message.received");
            return received.size() >= 4 ? received : null;
        });
        String memberConversation = conversationOf(events, "hi");
        String groupConversation = conversationOf(events, "HOURS");
        assertThat(groupConversation).isNotEqualTo(memberConversation);
        assertThat(conversationOf(events, "STOP")).isEqualTo(groupConversation);
        // only the rule's reply was queued, in the group's conversation; neither HELP nor STOP got an answer
        assertThat(outbound(memberConversation)).isEmpty();
        assertThat(outbound(groupConversation)).containsExactly("We are open 9 to 5.");
        await(() ->
                !remote.findAll(postRequestedFor(urlPathEqualTo(MESSAGES_PATH))).isEmpty());
        remote.verify(
                1,
                postRequestedFor(urlPathEqualTo(MESSAGES_PATH))
                        .withRequestBody(matchingJsonPath("$.recipient_type", equalTo("group")))
                        .withRequestBody(matchingJsonPath("$.to", equalTo(GROUP)))
                        .withRequestBody(matchingJsonPath("$.text.body", equalTo("We are open 9 to 5."))));
        // STOP in the group did not opt the member out of their own conversation
        HttpResponse<String> direct = api("POST", "/v1/messages", """
                {"to": {"phoneNumber": "+%s", "preferredCarrier": "whatsapp"}, "content": {"type": "text", "text": "Your order shipped"}}""".formatted(member));
        assertThat(direct.statusCode()).as(direct.body()).isEqualTo(202);
    }

    private static String conversationOf(List<JsonNode> events, String body) {
        return events.stream()
                .filter(e -> body.equals(e.at("/data/content/body").asText()))
                .findFirst()
                .orElseThrow()
                .at("/data/conversationId")
                .asText();
    }

    /** The bodies of the outbound messages stored in a conversation. */
    private List<String> outbound(String conversationId) {
        List<String> bodies = new ArrayList<>();
        json(api("GET", "/v1/conversations/" + conversationId + "/messages", null)
                        .body())
                .path("items")
                .forEach(m -> {
                    if ("outbound".equals(m.path("direction").asText())) {
                        bodies.add(m.at("/content/body").asText());
                    }
                });
        return bodies;
    }

    @Test
    void aUserIdsConversationJoinsThePhonesWhenMetaShowsBoth() {
        String userId = "US." + ThreadLocalRandom.current().nextLong(1L << 50);
        assertThat(whatsapp(userMessage(wamid(), null, userId, "before")).statusCode())
                .isEqualTo(200);
        JsonNode first = await(() -> delivered("message.received").isEmpty()
                ? null
                : delivered("message.received").getFirst());
        assertThat(first.at("/data/sender").asText()).isEqualTo("whatsapp-user:" + userId);

        assertThat(whatsapp(userMessage(wamid(), "16505553456", userId, "after"))
                        .statusCode())
                .isEqualTo(200);
        JsonNode merged = await(() -> delivered("conversation.merged").isEmpty()
                ? null
                : delivered("conversation.merged").getFirst());
        assertThat(merged.at("/data/mergedFrom").asText())
                .isEqualTo(first.at("/data/conversationId").asText());
        String joined = merged.at("/data/conversationId").asText();
        JsonNode messages = json(
                api("GET", "/v1/conversations/" + joined + "/messages", null).body());
        List<String> bodies = new ArrayList<>();
        messages.path("items").forEach(m -> bodies.add(m.at("/content/body").asText()));
        assertThat(bodies).containsExactly("before", "after");

        // a send to the user id is addressed as Meta takes it: `recipient`, no `to`
        HttpResponse<String> send = api("POST", "/v1/messages", """
                {"to": {"whatsappUserId": "%s"}, "content": {"type": "text", "text": "thanks"}}""".formatted(userId));
        assertThat(send.statusCode()).as(send.body()).isEqualTo(202);
        await(() -> remote.findAll(postRequestedFor(urlPathEqualTo(MESSAGES_PATH))
                                .withRequestBody(matchingJsonPath("$.recipient", equalTo(userId))))
                        .isEmpty()
                ? null
                : true);
    }

    // --- helpers

    private static String wamid() {
        return "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()).toUpperCase();
    }

    private static String message(String id, String from, String group, String typed) {
        return "{\"from\":\"" + from + "\",\"id\":\"" + id + "\",\"timestamp\":\""
                + Instant.now().getEpochSecond() + "\"" + (group == null ? "" : ",\"group_id\":\"" + group + "\"") + ","
                + typed.substring(1);
    }

    private static String userMessage(String id, String phone, String userId, String text) {
        return "{" + (phone == null ? "" : "\"from\":\"" + phone + "\",") + "\"from_user_id\":\"" + userId
                + "\",\"id\":\""
                + id + "\",\"timestamp\":\"" + Instant.now().getEpochSecond()
                + "\",\"type\":\"text\",\"text\":{\"body\":\"" + text + "\"}}";
    }

    private HttpResponse<String> whatsapp(String... messages) {
        String body = """
                {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":\
                {"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",\
                "phone_number_id":"%s"},"messages":[%s]},"field":"messages"}]}]}""".formatted(WHATSAPP_PHONE_NUMBER_ID, String.join(",", messages));
        return gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/whatsapp"))
                .header("Content-Type", "application/json")
                .header("X-Hub-Signature-256", WebhookSigning.metaSignature(WHATSAPP_APP_SECRET, body))
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> api(String method, String path, String body) {
        return gateway.send(HttpRequest.newBuilder(gateway.uri(path))
                .header("Authorization", "Bearer " + RunningGateway.API_KEY)
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body)));
    }

    /** The events of {@code type} the subscriber got, oldest first. */
    private List<JsonNode> delivered(String type) {
        List<JsonNode> bodies = new ArrayList<>();
        for (ServeEvent event : remote.getAllServeEvents().reversed()) {
            if (event.getRequest().getUrl().equals("/events")) {
                JsonNode body = json(event.getRequest().getBodyAsString());
                if (type.equals(body.path("type").asText())) {
                    bodies.add(body);
                }
            }
        }
        return bodies;
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
            if (value != null) {
                return value;
            }
            sleep(20);
        }
        throw new AssertionError("condition not met in time");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
