package io.omniservice.media.store;

import io.omniservice.core.media.BlobStore;
import io.omniservice.core.media.StoredBlob;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.GetObjectPresignRequest;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The {@link BlobStore} of the PostgreSQL and AWS modes: an S3 bucket (or any S3-compatible server), so
 * several gateways share one media store and carriers can fetch files by presigned URL without passing
 * through the gateway. Talks HTTP through the JDK's {@code HttpURLConnection}, keeping Netty and Apache
 * HttpClient out of the distribution.
 *
 * <p>Content addressing makes a put idempotent: when {@code HeadObject} finds the key nothing is sent. Two
 * gateways racing on the same key both upload the same bytes, and S3 replaces objects atomically.
 */
public final class S3BlobStore implements BlobStore {
    private static final String UNKNOWN_TYPE = "application/octet-stream";
    private static final int RANGE_NOT_SATISFIABLE = 416;
    private static final int NOT_FOUND = 404;

    private final S3Settings settings;
    private final AwsCredentialsProvider credentials;
    private final S3Client client;
    private final S3Presigner presigner;

    public S3BlobStore(S3Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.credentials = settings.hasStaticCredentials()
                ? StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()))
                : DefaultCredentialsProvider.builder().build();
        Region region = Region.of(settings.region());
        S3Configuration addressing = S3Configuration.builder()
                .pathStyleAccessEnabled(settings.pathStyle())
                .build();

        S3ClientBuilder clientBuilder = S3Client.builder()
                .region(region)
                .credentialsProvider(credentials)
                .serviceConfiguration(addressing)
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        S3Presigner.Builder presignerBuilder = S3Presigner.builder()
                .region(region)
                .credentialsProvider(credentials)
                .serviceConfiguration(addressing);
        if (settings.endpoint() != null) {
            clientBuilder.endpointOverride(settings.endpoint());
            presignerBuilder.endpointOverride(settings.endpoint());
            // S3-compatible servers lag behind AWS's default CRC trailers; send and check checksums only where
            // an operation demands them, which every server understands.
            clientBuilder
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        this.client = clientBuilder.build();
        this.presigner = presignerBuilder.build();
    }

    public S3Settings settings() {
        return settings;
    }

    @Override
    public StoredBlob put(String key, Path file, String contentType) throws IOException {
        BlobArguments.storable(key);
        BlobArguments.contentType(contentType);
        Objects.requireNonNull(file, "file");
        Optional<StoredBlob> existing = stat(key);
        if (existing.isPresent()) {
            return existing.get();
        }
        long size = Files.size(file);
        String objectKey = settings.objectKey(key);
        try {
            client.putObject(
                    request -> request.bucket(settings.bucket())
                            .key(objectKey)
                            .contentType(contentType)
                            .contentLength(size),
                    RequestBody.fromFile(file));
        } catch (SdkException e) {
            throw failure("PutObject", objectKey, e);
        }
        return new StoredBlob(key, contentType, size);
    }

    @Override
    public Optional<StoredBlob> stat(String key) throws IOException {
        String objectKey = settings.objectKey(BlobArguments.storable(key));
        try {
            HeadObjectResponse head = client.headObject(
                    request -> request.bucket(settings.bucket()).key(objectKey));
            String type = head.contentType() == null ? UNKNOWN_TYPE : head.contentType();
            return Optional.of(new StoredBlob(key, type, head.contentLength()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            // HEAD answers carry no body, so a missing key often arrives as a bare 404 without an error code.
            if (e.statusCode() == NOT_FOUND) {
                return Optional.empty();
            }
            throw failure("HeadObject", objectKey, e);
        } catch (SdkException e) {
            throw failure("HeadObject", objectKey, e);
        }
    }

    /** Past the object's end there is nothing to read: an empty stream rather than S3's 416. */
    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        String objectKey = settings.objectKey(BlobArguments.storable(key));
        BlobArguments.range(offset, length);
        if (length == 0) {
            if (stat(key).isEmpty()) {
                throw missing(objectKey);
            }
            return InputStream.nullInputStream();
        }
        GetObjectRequest.Builder request =
                GetObjectRequest.builder().bucket(settings.bucket()).key(objectKey);
        if (offset > 0 || length > 0) {
            request.range("bytes=" + offset + "-" + (length < 0 ? "" : String.valueOf(offset + length - 1)));
        }
        try {
            return client.getObject(request.build());
        } catch (NoSuchKeyException e) {
            throw missing(objectKey);
        } catch (S3Exception e) {
            if (e.statusCode() == NOT_FOUND) {
                throw missing(objectKey);
            }
            if (e.statusCode() == RANGE_NOT_SATISFIABLE) {
                return InputStream.nullInputStream(); // S3 answers 404 before 416, so the object exists
            }
            throw failure("GetObject", objectKey, e);
        } catch (SdkException e) {
            throw failure("GetObject", objectKey, e);
        }
    }

    /** S3 deletes are idempotent: a key that is not stored is already deleted. */
    @Override
    public void delete(String key) throws IOException {
        String objectKey = settings.objectKey(BlobArguments.storable(key));
        try {
            client.deleteObject(request -> request.bucket(settings.bucket()).key(objectKey));
        } catch (SdkException e) {
            throw failure("DeleteObject", objectKey, e);
        }
    }

    /**
     * A presigned GET valid for {@code ttl} (at most 7 days, S3's limit), signed locally without a request.
     * Quarantined keys are refused: they are never handed out.
     */
    @Override
    public Optional<URI> presign(String key, Duration ttl) {
        BlobArguments.servable(key);
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("presigned URL lifetime must be positive: " + ttl);
        }
        String objectKey = settings.objectKey(key);
        try {
            GetObjectPresignRequest request = GetObjectPresignRequest.builder()
                    .signatureDuration(ttl)
                    .getObjectRequest(get -> get.bucket(settings.bucket()).key(objectKey))
                    .build();
            return Optional.of(presigner.presignGetObject(request).url().toURI());
        } catch (SdkException | URISyntaxException e) {
            throw new IllegalStateException(
                    "cannot presign s3://%s/%s: %s".formatted(settings.bucket(), objectKey, e.getMessage()), e);
        }
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            try {
                presigner.close();
            } finally {
                if (credentials instanceof SdkAutoCloseable owned) {
                    owned.close(); // the default chain may hold a refreshing thread; fixed keys hold nothing
                }
            }
        }
    }

    private NoSuchFileException missing(String objectKey) {
        return new NoSuchFileException("s3://" + settings.bucket() + "/" + objectKey, null, "no such object");
    }

    private IOException failure(String operation, String objectKey, SdkException e) {
        return new IOException(
                "S3 %s of s3://%s/%s failed: %s".formatted(operation, settings.bucket(), objectKey, e.getMessage()), e);
    }
}
