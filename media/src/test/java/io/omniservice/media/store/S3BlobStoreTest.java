package io.omniservice.media.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.media.BlobStore;
import io.omniservice.core.media.MediaKeys;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

class S3BlobStoreTest extends BlobStoreContract {
    static final String BUCKET = "omniservice-media";
    static final String PREFIX = "media/";

    static S3ProxyServer server;

    @BeforeAll
    static void startServerAndCreateBucket() throws Exception {
        server = new S3ProxyServer();
        try (S3Client admin = S3Client.builder()
                .region(Region.of(S3ProxyServer.REGION))
                .endpointOverride(server.endpoint())
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build()) {
            admin.createBucket(request -> request.bucket(BUCKET));
        }
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.stop();
    }

    @Override
    BlobStore newStore() {
        return new S3BlobStore(server.settings(BUCKET, "media"));
    }

    @Override
    Object writeMark(String key) {
        return server.uploads(PREFIX + key);
    }

    @Test
    void objectsAreKeptUnderThePrefix() throws Exception {
        Sample sample = sample(100);

        store.put(sample.key(), sample.file(), "text/plain");

        assertThat(server.holds(BUCKET, PREFIX + sample.key())).isTrue();
        assertThat(server.holds(BUCKET, sample.key())).isFalse();
        assertThat(server.uploads(PREFIX + sample.key())).isEqualTo(1);
    }

    @Test
    void presignedUrlServesTheBytesWithoutTheGateway() throws Exception {
        Sample sample = sample(SIZE);
        store.put(sample.key(), sample.file(), "image/png");

        URI url = store.presign(sample.key(), Duration.ofMinutes(5)).orElseThrow();
        HttpResponse<byte[]> response = fetch(url);

        assertThat(url.getRawQuery()).contains("X-Amz-Signature=");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("image/png");
        assertThat(response.body()).isEqualTo(sample.bytes());
    }

    @Test
    void tamperedPresignedUrlIsRefused() throws Exception {
        Sample sample = sample(100);
        Sample other = sample(100);
        store.put(sample.key(), sample.file(), "image/png");
        store.put(other.key(), other.file(), "image/png");
        String url =
                store.presign(sample.key(), Duration.ofMinutes(5)).orElseThrow().toString();

        String signature = url.replaceAll(".*X-Amz-Signature=([0-9a-f]+).*", "$1");
        char last = signature.charAt(signature.length() - 1);
        String otherSignature = signature.substring(0, signature.length() - 1) + (last == '0' ? '1' : '0');

        assertThat(fetch(URI.create(url.replace(signature, otherSignature))).statusCode())
                .isEqualTo(403);
        assertThat(fetch(URI.create(url.replace(sample.key(), other.key()))).statusCode())
                .isEqualTo(403);
        assertThat(fetch(URI.create(url.replace("X-Amz-Expires=300", "X-Amz-Expires=600")))
                        .statusCode())
                .isEqualTo(403);
        assertThat(fetch(URI.create(url)).statusCode()).isEqualTo(200);
    }

    @Test
    void quarantinedBlobsAreNeverPresigned() throws Exception {
        Sample sample = sample(100);
        String quarantined = MediaKeys.quarantined(sample.key());
        store.put(quarantined, sample.file(), "application/zip");

        assertThatThrownBy(() -> store.presign(quarantined, Duration.ofMinutes(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only content keys");
    }

    @Test
    void unreachableServerFailsWithAnIOExceptionNamingBucketAndKey() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        S3Settings nowhere = new S3Settings(
                "nowhere-bucket",
                S3ProxyServer.REGION,
                URI.create("http://127.0.0.1:" + closedPort),
                true,
                S3ProxyServer.ACCESS_KEY,
                S3ProxyServer.SECRET_KEY,
                null);
        Sample sample = sample(10);

        try (S3BlobStore unreachable = new S3BlobStore(nowhere)) {
            assertThatThrownBy(() -> unreachable.stat(sample.key()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("HeadObject")
                    .hasMessageContaining("s3://nowhere-bucket/" + sample.key());
        }
    }

    @Test
    void wrongCredentialsFailWithAnIOExceptionRatherThanLookingMissing() throws Exception {
        S3Settings wrong = new S3Settings(
                BUCKET,
                S3ProxyServer.REGION,
                server.endpoint(),
                true,
                S3ProxyServer.ACCESS_KEY,
                "not-the-secret",
                null);
        Sample sample = sample(10);

        try (S3BlobStore denied = new S3BlobStore(wrong)) {
            assertThatThrownBy(() -> denied.open(sample.key(), 0, -1))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("GetObject of s3://" + BUCKET + "/" + sample.key());
        }
    }

    private static HttpResponse<byte[]> fetch(URI url) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofByteArray());
        }
    }
}
