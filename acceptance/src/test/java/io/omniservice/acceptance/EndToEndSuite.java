package io.omniservice.acceptance;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.omniservice.acceptance.GatewayApi.encode;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
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

    private static final String BANDWIDTH_SEND_PATH = PlayedBandwidth.SEND_PATH;
    /** A real PNG (1×1, one grey pixel), as a send's {@code mediaUrl} serves it. */
    private static final byte[] PHOTO = java.util.Base64.getDecoder()
            .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg==");

    /** Everything outside the gateway it reaches: Bandwidth's send API, a subscriber, a file server. */
    WireMockServer outside;

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
        outside =
                new WireMockServer(WireMockConfiguration.options().dynamicPort().globalTemplating(true));
        outside.start();
        PlayedBandwidth.acceptSends(outside);
        outside.stubFor(post(urlPathEqualTo("/events")).willReturn(aResponse().withStatus(200)));
        outside.stubFor(get(urlPathEqualTo("/files/photo.png"))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "image/png")
                        .withBody(PHOTO)));
        String outsideUrl = "http://127.0.0.1:" + outside.port();
        gateway = GatewayProcess.start(
                directory,
                setup().sendingThrough(outsideUrl)
                        // the subscriber and the files a send takes are on this machine
                        .withOutbound("callbacks: {allowedNetworks: [127.0.0.0/8]}")
                        .withMoreMedia("fetch: {allowedNetworks: [127.0.0.0/8]}"));
        webhooks = new SignedWebhooks(gateway);
        api = new GatewayApi(gateway);
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (gateway != null) {
                gateway.close();
            }
            if (outside != null) {
                outside.stop();
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

    String postMessage(String body) throws Exception {
        HttpResponse<String> accepted = api.send(HttpRequest.newBuilder(gateway.uri("/v1/messages"))
                .header("Authorization", "Bearer " + GatewayProcess.API_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return GatewayApi.JSON.readTree(accepted.body()).path("messageId").asText();
    }

    /** The message once {@code until} holds for it (30 s at most). */
    JsonNode awaitMessage(String messageId, Predicate<JsonNode> until, String what) throws Exception {
        Instant deadline = Instant.now().plusSeconds(30);
        JsonNode message = api.getJson("/v1/messages/" + messageId);
        while (!until.test(message) && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
            message = api.getJson("/v1/messages/" + messageId);
        }
        assertThat(until).as(what + ": " + message).accepts(message);
        return message;
    }

    /** Bandwidth's delivery receipt for our message {@code messageId} to {@code to}, as its webhook posts it. */
    void bandwidthDelivered(String to, String messageId) throws Exception {
        HttpResponse<String> receipt = api.send(webhooks.bandwidth("""
                [{"type":"message-delivered","time":"2026-11-25T12:00:03.000Z","description":"ok","to":"%s",\
                "message":{"id":"bw-%s","owner":"+14155550198","applicationId":"93de2206-9669-4e07-948d-329f4b722ee2",\
                "time":"2026-11-25T12:00:00.000Z","segmentCount":1,"direction":"out","to":["%s"],\
                "from":"+14155550198","text":"","tag":"%s"}}]""".formatted(to, messageId, to, messageId)));
        assertThat(receipt.statusCode()).as(receipt.body()).isEqualTo(200);
    }

    /** The requests {@code outside} got on {@code path} once one matches {@code until} (30 s at most). */
    private List<LoggedRequest> awaitOutside(String path, Predicate<LoggedRequest> until) throws Exception {
        Instant deadline = Instant.now().plusSeconds(30);
        List<LoggedRequest> requests = outside.findAll(postRequestedFor(urlPathEqualTo(path)));
        while (requests.stream().noneMatch(until) && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
            requests = outside.findAll(postRequestedFor(urlPathEqualTo(path)));
        }
        return requests.stream().filter(until).toList();
    }

    @Test
    void aSendReachesTheCarrierAndItsDeliveryReceiptIsRecorded() throws Exception {
        String to = "+16505550160";
        String messageId = postMessage("""
                {"to": {"phoneNumber": "%s"}, "content": {"type": "text", "text": "Your table is ready"}}""".formatted(to));

        List<LoggedRequest> sends =
                awaitOutside(BANDWIDTH_SEND_PATH, r -> r.getBodyAsString().contains(messageId));
        assertThat(sends).as("Bandwidth's send API got the message once").hasSize(1);
        JsonNode sent = GatewayApi.JSON.readTree(sends.getFirst().getBodyAsString());
        assertThat(sent.path("to").get(0).asText()).isEqualTo(to);
        assertThat(sent.path("text").asText()).isEqualTo("Your table is ready");
        assertThat(sends.getFirst().getHeader("Authorization")).startsWith("Basic ");
        awaitMessage(messageId, m -> "sent".equals(m.path("status").asText()), "sent");

        bandwidthDelivered(to, messageId);
        JsonNode delivered =
                awaitMessage(messageId, m -> "delivered".equals(m.path("status").asText()), "delivered");
        assertThat(delivered.path("carrierMessageId").asText()).isEqualTo("bw-" + messageId);
        assertThat(delivered.get("statusHistory"))
                .extracting(h -> h.path("status").asText())
                .contains("queued", "sent", "delivered");
    }

    @Test
    void aSubscriberGetsEachEventSignedAndTheEventStreamShowsItToo() throws Exception {
        String secret = "end-to-end-subscriber-secret";
        HttpResponse<String> subscribed = api.send(HttpRequest.newBuilder(gateway.uri("/v1/subscriptions"))
                .header("Authorization", "Bearer " + GatewayProcess.API_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"url": "http://127.0.0.1:%d/events", "events": ["message.received"], "secret": "%s"}""".formatted(outside.port(), secret)))
                .build());
        assertThat(subscribed.statusCode()).as(subscribed.body()).isEqualTo(201);

        String wamid = "wamid.HBgL" + unique();
        try (EventStream stream = EventStream.open(gateway, "message.received")) {
            assertThat(api.send(webhooks.whatsappText("16505550170", wamid, "Is it open today?"))
                            .statusCode())
                    .isEqualTo(200);

            JsonNode streamed = stream.awaitData(
                    d -> wamid.equals(d.at("/data/carrierMessageId").asText()));
            assertThat(streamed.path("type").asText()).isEqualTo("message.received");
            assertThat(streamed.at("/data/content/body").asText()).isEqualTo("Is it open today?");

            List<LoggedRequest> delivered =
                    awaitOutside("/events", r -> r.getBodyAsString().contains(wamid));
            assertThat(delivered)
                    .as("the subscriber's deliveries of the message")
                    .hasSize(1);
            LoggedRequest event = delivered.getFirst();
            assertThat(GatewayApi.JSON
                            .readTree(event.getBodyAsString())
                            .path("id")
                            .asText())
                    .isEqualTo(streamed.path("id").asText());
            // Omniservice-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">
            String signature = event.getHeader("Omniservice-Signature");
            assertThat(signature).matches("t=\\d+,v1=[0-9a-f]{64}");
            String t = signature.substring(2, signature.indexOf(','));
            assertThat(signature.substring(signature.indexOf("v1=") + 3))
                    .isEqualTo(hmacSha256Hex(secret, t + "." + event.getBodyAsString()));
        }
    }

    @Test
    void aMediaSendIsStoredAndTheCarrierFetchesItFromASignedUrl() throws Exception {
        String messageId = postMessage("""
                {"to": {"phoneNumber": "+16505550180"},
                 "content": {"type": "media", "mediaUrl": "http://127.0.0.1:%d/files/photo.png", "text": "the menu"}}""".formatted(outside.port()));

        List<LoggedRequest> sends =
                awaitOutside(BANDWIDTH_SEND_PATH, r -> r.getBodyAsString().contains(messageId));
        assertThat(sends).hasSize(1);
        JsonNode sent = GatewayApi.JSON.readTree(sends.getFirst().getBodyAsString());
        assertThat(sent.path("text").asText()).isEqualTo("the menu");
        String mediaUrl = sent.path("media").get(0).asText();

        // the carrier fetches what the gateway stored at the signed URL it was given: the node's /media (here
        // through its port) or, with S3, a presigned URL of the bucket
        HttpResponse<byte[]> fetched = fetch(mediaUrl);
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(fetched.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(fetched.body()).isEqualTo(PHOTO);
        assertThat(fetch(mediaUrl + "0").statusCode())
                .as("a tampered signature")
                .isEqualTo(403);
        awaitMessage(messageId, m -> "sent".equals(m.path("status").asText()), "sent");
    }

    private HttpResponse<byte[]> fetch(String url) throws Exception {
        String local = url.startsWith(GatewayProcess.PUBLIC_BASE_URL)
                ? gateway.uri(url.substring(GatewayProcess.PUBLIC_BASE_URL.length()))
                        .toString()
                : url;
        return api.sendForBytes(
                HttpRequest.newBuilder(java.net.URI.create(local)).build());
    }

    private static String hmacSha256Hex(String key, String text) throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return java.util.HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }
}
