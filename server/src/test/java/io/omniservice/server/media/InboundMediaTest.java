package io.omniservice.server.media;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.omniservice.server.media.MediaTestSupport.CLIENT;
import static io.omniservice.server.media.MediaTestSupport.hex32;
import static io.omniservice.server.media.MediaTestSupport.json;
import static io.omniservice.server.media.MediaTestSupport.send;
import static io.omniservice.server.media.MediaTestSupport.sleep;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.omniservice.carriers.testkit.WebhookSigning;
import io.omniservice.core.json.Json;
import io.omniservice.media.sign.MediaSigner;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.InboundWebhooks;
import io.omniservice.server.support.RunningGateway;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inbound media end to end on one real gateway: for each of the six carriers a correctly signed webhook
 * with one image attachment, the file served by WireMock the way that carrier serves it (WhatsApp's media id
 * lookup, Twilio's redirect to storage, credentials where the carrier wants them), then what a client sees:
 * the stored item on {@code GET /v1/messages/{id}} and the file, its thumbnail, a byte range and refusals
 * on the signed {@code /media} URLs.
 */
class InboundMediaTest {
    /** Also ours to sign with, to make an expired but correctly signed URL. */
    private static final String SIGNING_SECRET = "inbound-media-test-signing-secret-0123456789";

    private static final Pattern SIGNED_URL = Pattern.compile(Pattern.quote(RunningGateway.PUBLIC_BASE_URL)
            + "/media/([0-9a-f]{64})\\?expires=(\\d+)&signature=[0-9a-f]{64}");

    @TempDir
    static Path data;

    /** The carriers' API origins: Graph, Twilio's REST API, Bandwidth's Messaging API, MessageBird's media host. */
    static WireMockServer api;
    /** Another origin: CDNs and storage (WhatsApp's lookaside, Twilio's redirect target, LiveChat, Inteliquent). */
    static WireMockServer cdn;

    static RunningGateway gateway;

    @BeforeAll
    static void start() {
        api = new WireMockServer(
                WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        cdn = new WireMockServer(
                WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        api.start();
        cdn.start();
        gateway = new RunningGateway(
                data,
                1 << 20,
                InboundWebhooks.carriersYaml(apiBase()) + """
                        media:
                          signingSecret: %s
                          fetch: {allowedNetworks: [127.0.0.1/32], connectTimeoutMillis: 2000, timeoutSeconds: 10}
                        processing:
                          pollMillis: 20
                          retry: {maxAttempts: 3, initialBackoffMillis: 50, maxBackoffSeconds: 1}
                        """.formatted(SIGNING_SECRET),
                ConfiguredCarriers.installedProviders());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (api != null) {
            api.stop();
        }
        if (cdn != null) {
            cdn.stop();
        }
    }

    static String apiBase() {
        return "http://127.0.0.1:" + api.port();
    }

    static String cdnBase() {
        return "http://127.0.0.1:" + cdn.port();
    }

    // --- the six carriers

    @Test
    void whatsAppImageIsLookedUpByIdThenDownloadedWithTheBearerTokenBothTimes() throws Exception {
        byte[] png = png("whatsapp", new Color(0x25D366));
        String mediaId = "1003383421387256";
        String downloadPath = "/whatsapp_business/attachments/";
        String downloadUrl = cdnBase() + downloadPath + "?mid=" + mediaId + "&ext=1795521890&hash=ATsample";
        String lookupPath = "/" + InboundWebhooks.WHATSAPP_API_VERSION + "/" + mediaId;
        api.stubFor(get(urlPathEqualTo(lookupPath))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody("""
                                {"url":"%s","mime_type":"image/png","sha256":"%s","file_size":%d,\
                                "id":"%s","messaging_product":"whatsapp"}""".formatted(
                                downloadUrl, WebhookSigning.hex(WebhookSigning.sha256(png)), png.length, mediaId))));
        cdn.stubFor(get(urlPathEqualTo(downloadPath))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "image/png")
                        .withBody(png)));

        String wamid = "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQz"
                + UUID.randomUUID().toString().replace("-", "");
        accepted(InboundWebhooks.whatsappImage(gateway, wamid, mediaId, png));

        JsonNode item = storedItem("whatsapp", wamid);
        assertStored(item, png);
        assertThat(item.path("carrierMediaId").asText()).isEqualTo(mediaId);
        // the item had no URL of its own: the lookaside URL is short-lived and not the carrier's reference
        assertThat(item.has("carrierUrl")).as(item.toString()).isFalse();

        String bearer = "Bearer " + InboundWebhooks.WHATSAPP_ACCESS_TOKEN;
        List<LoggedRequest> lookups = api.findAll(getRequestedFor(urlPathEqualTo(lookupPath)));
        assertThat(lookups).hasSize(1);
        assertThat(lookups.getFirst().getHeader("Authorization")).isEqualTo(bearer);
        List<LoggedRequest> downloads = cdn.findAll(getRequestedFor(urlPathEqualTo(downloadPath)));
        assertThat(downloads).hasSize(1);
        assertThat(downloads.getFirst().getHeader("Authorization")).isEqualTo(bearer);
        assertThat(downloads.getFirst().queryParameter("mid").firstValue()).isEqualTo(mediaId);
        assertThat(downloads.getFirst().queryParameter("hash").firstValue()).isEqualTo("ATsample");

        assertServed(item, png);
    }

    @Test
    void twilioMediaUrlGetsBasicAuthAndItsRedirectToStorageDoesNot() throws Exception {
        byte[] png = png("twilio", new Color(0xF22F46));
        String messageSid = "MM" + hex32();
        String mediaPath = "/2010-04-01/Accounts/" + InboundWebhooks.TWILIO_ACCOUNT_SID + "/Messages/" + messageSid
                + "/Media/ME" + hex32();
        String storagePath = "/twilio-media-storage/" + UUID.randomUUID() + "/image";
        String storageUrl = cdnBase() + storagePath + "?Expires=1795522000&Signature=storage-signature";
        api.stubFor(get(urlPathEqualTo(mediaPath))
                .willReturn(aResponse().withStatus(307).withHeader("Location", storageUrl)));
        cdn.stubFor(get(urlPathEqualTo(storagePath))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "image/png")
                        .withBody(png)));

        String mediaUrl = apiBase() + mediaPath;
        accepted(InboundWebhooks.twilioMms(gateway, messageSid, mediaUrl));

        JsonNode item = storedItem("twilio", messageSid);
        assertStored(item, png);
        assertThat(item.path("carrierUrl").asText()).isEqualTo(mediaUrl);

        List<LoggedRequest> atTwilio = api.findAll(getRequestedFor(urlPathEqualTo(mediaPath)));
        assertThat(atTwilio).hasSize(1);
        assertThat(atTwilio.getFirst().getHeader("Authorization"))
                .isEqualTo(basic(InboundWebhooks.TWILIO_ACCOUNT_SID, InboundWebhooks.TWILIO_AUTH_TOKEN));
        List<LoggedRequest> atStorage = cdn.findAll(getRequestedFor(urlPathEqualTo(storagePath)));
        assertThat(atStorage).hasSize(1);
        assertThat(atStorage.getFirst().containsHeader("Authorization"))
                .as("the Twilio credentials must not follow the redirect to another origin")
                .isFalse();
        assertThat(atStorage.getFirst().queryParameter("Signature").firstValue())
                .isEqualTo("storage-signature");

        assertServed(item, png);
    }

    @Test
    void bandwidthMediaOnTheMessagingApiGetsTheApiUsersBasicAuth() throws Exception {
        byte[] png = png("bandwidth", new Color(0x0047BB));
        String id = "1795521590121" + hex32().substring(0, 16);
        String mediaPath =
                "/api/v2/users/" + InboundWebhooks.BANDWIDTH_ACCOUNT_ID + "/media/" + id + "/0/damaged-box.png";
        api.stubFor(get(urlPathEqualTo(mediaPath))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "image/png")
                        .withBody(png)));

        String mediaUrl = apiBase() + mediaPath;
        accepted(InboundWebhooks.bandwidthMms(gateway, id, mediaUrl));

        JsonNode item = storedItem("bandwidth", id);
        assertStored(item, png);
        assertThat(item.path("carrierUrl").asText()).isEqualTo(mediaUrl);
        assertThat(item.path("filename").asText()).isEqualTo("damaged-box.png");

        List<LoggedRequest> fetched = api.findAll(getRequestedFor(urlPathEqualTo(mediaPath)));
        assertThat(fetched).hasSize(1);
        assertThat(fetched.getFirst().getHeader("Authorization"))
                .isEqualTo(basic(InboundWebhooks.BANDWIDTH_API_USER, InboundWebhooks.BANDWIDTH_API_PASSWORD));

        assertServed(item, png);
    }

    @Test
    void liveChatFileIsFetchedPlainFromItsCdn() throws Exception {
        byte[] png = png("livechat", new Color(0xFF5100));
        String path = "/api/file/lc/att/11442778/" + hex32() + "/damaged-box.png";
        cdn.stubFor(get(urlPathEqualTo(path))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "image/png")
                        .withBody(png)));

        String chatId = "PJ" + hex32().substring(0, 8).toUpperCase(java.util.Locale.ROOT);
        String url = cdnBase() + path;
        accepted(InboundWebhooks.liveChatFile(gateway, chatId, "K600PKZON8_4", url, png.length));

        JsonNode item = storedItem("livechat", chatId + "/K600PKZON8_4");
        assertStored(item, png);
        assertThat(item.path("carrierUrl").asText()).isEqualTo(url);
        assertThat(item.path("filename").asText()).isEqualTo("damaged-box.png");

        List<LoggedRequest> fetched = cdn.findAll(getRequestedFor(urlPathEqualTo(path)));
        assertThat(fetched).hasSize(1);
        assertThat(fetched.getFirst().containsHeader("Authorization")).isFalse();

        assertServed(item, png);
    }

    @Test
    void messageBirdConversationsImageOnTheMediaHostGetsTheAccessKey() throws Exception {
        byte[] png = png("messagebird", new Color(0x2481D7));
        String path = "/v1/media/" + UUID.randomUUID();
        api.stubFor(get(urlPathEqualTo(path))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "image/png")
                        .withBody(png)));

        String messageId = hex32();
        String url = apiBase() + path;
        accepted(InboundWebhooks.messageBirdImage(gateway, messageId, url));

        JsonNode item = storedItem("messagebird", messageId);
        assertStored(item, png);
        assertThat(item.path("carrierUrl").asText()).isEqualTo(url);

        List<LoggedRequest> fetched = api.findAll(getRequestedFor(urlPathEqualTo(path)));
        assertThat(fetched).hasSize(1);
        assertThat(fetched.getFirst().getHeader("Authorization"))
                .isEqualTo("AccessKey " + InboundWebhooks.MESSAGEBIRD_ACCESS_KEY);

        assertServed(item, png);
    }

    @Test
    void inteliquentMediaUrlIsFetchedPlain() throws Exception {
        byte[] png = png("inteliquent", new Color(0x6A1B9A));
        String path = "/inbound/" + hex32() + "/IMG_0412.png";
        cdn.stubFor(get(urlPathEqualTo(path))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "image/png")
                        .withBody(png)));

        String messageId = UUID.randomUUID().toString();
        String url = cdnBase() + path;
        accepted(InboundWebhooks.inteliquentMms(gateway, messageId, url));

        JsonNode item = storedItem("inteliquent", messageId);
        assertStored(item, png);
        assertThat(item.path("carrierUrl").asText()).isEqualTo(url);

        List<LoggedRequest> fetched = cdn.findAll(getRequestedFor(urlPathEqualTo(path)));
        assertThat(fetched).hasSize(1);
        assertThat(fetched.getFirst().containsHeader("Authorization")).isFalse();

        assertServed(item, png);
    }

    // --- what is not stored

    @Test
    void htmlPageServedAsJpegIsRefusedNamingTextHtml() throws Exception {
        String path = "/inbound/" + hex32() + "/IMG_0413.jpg";
        cdn.stubFor(get(urlPathEqualTo(path))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "image/jpeg")
                        .withBody("""
                                <!DOCTYPE html>
                                <html><head><title>Sign in</title></head>
                                <body><form action="/login" method="post"><input name="user"><input name="password"
                                type="password"></form><p>Please sign in to see this picture.</p></body></html>
                                """)));
        String messageId = UUID.randomUUID().toString();
        String url = cdnBase() + path;
        accepted(InboundWebhooks.inteliquentMms(gateway, messageId, url));

        JsonNode item = processedItem("inteliquent", messageId);
        assertThat(item.path("status").asText()).as(item.toString()).isEqualTo("refused");
        assertThat(item.path("reason").asText()).contains("text/html");
        assertThat(item.path("carrierUrl").asText()).isEqualTo(url);
        assertThat(item.has("url")).as("nothing to serve: %s", item).isFalse();
        assertThat(item.has("key")).as(item.toString()).isFalse();
        assertThat(item.has("thumbnailUrl")).as(item.toString()).isFalse();
        assertThat(cdn.findAll(getRequestedFor(urlPathEqualTo(path)))).hasSize(1);
        String metrics = gateway.api("/metrics").body();
        assertThat(metrics)
                .containsPattern("omniservice_media_total\\{direction=\"inbound\",status=\"refused\"} [1-9]");
    }

    @Test
    void attachmentTheCarrierAnswers404ForIsUnavailable() throws Exception {
        String id = "1795521590121" + hex32().substring(0, 16);
        String mediaPath = "/api/v2/users/" + InboundWebhooks.BANDWIDTH_ACCOUNT_ID + "/media/" + id + "/0/gone.png";
        api.stubFor(get(urlPathEqualTo(mediaPath))
                .willReturn(aResponse()
                        .withStatus(404)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"type\":\"object-not-found\",\"description\":\"The media was not found\"}")));
        String mediaUrl = apiBase() + mediaPath;
        accepted(InboundWebhooks.bandwidthMms(gateway, id, mediaUrl));

        JsonNode item = processedItem("bandwidth", id);
        assertThat(item.path("status").asText()).as(item.toString()).isEqualTo("unavailable");
        assertThat(item.path("reason").asText()).contains("404");
        assertThat(item.path("carrierUrl").asText()).isEqualTo(mediaUrl);
        assertThat(item.has("url")).as(item.toString()).isFalse();
        assertThat(item.has("key")).as(item.toString()).isFalse();
        // a 404 is final: fetched once, not retried by the fetcher or the workflow
        assertThat(api.findAll(getRequestedFor(urlPathEqualTo(mediaPath)))).hasSize(1);
    }

    // --- assertions

    /** The item as stored from {@code png}, with our signed URLs. */
    private static void assertStored(JsonNode item, byte[] png) {
        String sha256 = WebhookSigning.hex(WebhookSigning.sha256(png));
        assertThat(item.path("status").asText()).as(item.toString()).isEqualTo("stored");
        assertThat(item.path("contentType").asText()).isEqualTo("image/png");
        assertThat(item.path("size").asLong()).isEqualTo(png.length);
        assertThat(item.path("key").asText()).isEqualTo(sha256);
        assertThat(item.path("sha256").asText()).isEqualTo(sha256);
        assertThat(item.path("url").asText()).startsWith(RunningGateway.PUBLIC_BASE_URL + "/media/");
        Matcher url = SIGNED_URL.matcher(item.path("url").asText());
        assertThat(url.matches()).as(item.path("url").asText()).isTrue();
        assertThat(url.group(1)).isEqualTo(sha256);
        // links live for media.urlTtlMinutes, a day by default
        long expires = Long.parseLong(url.group(2));
        long inADay = Instant.now().plus(Duration.ofDays(1)).getEpochSecond();
        assertThat(expires).isBetween(inADay - 120, inADay + 120);
        Matcher thumbnail = SIGNED_URL.matcher(item.path("thumbnailUrl").asText());
        assertThat(thumbnail.matches()).as(item.path("thumbnailUrl").asText()).isTrue();
        assertThat(thumbnail.group(1))
                .isEqualTo(item.path("thumbnailKey").asText())
                .isNotEqualTo(sha256);
        assertThat(item.has("reason")).as(item.toString()).isFalse();
    }

    /** The file, its thumbnail, a range, and 403s for a tampered and an expired link. */
    private static void assertServed(JsonNode item, byte[] png) throws Exception {
        String url = item.path("url").asText();

        HttpResponse<byte[]> whole = fetch(url, null);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(whole.headers().firstValueAsLong("Content-Length")).hasValue(png.length);
        assertThat(whole.body()).isEqualTo(png);

        HttpResponse<byte[]> thumb = fetch(item.path("thumbnailUrl").asText(), null);
        assertThat(thumb.statusCode()).isEqualTo(200);
        assertThat(thumb.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(thumb.body()).startsWith((byte) 0xFF, (byte) 0xD8, (byte) 0xFF);
        BufferedImage small = ImageIO.read(new ByteArrayInputStream(thumb.body()));
        assertThat(small).as("the thumbnail decodes").isNotNull();
        assertThat(small.getWidth()).isEqualTo(320);
        assertThat(small.getHeight()).isEqualTo(240);

        HttpResponse<byte[]> range = fetch(url, "bytes=0-99");
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.headers().firstValue("Content-Range")).hasValue("bytes 0-99/" + png.length);
        assertThat(range.headers().firstValueAsLong("Content-Length")).hasValue(100);
        assertThat(range.body()).isEqualTo(Arrays.copyOf(png, 100));

        HttpResponse<byte[]> outside = fetch(url, "bytes=" + png.length + "-");
        assertThat(outside.statusCode()).isEqualTo(416);
        assertThat(outside.headers().firstValue("Content-Range")).hasValue("bytes */" + png.length);

        HttpResponse<byte[]> head = MediaTestSupport.bytes(
                HttpRequest.newBuilder(gateway.uri(url.substring(RunningGateway.PUBLIC_BASE_URL.length())))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(png.length);
        assertThat(head.body()).isEmpty();
        String etag = head.headers().firstValue("ETag").orElseThrow();
        HttpResponse<byte[]> unchanged = MediaTestSupport.bytes(
                HttpRequest.newBuilder(gateway.uri(url.substring(RunningGateway.PUBLIC_BASE_URL.length())))
                        .header("If-None-Match", etag)
                        .build());
        assertThat(unchanged.statusCode()).isEqualTo(304);

        String signature = url.substring(url.length() - 1);
        String tampered = url.substring(0, url.length() - 1) + ("0".equals(signature) ? "1" : "0");
        HttpResponse<byte[]> forged = fetch(tampered, null);
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode forgedBody = Json.MAPPER.readTree(forged.body());
        assertThat(forgedBody.path("error").path("code").asText()).isEqualTo("signature_invalid");
        assertThat(new String(forged.body(), StandardCharsets.ISO_8859_1)).doesNotContain("PNG");

        // correctly signed with the gateway's secret, but for a time two days ago
        MediaSigner past = new MediaSigner(
                SIGNING_SECRET.getBytes(StandardCharsets.UTF_8),
                URI.create(RunningGateway.PUBLIC_BASE_URL),
                Clock.fixed(Instant.now().minus(Duration.ofDays(2)), ZoneOffset.UTC));
        String expired =
                past.url(item.path("key").asText(), Duration.ofMinutes(5)).toString();
        HttpResponse<byte[]> late = fetch(expired, null);
        assertThat(late.statusCode()).isEqualTo(403);
        assertThat(Json.MAPPER.readTree(late.body()).path("error").path("code").asText())
                .isEqualTo("url_expired");
        // the same signer, with a clock of now, is what the gateway accepts: the 403 is the expiry alone
        MediaSigner now = new MediaSigner(
                SIGNING_SECRET.getBytes(StandardCharsets.UTF_8),
                URI.create(RunningGateway.PUBLIC_BASE_URL),
                Clock.systemUTC());
        assertThat(fetch(
                                now.url(item.path("key").asText(), Duration.ofMinutes(5))
                                        .toString(),
                                null)
                        .statusCode())
                .isEqualTo(200);
    }

    // --- gateway helpers

    private static void accepted(HttpRequest webhook) {
        HttpResponse<String> response = send(webhook);
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
    }

    /** The message's first item once the media step has stored it. */
    private static JsonNode storedItem(String carrier, String carrierMessageId) {
        return processedItem(carrier, carrierMessageId);
    }

    /**
     * Finds the message by carrier and carrier message id, then reads {@code GET /v1/messages/{id}} until its
     * first item has a status (10 s at most).
     */
    private static JsonNode processedItem(String carrier, String carrierMessageId) {
        Instant deadline = Instant.now().plusSeconds(10);
        String messageId = null;
        JsonNode last = null;
        while (Instant.now().isBefore(deadline)) {
            if (messageId == null) {
                messageId = findMessageId(carrier, carrierMessageId);
            }
            if (messageId != null) {
                HttpResponse<String> response = gateway.api("/v1/messages/" + messageId);
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                last = json(response.body());
                JsonNode item = last.path("content").path("items").path(0);
                if (item.hasNonNull("status")) {
                    assertThat(last.path("carrier").asText()).isEqualTo(carrier);
                    assertThat(last.path("carrierMessageId").asText()).isEqualTo(carrierMessageId);
                    assertThat(last.path("content").path("type").asText()).isEqualTo("media");
                    assertThat(last.path("content").path("items")).hasSize(1);
                    return item;
                }
            }
            sleep(50);
        }
        throw new AssertionError("the " + carrier + " message " + carrierMessageId + " got no media status in 10 s"
                + (messageId == null ? " (no such message listed)" : ": " + last));
    }

    private static String findMessageId(String carrier, String carrierMessageId) {
        HttpResponse<String> page = gateway.api(
                "/v1/messages?carrier=" + carrier + "&since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z&limit=500");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        for (JsonNode message : json(page.body()).path("items")) {
            if (carrierMessageId.equals(message.path("carrierMessageId").asText())) {
                return message.path("messageId").asText();
            }
        }
        return null;
    }

    /** GET a signed URL of ours from the local gateway: the public base is where a proxy forwards to it. */
    private static HttpResponse<byte[]> fetch(String signedUrl, String range) {
        assertThat(signedUrl).startsWith(RunningGateway.PUBLIC_BASE_URL + "/media/");
        String local = signedUrl.substring(RunningGateway.PUBLIC_BASE_URL.length());
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri(local)).GET();
        if (range != null) {
            request.header("Range", range);
        }
        try {
            return CLIENT.send(
                    request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** A 640x480 PNG with a drawing of its own, so each carrier's file has its own bytes and key. */
    static byte[] png(String label, Color color) throws IOException {
        BufferedImage image = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setPaint(new GradientPaint(0, 0, Color.WHITE, 640, 480, color));
            g.fillRect(0, 0, 640, 480);
            g.setColor(color.darker());
            g.setStroke(new BasicStroke(8));
            g.drawRect(120, 140, 400, 260);
            g.drawLine(120, 140, 320, 40);
            g.drawLine(520, 140, 320, 40);
            g.fillOval(280, 220, 80, 80);
            // a bar code of the label's bytes (no fonts: a headless build machine may have none)
            g.setColor(Color.BLACK);
            byte[] bytes = label.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < bytes.length; i++) {
                g.fillRect(40 + i * 24, 420, 4 + (bytes[i] & 0x0F), 20 + (bytes[i] >> 4));
            }
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, "png", out)).isTrue();
        return out.toByteArray();
    }
}
