package io.omniservice.server.media;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.omniservice.server.media.MediaTestSupport.CLIENT;
import static io.omniservice.server.media.MediaTestSupport.hex32;
import static io.omniservice.server.media.MediaTestSupport.json;
import static io.omniservice.server.media.MediaTestSupport.sleep;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.omniservice.carriers.testkit.WebhookSigning;
import io.omniservice.core.json.Json;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.PlayedBandwidth;
import io.omniservice.server.support.RunningGateway;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outbound media end to end on one real gateway sending through WhatsApp, Twilio and Bandwidth as played by
 * WireMock: a client's {@code mediaUrl} is fetched, stored, converted to what the chosen carrier takes, and
 * either uploaded to the carrier (WhatsApp) or handed over as our signed URL to the stored variant (Twilio,
 * Bandwidth), which the local {@code /media} route then serves.
 */
class OutboundMediaTest {
    private static final String SIGNING_SECRET = "outbound-media-test-signing-secret-0123456789";
    private static final String TWILIO_SID = "AC" + "7e6d5c4b3a2918077e6d5c4b3a291807";
    private static final String TWILIO_SEND_PATH = "/2010-04-01/Accounts/" + TWILIO_SID + "/Messages.json";
    private static final String WHATSAPP_PHONE_NUMBER_ID = "106540352242922";
    private static final String WHATSAPP_API_VERSION = "v23.0";
    private static final String WHATSAPP_APP_SECRET = "outbound-media-whatsapp-app-secret";
    private static final String WHATSAPP_ACCESS_TOKEN = "EAAG-outbound-media-test-token-0123456789";
    private static final String WHATSAPP_SEND_PATH =
            "/" + WHATSAPP_API_VERSION + "/" + WHATSAPP_PHONE_NUMBER_ID + "/messages";
    private static final String WHATSAPP_UPLOAD_PATH =
            "/" + WHATSAPP_API_VERSION + "/" + WHATSAPP_PHONE_NUMBER_ID + "/media";
    private static final long FIVE_MIB = 5L * 1024 * 1024;

    private static final Pattern SIGNED_URL = Pattern.compile(Pattern.quote(RunningGateway.PUBLIC_BASE_URL)
            + "/media/([0-9a-f]{64})\\?expires=(\\d+)&signature=[0-9a-f]{64}");

    @TempDir
    static Path data;

    /** The carriers' APIs (Graph, Twilio, Bandwidth) and the client's file host, all on 127.0.0.1. */
    static WireMockServer api;

    static RunningGateway gateway;

    @BeforeAll
    static void start() {
        // carriers give every message its own id: templating fills one in per answer
        api = new WireMockServer(WireMockConfiguration.options()
                .bindAddress("127.0.0.1")
                .dynamicPort()
                .globalTemplating(true));
        api.start();
        String base = "http://127.0.0.1:" + api.port();
        gateway = new RunningGateway(
                data,
                1 << 20,
                """
                carriers:
                  whatsapp:
                    default:
                      appSecret: %s
                      verifyToken: outbound-media-verify-token
                      accessToken: %s
                      phoneNumberId: "%s"
                      apiBaseUrl: %s
                      apiVersion: %s
                  twilio:
                    default:
                      accountSid: %s
                      authToken: outbound-media-twilio-token
                      from: "+14155550199"
                      apiBaseUrl: %s
                      costPerMessage: 0.0079
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
                      costPerMessage: 0.0040
                outbound:
                  nodeId: media-test-node
                  pollMillis: 20
                  sendTimeoutMillis: 5000
                  retry: {maxAttempts: 2, initialBackoffMillis: 20, maxBackoffMillis: 100, maxRetryAfterSeconds: 5}
                media:
                  signingSecret: %s
                  fetch: {allowedNetworks: [127.0.0.1/32, "::1/128"], connectTimeoutMillis: 2000, timeoutSeconds: 20}
                processing:
                  pollMillis: 20
                """.formatted(
                                WHATSAPP_APP_SECRET,
                                WHATSAPP_ACCESS_TOKEN,
                                WHATSAPP_PHONE_NUMBER_ID,
                                base,
                                WHATSAPP_API_VERSION,
                                TWILIO_SID,
                                base,
                                base,
                                SIGNING_SECRET),
                ConfiguredCarriers.installedProviders());
        api.stubFor(post(urlPathEqualTo(TWILIO_SEND_PATH))
                .willReturn(aResponse()
                        .withStatus(201)
                        .withHeader("Content-Type", "application/json")
                        .withBody("""
                                {"sid":"MM{{randomValue length=32 type='HEXADECIMAL'}}","status":"queued",\
                                "num_segments":"1","num_media":"1","error_code":null,"error_message":null,\
                                "to":"+14155550100","from":"+14155550199"}""")));
        PlayedBandwidth.accepts(api);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (api != null) {
            api.stop();
        }
    }

