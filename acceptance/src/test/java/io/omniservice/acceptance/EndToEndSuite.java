package io.omniservice.acceptance;

import static io.omniservice.acceptance.GatewayApi.encode;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real gateway process, signed webhooks of all six carriers over HTTP, read back through the query API:
 * the same suite for each storage mode (a subclass says how its node is set up).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EndToEndSuite {
    @TempDir
    static Path directory;

    GatewayProcess gateway;
    SignedWebhooks webhooks;
    GatewayApi api;
    Instant started;

    /** How this suite's node stores; called once, before it starts. */
    protected abstract GatewayProcess.Setup setup() throws Exception;

    /** Stops what {@link #setup()} started, after the node has stopped. */
    protected void tearDown() throws Exception {}

    @BeforeAll
    void start() throws Exception {
        started = Instant.now().minusSeconds(1);
        gateway = GatewayProcess.start(directory, setup());
        webhooks = new SignedWebhooks(gateway);
        api = new GatewayApi(gateway);
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            tearDown();
        }
    }

    private static String unique() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private JsonNode storedMessage(String carrier, String carrierMessageId) throws Exception {
        String range = "since=" + encode(started.toString()) + "&until="
                + encode(Instant.now().plusSeconds(5).toString());
        List<JsonNode> found = api.all("/v1/messages?carrier=" + carrier + "&" + range).stream()
                .filter(m -> carrierMessageId.equals(m.path("carrierMessageId").asText()))
                .toList();
        assertThat(found).as(carrier + " message " + carrierMessageId).hasSize(1);
        return api.getJson("/v1/messages/" + found.getFirst().get("messageId").asText());
    }

    @Test
    void everyCarriersSignedWebhookIsStoredAndReadBack() throws Exception {
        String wamid = "wamid.HBgL" + unique();
        String twilioSid = "SM" + unique();
        String bandwidthId = "16" + unique().substring(0, 12) + "lm4k2je7j7jklbn2";
        String liveChatEvent = "PZ070E0W1B_" + unique().substring(0, 6);
        String messageBirdId = unique();
        String inteliquentId = UUID.randomUUID().toString();

        record Case(String carrier, String carrierMessageId, HttpRequest request, String text) {}
        List<Case> cases = List.of(
                new Case(
                        "whatsapp",
                        wamid,
                        webhooks.whatsappText("16505550111", wamid, "Hello from WhatsApp"),
                        "Hello from WhatsApp"),
                new Case(
                        "twilio",
                        twilioSid,
                        webhooks.twilioSms(twilioSid, "+16505550112", "Hello from Twilio"),
                        "Hello from Twilio"),
                new Case(
                        "bandwidth",
                        bandwidthId,
                        webhooks.bandwidthReceived(bandwidthId, "+16505550113", "Hello from Bandwidth"),
                        "Hello from Bandwidth"),
                new Case(
                        "livechat",
                        "PS0X0L086G/" + liveChatEvent,
                        webhooks.liveChatMessage(
                                "PS0X0L086G",
                                liveChatEvent,
                                "b7eff798-f8df-4364-8059-649c35c9ed0c",
                                "Hello from LiveChat"),
                        "Hello from LiveChat"),
                new Case(
                        "messagebird",
                        messageBirdId,
                        webhooks.messageBirdSms(messageBirdId, "31612345678", "Hello from MessageBird"),
                        "Hello from MessageBird"),
                new Case(
                        "inteliquent",
                        inteliquentId,
                        webhooks.inteliquent(inteliquentId, "6505550114", "Hello from Inteliquent"),
                        "Hello from Inteliquent"));

        for (Case c : cases) {
            HttpResponse<String> response = api.send(c.request());
            assertThat(response.statusCode())
                    .as(c.carrier() + " answered: " + response.body())
                    .isEqualTo(200);
            JsonNode message = storedMessage(c.carrier(), c.carrierMessageId());
            assertThat(message.at("/content/body").asText()).as(c.carrier()).isEqualTo(c.text());
            assertThat(message.get("direction").asText()).isEqualTo("inbound");
            assertThat(message.get("status").asText()).isEqualTo("received");
            assertThat(message.get("statusHistory")).isNotEmpty();
            assertThat(api.getJson("/v1/conversations/"
                                    + message.get("conversationId").asText())
                            .get("messageCount")
                            .asLong())
                    .isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void twilioIsAnsweredWithEmptyTwiml() throws Exception {
        String sid = "SM" + unique();
        HttpResponse<String> response = api.send(webhooks.twilioSms(sid, "+16505550120", "hi"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/xml"));
        assertThat(response.body()).contains("<Response></Response>");
    }

    @Test
    void samePhoneOverWhatsAppAndSmsIsOneConversation() throws Exception {
        assertThat(api.send(webhooks.whatsappText("16505550130", "wamid." + unique(), "over WhatsApp"))
                        .statusCode())
                .isEqualTo(200);
        assertThat(api.send(webhooks.twilioSms("SM" + unique(), "+16505550130", "over SMS"))
                        .statusCode())
                .isEqualTo(200);

        JsonNode conversations = api.getJson("/v1/conversations?participant=" + encode("+16505550130"));
        assertThat(conversations.get("items")).hasSize(1);
        JsonNode conversation = conversations.get("items").get(0);
        assertThat(conversation.get("messageCount").asLong()).isEqualTo(2);
        List<JsonNode> messages = api.all(
                "/v1/conversations/" + conversation.get("conversationId").asText() + "/messages");
        assertThat(messages).extracting(m -> m.get("carrier").asText()).containsExactly("whatsapp", "twilio");
    }

    @Test
    void repeatedWebhookAnswers200AndStoresOnce() throws Exception {
        String sid = "SM" + unique();
        for (int i = 0; i < 3; i++) {
            assertThat(api.send(webhooks.twilioSms(sid, "+16505550140", "once")).statusCode())
                    .isEqualTo(200);
        }
        JsonNode conversations = api.getJson("/v1/conversations?participant=" + encode("+16505550140"));
        assertThat(conversations.at("/items/0/messageCount").asLong()).isEqualTo(1);
        storedMessage("twilio", sid);
    }

    @Test
    void badSignaturesAreRefusedAndStoreNothing() throws Exception {
        HttpRequest signed = webhooks.twilioSms("SM" + unique(), "+16505550150", "forged");
        HttpRequest forged = HttpRequest.newBuilder(
                        signed, (name, value) -> !name.equalsIgnoreCase("X-Twilio-Signature"))
                .header("X-Twilio-Signature", "bm90IHRoZSBzaWduYXR1cmU=")
                .build();
        HttpRequest unsigned = HttpRequest.newBuilder(
                        signed, (name, value) -> !name.equalsIgnoreCase("X-Twilio-Signature"))
                .build();

        HttpResponse<String> forgedAnswer = api.send(forged);
        assertThat(forgedAnswer.statusCode()).isEqualTo(403);
        assertThat(GatewayApi.JSON
                        .readTree(forgedAnswer.body())
                        .at("/error/code")
                        .asText())
                .isNotEmpty();
        assertThat(api.send(unsigned).statusCode()).isEqualTo(401);
        assertThat(api.getJson("/v1/conversations?participant=" + encode("+16505550150"))
                        .get("items"))
                .isEmpty();
    }

    @Test
    void brokenInputGets4xxWithJsonError() throws Exception {
        HttpResponse<String> malformed =
                api.send(webhooks.whatsapp("{\"object\":\"whatsapp_business_account\",\"entry\":["));
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(GatewayApi.JSON.readTree(malformed.body()).at("/error/code").asText())
                .isNotEmpty();

        HttpResponse<String> unknown = api.send(HttpRequest.newBuilder(gateway.uri("/webhooks/pigeonpost"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build());
        assertThat(unknown.statusCode()).isEqualTo(404);

        HttpResponse<String> tooLarge = api.send(webhooks.whatsapp("{\"pad\":\"" + "x".repeat(1024 * 1024) + "\"}"));
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(GatewayApi.JSON.readTree(tooLarge.body()).at("/error/code").asText())
                .isNotEmpty();
    }

    @Test
    void metaVerifyHandshakeEchoesTheChallenge() throws Exception {
        HttpResponse<String> ok =
                api.send(HttpRequest.newBuilder(gateway.uri("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token="
                                + SignedWebhooks.WHATSAPP_VERIFY_TOKEN + "&hub.challenge=1158201444"))
                        .build());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("1158201444");

        HttpResponse<String> wrong = api.send(HttpRequest.newBuilder(gateway.uri(
                        "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444"))
                .build());
        assertThat(wrong.statusCode()).isEqualTo(403);
    }

    @Test
    void queryApiNeedsTheApiKey() throws Exception {
        HttpResponse<String> anonymous = api.send(
                HttpRequest.newBuilder(gateway.uri("/v1/conversations")).build());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(GatewayApi.JSON.readTree(anonymous.body()).at("/error/code").asText())
                .isNotEmpty();
    }
}
