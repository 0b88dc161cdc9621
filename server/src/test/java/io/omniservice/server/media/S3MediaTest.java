package io.omniservice.server.media;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.omniservice.server.media.MediaTestSupport.CLIENT;
import static io.omniservice.server.media.MediaTestSupport.json;
import static io.omniservice.server.media.MediaTestSupport.send;
import static io.omniservice.server.media.MediaTestSupport.sleep;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.omniservice.carriers.testkit.WebhookSigning;
import io.omniservice.core.json.Json;
import io.omniservice.media.sign.MediaSigner;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.InJvmS3;
import io.omniservice.server.support.InboundWebhooks;
import io.omniservice.server.support.RunningGateway;
import java.awt.Color;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * A real gateway whose media store is an S3 bucket (S3Proxy in this JVM): an inbound image lands in the
 * bucket under its SHA-256 with its thumbnail, the API links it by presigned S3 URLs that S3 honours, and
 * the gateway's own signed {@code /media} route still serves it out of the bucket.
 */
class S3MediaTest {
    private static final String BUCKET = "omniservice-media";
    private static final String SIGNING_SECRET = "s3-media-test-signing-secret-0123456789";

    @TempDir
    static Path data;

    /** The carrier's media host. */
    static WireMockServer cdn;

    static InJvmS3 s3;
    static S3Client bucket;
    static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        s3 = new InJvmS3();
        bucket = s3.client();
        bucket.createBucket(b -> b.bucket(BUCKET));
        cdn = new WireMockServer(
                WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        cdn.start();
        gateway = new RunningGateway(
                data,
                1 << 20,
                InboundWebhooks.carriersYaml("http://127.0.0.1:" + cdn.port())
                        + """
                        media:
                          signingSecret: %s
                          s3:
                            bucket: %s
                            endpoint: %s
                            accessKeyId: %s
                            secretAccessKey: %s
                            region: %s
                          fetch: {allowedNetworks: [127.0.0.1/32]}
                        processing:
                          pollMillis: 20
                        """.formatted(
                                        SIGNING_SECRET,
                                        BUCKET,
                                        s3.endpoint(),
                                        InJvmS3.ACCESS_KEY,
                                        InJvmS3.SECRET_KEY,
                                        InJvmS3.REGION),
                ConfiguredCarriers.installedProviders());
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (cdn != null) {
            cdn.stop();
        }
        if (bucket != null) {
            bucket.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void inboundImageIsStoredInTheBucketUnderItsSha256AndLinkedByPresignedUrls() throws Exception {
        byte[] png = InboundMediaTest.png("s3-presigned", new Color(0xFF9900));
        String sha256 = WebhookSigning.hex(WebhookSigning.sha256(png));

        JsonNode item = storedItem(png);

        assertThat(item.path("key").asText()).isEqualTo(sha256);
        assertThat(item.path("sha256").asText()).isEqualTo(sha256);
        assertThat(item.path("size").asLong()).isEqualTo(png.length);

        // the bucket holds the file under its hash, no prefix, with its type
        HeadObjectResponse head = bucket.headObject(b -> b.bucket(BUCKET).key(sha256));
        assertThat(head.contentLength()).isEqualTo(png.length);
        assertThat(head.contentType()).isEqualTo("image/png");
        ResponseBytes<GetObjectResponse> object =
                bucket.getObjectAsBytes(b -> b.bucket(BUCKET).key(sha256));
        assertThat(object.asByteArray()).isEqualTo(png);

        String thumbnailKey = item.path("thumbnailKey").asText();
        assertThat(thumbnailKey).isNotEmpty().isNotEqualTo(sha256);
        HeadObjectResponse thumbnailHead =
                bucket.headObject(b -> b.bucket(BUCKET).key(thumbnailKey));
        assertThat(thumbnailHead.contentType()).isEqualTo("image/jpeg");
        assertThat(bucket.getObjectAsBytes(b -> b.bucket(BUCKET).key(thumbnailKey))
                        .asByteArray())
                .startsWith((byte) 0xFF, (byte) 0xD8, (byte) 0xFF);

        // nothing of it kept on the gateway's disk
        try (Stream<Path> files = Files.walk(data)) {
            assertThat(files.map(path -> path.getFileName().toString())).doesNotContain(sha256, thumbnailKey);
        }

        // the API links straight to S3, presigned for media.urlTtlMinutes (a day by default)
        URI url = URI.create(item.path("url").asText());
        assertPresigned(url, sha256);
        assertThat(url.getRawQuery()).contains("X-Amz-Expires=86400");
        HttpResponse<byte[]> fromS3 = fetch(url);
        assertThat(fromS3.statusCode()).isEqualTo(200);
        assertThat(fromS3.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(fromS3.body()).isEqualTo(png);

        URI thumbnailUrl = URI.create(item.path("thumbnailUrl").asText());
        assertPresigned(thumbnailUrl, thumbnailKey);
        HttpResponse<byte[]> thumbnail = fetch(thumbnailUrl);
        assertThat(thumbnail.statusCode()).isEqualTo(200);
        assertThat(thumbnail.body()).startsWith((byte) 0xFF, (byte) 0xD8, (byte) 0xFF);

        // S3 checks the signature: the same URL for another object is refused
        byte[] other = InboundMediaTest.png("s3-never-uploaded", Color.GRAY);
        String otherKey = WebhookSigning.hex(WebhookSigning.sha256(other));
        URI forged = URI.create(url.toString().replace(sha256, otherKey));
        assertThat(fetch(forged).statusCode()).isEqualTo(403);
    }

    @Test
    void gatewaysOwnMediaRouteServesTheObjectFromTheBucketWithAGatewaySignature() throws Exception {
        byte[] png = InboundMediaTest.png("s3-media-route", new Color(0x232F3E));
        String sha256 = WebhookSigning.hex(WebhookSigning.sha256(png));
        JsonNode item = storedItem(png);
        assertThat(item.path("key").asText()).isEqualTo(sha256);

        MediaSigner signer = new MediaSigner(
                SIGNING_SECRET.getBytes(StandardCharsets.UTF_8),
                URI.create(RunningGateway.PUBLIC_BASE_URL),
                Clock.systemUTC());
        String signed = signer.url(sha256, Duration.ofMinutes(5)).toString();
        assertThat(signed).startsWith(RunningGateway.PUBLIC_BASE_URL + "/media/" + sha256 + "?");

        HttpResponse<byte[]> served = fetch(local(signed));
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(served.headers().firstValueAsLong("Content-Length")).hasValue(png.length);
        assertThat(served.body()).isEqualTo(png);

        // signed with another secret: the route checks signatures in S3 mode too
        MediaSigner stranger = new MediaSigner(
                "not-the-gateways-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8),
                URI.create(RunningGateway.PUBLIC_BASE_URL),
                Clock.systemUTC());
        HttpResponse<byte[]> refused =
                fetch(local(stranger.url(sha256, Duration.ofMinutes(5)).toString()));
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(Json.MAPPER
                        .readTree(refused.body())
                        .path("error")
                        .path("code")
                        .asText())
                .isEqualTo("signature_invalid");
    }

    /** Serves {@code png} on the carrier's host, posts a signed Inteliquent MMS naming it, and waits for it. */
    private static JsonNode storedItem(byte[] png) {
        String path = "/inbound/" + UUID.randomUUID() + "/IMG_0500.png";
        cdn.stubFor(get(urlPathEqualTo(path))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "image/png")
                        .withBody(png)));
        String messageId = UUID.randomUUID().toString();
        HttpResponse<String> accepted =
                send(InboundWebhooks.inteliquentMms(gateway, messageId, "http://127.0.0.1:" + cdn.port() + path));
        assertThat(accepted.statusCode()).as(accepted.body()).isBetween(200, 299);

        JsonNode item = processedItem(messageId);
        assertThat(item.path("status").asText()).as(item.toString()).isEqualTo("stored");
        assertThat(item.path("contentType").asText()).isEqualTo("image/png");
        return item;
    }

    /** Finds the message, then reads {@code GET /v1/messages/{id}} until its item has a status (10 s at most). */
    private static JsonNode processedItem(String carrierMessageId) {
        Instant deadline = Instant.now().plusSeconds(10);
        String messageId = null;
        JsonNode last = null;
        while (Instant.now().isBefore(deadline)) {
            if (messageId == null) {
                HttpResponse<String> page = gateway.api("/v1/messages?carrier=inteliquent"
                        + "&since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z&limit=500");
                assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
                for (JsonNode message : json(page.body()).path("items")) {
                    if (carrierMessageId.equals(message.path("carrierMessageId").asText())) {
                        messageId = message.path("messageId").asText();
                    }
                }
            }
            if (messageId != null) {
                HttpResponse<String> response = gateway.api("/v1/messages/" + messageId);
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                last = json(response.body());
                JsonNode item = last.path("content").path("items").path(0);
                if (item.hasNonNull("status")) {
                    return item;
                }
            }
            sleep(50);
        }
        throw new AssertionError("the message " + carrierMessageId + " got no media status in 10 s"
                + (messageId == null ? " (no such message listed)" : ": " + last));
    }

    /** A presigned GET for {@code key} on S3Proxy, path-style: not one of the gateway's URLs. */
    private static void assertPresigned(URI url, String key) {
        assertThat(url.getScheme()).isEqualTo("http");
        assertThat(url.getHost()).isEqualTo("127.0.0.1");
        assertThat(url.getPort()).isEqualTo(s3.port());
        assertThat(url.getPath()).isEqualTo("/" + BUCKET + "/" + key);
        assertThat(url.getRawQuery())
                .contains("X-Amz-Algorithm=AWS4-HMAC-SHA256")
                .contains("X-Amz-Credential=" + InJvmS3.ACCESS_KEY + "%2F")
                .containsPattern("X-Amz-Signature=[0-9a-f]{64}");
        assertThat(url.toString()).doesNotStartWith(RunningGateway.PUBLIC_BASE_URL);
    }

    /** A signed URL of the gateway's, sent to the local gateway: the public base is where a proxy forwards. */
    private static URI local(String signedUrl) {
        assertThat(signedUrl).startsWith(RunningGateway.PUBLIC_BASE_URL + "/media/");
        return gateway.uri(signedUrl.substring(RunningGateway.PUBLIC_BASE_URL.length()));
    }

    private static HttpResponse<byte[]> fetch(URI uri) {
        try {
            return CLIENT.send(
                    HttpRequest.newBuilder(uri)
                            .GET()
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