    @Test
    void whatsAppGetsTheFileUploadedThenSentByItsMediaIdWithTheCaption() throws Exception {
        String waId = "16505550142";
        openWhatsAppWindow(waId);
        byte[] png = drawnPng(320, 240, new Color(0x25D366));
        String mediaId = "1013859600285441";
        String wamid = "wamid.HBgLMTY1MDU1NTAxNDIVAgARGBI" + hex32().toUpperCase(java.util.Locale.ROOT);
        api.stubFor(post(urlPathEqualTo(WHATSAPP_UPLOAD_PATH))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"id\":\"" + mediaId + "\"}")));
        api.stubFor(post(urlPathEqualTo(WHATSAPP_SEND_PATH))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "application/json")
                        .withBody("""
                                {"messaging_product":"whatsapp","contacts":[{"input":"%s","wa_id":"%s"}],\
                                "messages":[{"id":"%s"}]}""".formatted(waId, waId, wamid))));
        String url = served("/files/" + hex32() + "/receipt.png", png, "image/png");

        String messageId = accepted(media("+" + waId, "whatsapp", url, "your receipt"));
        JsonNode sent = awaitSent(messageId);

        assertThat(sent.path("carrier").asText()).isEqualTo("whatsapp");
        assertThat(sent.path("carrierMessageId").asText()).isEqualTo(wamid);

        List<LoggedRequest> uploads = api.findAll(postRequestedFor(urlPathEqualTo(WHATSAPP_UPLOAD_PATH)));
        assertThat(uploads).hasSize(1);
        LoggedRequest upload = uploads.getFirst();
        assertThat(upload.getHeader("Authorization")).isEqualTo("Bearer " + WHATSAPP_ACCESS_TOKEN);
        Map<String, Part> parts = multipart(upload);
        assertThat(parts).containsKeys("messaging_product", "type", "file");
        assertThat(parts.get("messaging_product").text()).isEqualTo("whatsapp");
        assertThat(parts.get("type").text()).isEqualTo("image/png");
        assertThat(parts.get("file").headers().toLowerCase(java.util.Locale.ROOT))
                .contains("filename=")
                .contains("content-type: image/png");
        assertThat(parts.get("file").body()).isEqualTo(png);

        List<LoggedRequest> sends = api.findAll(postRequestedFor(urlPathEqualTo(WHATSAPP_SEND_PATH)));
        assertThat(sends).hasSize(1);
        assertThat(sends.getFirst().getHeader("Authorization")).isEqualTo("Bearer " + WHATSAPP_ACCESS_TOKEN);
        JsonNode body = Json.MAPPER.readTree(sends.getFirst().getBodyAsString());
        assertThat(body.path("messaging_product").asText()).isEqualTo("whatsapp");
        assertThat(body.path("to").asText()).isEqualTo(waId);
        assertThat(body.path("type").asText()).as(body.toString()).isEqualTo("image");
        assertThat(body.path("image").path("id").asText()).isEqualTo(mediaId);
        assertThat(body.path("image").path("caption").asText()).isEqualTo("your receipt");
        assertThat(body.path("image").has("link"))
                .as("uploaded media goes by id only: %s", body)
                .isFalse();
        // the upload came before the send that names its id
        assertThat(upload.getLoggedDate()).isBeforeOrEqualTo(sends.getFirst().getLoggedDate());

        JsonNode item = sent.path("content").path("items").path(0);
        assertThat(item.path("status").asText()).isEqualTo("stored");
        assertThat(item.path("key").asText()).isEqualTo(sha256Hex(png));
    }

    @Test
    void aPngOverTwiliosFiveMegabytesGoesAsOurSignedUrlToAJpegVariantThatFits() throws Exception {
        byte[] png = noisyPng(1700, 1400);
        assertThat((long) png.length)
                .as("random pixels keep the PNG over Twilio's 5 MiB and under the 10 MiB image policy")
                .isBetween(FIVE_MIB + 1, 10L * 1024 * 1024);
        String originalKey = sha256Hex(png);
        String url = served("/files/" + hex32() + "/scan.png", png, "image/png");

        String to = "+14155550161";
        String messageId = accepted(media(to, "twilio", url, "the scan"));
        JsonNode sent = awaitSent(messageId);
        assertThat(sent.path("carrier").asText()).isEqualTo("twilio");

        LoggedRequest send = onlySendTo(TWILIO_SEND_PATH, to);
        Map<String, List<String>> form = form(send.getBodyAsString());
        assertThat(form.get("To")).containsExactly(to);
        assertThat(form.get("Body")).containsExactly("the scan");
        assertThat(form.get("MediaUrl")).hasSize(1);
        String given = form.get("MediaUrl").getFirst();
        Matcher signed = SIGNED_URL.matcher(given);
        assertThat(signed.matches()).as(given).isTrue();
        String variantKey = signed.group(1);
        assertThat(variantKey).isNotEqualTo(originalKey);

        HttpResponse<byte[]> fetched = fetch(given);
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(fetched.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        byte[] jpeg = fetched.body();
        assertThat((long) jpeg.length).isPositive().isLessThanOrEqualTo(FIVE_MIB);
        assertThat(jpeg).startsWith((byte) 0xFF, (byte) 0xD8, (byte) 0xFF);
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(jpeg));
        assertThat(decoded).as("the variant decodes as an image").isNotNull();
        assertThat(sha256Hex(jpeg)).as("content-addressed").isEqualTo(variantKey);

        // the message keeps the client's file as stored, not the carrier's variant
        JsonNode item = sent.path("content").path("items").path(0);
        assertThat(item.path("status").asText()).as(item.toString()).isEqualTo("stored");
        assertThat(item.path("key").asText()).isEqualTo(originalKey);
        assertThat(item.path("contentType").asText()).isEqualTo("image/png");
        assertThat(item.path("size").asLong()).isEqualTo(png.length);
        assertThat(item.path("carrierUrl").asText()).isEqualTo(url);
        HttpResponse<byte[]> original = fetch(item.path("url").asText());
        assertThat(original.statusCode()).isEqualTo(200);
        assertThat(original.body()).isEqualTo(png);
    }

    /** A phone's MOV reaches a carrier that takes only MP4 as an H.264 MP4. */
    @Test
    void aQuickTimeClipIsTranscodedToMp4ForBandwidthAndServedAsOurSignedUrl() throws Exception {
        assumeFfmpeg();
        byte[] mov;
        try (InputStream in = OutboundMediaTest.class.getResourceAsStream("/samples/convert-clip.mov")) {
            assertThat(in).as("samples/convert-clip.mov on the test class path").isNotNull();
            mov = in.readAllBytes();
        }
        assertSentToBandwidthAsH264Mp4(mov, "/clip.mov", "video/quicktime", "+14155550162");
    }

    @Test
    void anMp4OverBandwidthsLimitIsTranscodedToAnH264Mp4ThatFitsAndServedAsOurSignedUrl() throws Exception {
        assumeFfmpeg();
        // two seconds of noise in MPEG-4 Part 2 at a high quality: an MP4 Bandwidth takes by type, not by size
        Path big = data.resolve("big-" + hex32() + ".mp4");
        Process make = new ProcessBuilder(
                        "ffmpeg",
                        "-v",
                        "error",
                        "-y",
                        "-f",
                        "lavfi",
                        "-i",
                        "testsrc2=s=320x240:r=25:d=2,noise=alls=100:allf=t",
                        "-f",
                        "lavfi",
                        "-i",
                        "sine=f=440:d=2",
                        "-c:v",
                        "mpeg4",
                        "-q:v",
                        "2",
                        "-c:a",
                        "aac",
                        "-b:a",
                        "64k",
                        "-shortest",
                        big.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(make.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(make.exitValue()).as(output).isZero();
        byte[] mp4 = Files.readAllBytes(big);
        assertThat((long) mp4.length)
                .as("over Bandwidth's 3.5 MB, under the 64 MiB video policy")
                .isBetween(3_500_001L, 64L * 1024 * 1024);
        assertThat(videoCodec(mp4)).as("not already what the variant will be").isEqualTo("mpeg4");

        assertSentToBandwidthAsH264Mp4(mp4, "/noise.mp4", "video/mp4", "+14155550164");
    }

    /** Sends {@code video} to Bandwidth and checks the send names our signed URL of an H.264 MP4 within 3.5 MB. */
    private static void assertSentToBandwidthAsH264Mp4(byte[] video, String name, String servedAs, String to)
            throws Exception {
        String url = served("/files/" + hex32() + name, video, servedAs);

        String messageId = accepted(media(to, "bandwidth", url, "the clip"));
        JsonNode sent = awaitSent(messageId);
        assertThat(sent.path("carrier").asText()).isEqualTo("bandwidth");

        JsonNode body =
                Json.MAPPER.readTree(onlySendTo(PlayedBandwidth.SEND_PATH, to).getBodyAsString());
        assertThat(body.path("text").asText()).isEqualTo("the clip");
        assertThat(body.path("media")).as(body.toString()).hasSize(1);
        String given = body.path("media").path(0).asText();
        Matcher signed = SIGNED_URL.matcher(given);
        assertThat(signed.matches()).as(given).isTrue();
        assertThat(signed.group(1)).as("a variant, not the original").isNotEqualTo(sha256Hex(video));

        HttpResponse<byte[]> fetched = fetch(given);
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(fetched.headers().firstValue("Content-Type")).hasValue("video/mp4");
        byte[] mp4 = fetched.body();
        assertThat((long) mp4.length).isPositive().isLessThanOrEqualTo(3_500_000L);
        assertThat(new String(mp4, 4, 4, StandardCharsets.ISO_8859_1)).isEqualTo("ftyp");
        assertThat(sha256Hex(mp4)).as("content-addressed").isEqualTo(signed.group(1));
        if (onPath("ffprobe")) {
            assertThat(videoCodec(mp4)).isEqualTo("h264");
        }

        JsonNode item = sent.path("content").path("items").path(0);
        assertThat(item.path("key").asText()).as(item.toString()).isEqualTo(sha256Hex(video));
        assertThat(item.path("contentType").asText()).isEqualTo(servedAs);
    }

    private static void assumeFfmpeg() {
        Assumptions.assumeTrue(
                onPath("ffmpeg"), "ffmpeg is not on the PATH: the gateway cannot transcode video, nothing to prove");
    }

    @Test
    void aSpreadsheetNoCarrierTakesIsRefusedWith422NamingEachCarriersReason() throws Exception {
        String url = served("/files/" + hex32() + "/prices.xlsx", xlsx(), "application/octet-stream");
        String to = "+14155550163";

        HttpResponse<String> refused = postMessage(media(to, null, url, "the prices"));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        assertThat(refused.body()).contains("no_capable_carrier");
        String xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        assertThat(refused.body())
                .contains("twilio/default: takes no " + xlsx)
                .contains("bandwidth/default: takes no " + xlsx)
                // WhatsApp takes spreadsheets, but this number never wrote to us: no window, no templateId
                .contains("whatsapp/default: outside WhatsApp's 24-hour window");
        assertThat(api.findAll(anyRequestedFor(anyUrl())).stream()
                        .filter(r -> r.getBodyAsString().contains(to.substring(1))))
                .as("nothing went to any carrier")
                .isEmpty();
    }

    // --- the gateway's side

    private static String media(String to, String preferred, String url, String caption) {
        return """
                {"to": {"phoneNumber": "%s"%s},
                 "content": {"type": "media", "mediaUrl": "%s", "text": "%s"}}""".formatted(
                        to, preferred == null ? "" : ", \"preferredCarrier\": \"" + preferred + "\"", url, caption);
    }

    private static HttpResponse<String> postMessage(String body) {
        return gateway.send(HttpRequest.newBuilder(gateway.uri("/v1/messages"))
                .header("Authorization", "Bearer " + RunningGateway.API_KEY)
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static String accepted(String body) {
        HttpResponse<String> accepted = postMessage(body);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return json(accepted.body()).path("messageId").asText();
    }

    /** Reads the message until it is {@code sent} (60 s at most: a transcode runs on two cores). */
    private static JsonNode awaitSent(String messageId) {
        Instant deadline = Instant.now().plusSeconds(60);
        JsonNode last = null;
        while (Instant.now().isBefore(deadline)) {
            HttpResponse<String> response = gateway.api("/v1/messages/" + messageId);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            last = json(response.body());
            String status = last.path("status").asText();
            if ("sent".equals(status)) {
                return last;
            }
            assertThat(status).as(last.toString()).isNotIn("failed", "dead_lettered", "expired", "undeliverable");
            sleep(50);
        }
        throw new AssertionError("message " + messageId + " not sent in 60 s: " + last);
    }

    /** A text from the number on WhatsApp, signed as Meta signs it: opens the 24-hour window for media. */
    private static void openWhatsAppWindow(String waId) {
        String wamid = "wamid.HBgLMTY1MDU1NTAxNDIVAgASGBQ" + hex32().toUpperCase(java.util.Locale.ROOT);
        String body = """
                {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":\
                {"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",\
                "phone_number_id":"%s"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"%s"}],\
                "messages":[{"from":"%s","id":"%s","timestamp":"%d","type":"text",\
                "text":{"body":"Can you send me the receipt?"}}]},"field":"messages"}]}]}""".formatted(
                WHATSAPP_PHONE_NUMBER_ID, waId, waId, wamid, Instant.now().getEpochSecond());
        HttpResponse<String> answer = gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/whatsapp"))
                .header("Content-Type", "application/json")
                .header("X-Hub-Signature-256", WebhookSigning.metaSignature(WHATSAPP_APP_SECRET, body))
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(answer.statusCode()).as(answer.body()).isBetween(200, 299);
        Instant deadline = Instant.now().plusSeconds(10);
        while (Instant.now().isBefore(deadline)) {
            HttpResponse<String> page = gateway.api("/v1/messages?carrier=whatsapp"
                    + "&since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z&limit=500");
            for (JsonNode message : json(page.body()).path("items")) {
                if (wamid.equals(message.path("carrierMessageId").asText())) {
                    return;
                }
            }
            sleep(50);
        }
        throw new AssertionError("the inbound WhatsApp text " + wamid + " was not stored in 10 s");
    }

    /** GET one of our signed URLs from the local gateway: the public base is where a proxy forwards to it. */
    private static HttpResponse<byte[]> fetch(String signedUrl) throws Exception {
        assertThat(signedUrl).startsWith(RunningGateway.PUBLIC_BASE_URL + "/media/");
        String local = signedUrl.substring(RunningGateway.PUBLIC_BASE_URL.length());
        return CLIENT.send(
                HttpRequest.newBuilder(gateway.uri(local))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    // --- the carriers' side

    private static String served(String path, byte[] body, String contentType) {
        api.stubFor(get(urlPathEqualTo(path))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", contentType)
                        .withBody(body)));
        return "http://127.0.0.1:" + api.port() + path;
    }

    /** The one send made to this recipient on this carrier path. */
    private static LoggedRequest onlySendTo(String path, String to) {
        List<LoggedRequest> sends = api.findAll(postRequestedFor(urlPathEqualTo(path))).stream()
                .filter(r -> r.getBodyAsString().contains(to.substring(1)))
                .toList();
        assertThat(sends).as("sends to %s on %s", to, path).hasSize(1);
        return sends.getFirst();
    }

    private static Map<String, List<String>> form(String body) {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            fields.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return fields;
    }

    /** One part of a {@code multipart/form-data} body: its header lines and its exact bytes. */
    private record Part(String headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** The parts of a multipart body by name, read from the raw bytes (RFC 7578), independently of the sender. */
    private static Map<String, Part> multipart(LoggedRequest request) {
        String contentType = request.getHeader("Content-Type");
        assertThat(contentType).startsWith("multipart/form-data");
        Matcher boundary = Pattern.compile("boundary=\"?([^\";]+)\"?").matcher(contentType);
        assertThat(boundary.find()).as(contentType).isTrue();
        // ISO-8859-1 maps every byte to one char and back, so file bytes survive the round trip
        String raw = new String(request.getBody(), StandardCharsets.ISO_8859_1);
        String delimiter = "--" + boundary.group(1);
        assertThat(raw).startsWith(delimiter).contains(delimiter + "--");
        Map<String, Part> parts = new LinkedHashMap<>();
        int at = raw.indexOf(delimiter);
        while (true) {
            int start = at + delimiter.length();
            if (raw.startsWith("--", start)) {
                return parts;
            }
            int next = raw.indexOf("\r\n" + delimiter, start);
            assertThat(next).as("a closing delimiter").isPositive();
            String part = raw.substring(start + 2, next);
            int split = part.indexOf("\r\n\r\n");
            String headers = part.substring(0, split);
            Matcher name = Pattern.compile("name=\"([^\"]*)\"").matcher(headers);
            assertThat(name.find()).as(headers).isTrue();
            parts.put(
                    name.group(1), new Part(headers, part.substring(split + 4).getBytes(StandardCharsets.ISO_8859_1)));
            at = next + 2;
        }
    }

    // --- files

    private static byte[] drawnPng(int width, int height, Color color) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(color);
            g.fillRect(width / 8, height / 8, width / 2, height / 2);
            g.setColor(Color.BLACK);
            g.fillOval(width / 2, height / 2, width / 4, height / 4);
        } finally {
            g.dispose();
        }
        return png(image);
    }

    /** Random pixels: PNG cannot compress them, so the file is about three bytes a pixel. */
    private static byte[] noisyPng(int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(20261125);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        return png(image);
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, "png", out)).isTrue();
        return out.toByteArray();
    }

    /** The smallest Office Open XML workbook: content types, the package relationship, and its main part. */
    private static byte[] xlsx() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String main = "xl/workbook.xml";
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("[Content_Types].xml"));
            zip.write(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                            + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                            + "<Default Extension=\"rels\" "
                            + "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                            + "<Override PartName=\"/" + main + "\" ContentType=\""
                            + "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/></Types>")
                    .getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("_rels/.rels"));
            zip.write(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                            + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                            + "<Relationship Id=\"rId1\" Target=\"" + main + "\" Type=\"http://schemas.openxmlformats"
                            + ".org/officeDocument/2006/relationships/officeDocument\"/></Relationships>")
                    .getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry(main));
            zip.write(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                            + "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
                            + "<sheets/></workbook>")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    // --- tools

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** The first video stream's codec as ffprobe names it. */
    private static String videoCodec(byte[] file) throws Exception {
        Path clip = Files.createTempFile(data, "variant-", ".mp4");
        Files.write(clip, file);
        Process probe = new ProcessBuilder(
                        "ffprobe",
                        "-v",
                        "error",
                        "-select_streams",
                        "v:0",
                        "-show_entries",
                        "stream=codec_name",
                        "-of",
                        "default=noprint_wrappers=1:nokey=1",
                        clip.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(probe.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(probe.exitValue()).as(output).isZero();
        return output;
    }

    private static String sha256Hex(byte[] bytes) {
        return WebhookSigning.hex(WebhookSigning.sha256(bytes));
    }
}
