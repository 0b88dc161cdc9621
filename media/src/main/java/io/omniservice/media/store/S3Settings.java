package io.omniservice.media.store;

import java.net.URI;
import java.util.Objects;

/**
 * Where {@link S3BlobStore} keeps media: one bucket, on AWS or on any S3-compatible server (MinIO, Ceph,
 * S3Proxy, R2...). Checked when built, so a bad configuration fails at start-up rather than at the first
 * upload.
 *
 * @param bucket the bucket, which must already exist
 * @param region the signing region, e.g. {@code eu-west-1}; S3-compatible servers usually accept {@code us-east-1}
 * @param endpoint the server's base URL; {@code null} means AWS itself
 * @param pathStyle address the bucket as {@code endpoint/bucket/key} instead of {@code bucket.endpoint/key},
 *     which most self-hosted servers need
 * @param accessKeyId with {@code secretAccessKey}, fixed credentials; both {@code null} means the AWS
 *     default chain (environment, profile, container or instance role)
 * @param secretAccessKey see {@code accessKeyId}; never printed by {@link #toString()}
 * @param prefix a folder inside the bucket for the gateway's objects, e.g. {@code media}; {@code null} or
 *     blank means the bucket's top level. Normalized to end with one {@code /}.
 */
public record S3Settings(
        String bucket,
        String region,
        URI endpoint,
        boolean pathStyle,
        String accessKeyId,
        String secretAccessKey,
        String prefix) {

    public S3Settings {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("S3 bucket must be set");
        }
        if (region == null || region.isBlank()) {
            throw new IllegalArgumentException("S3 region must be set (S3-compatible servers usually take us-east-1)");
        }
        if (endpoint != null
                && (!endpoint.isAbsolute()
                        || !("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme()))
                        || endpoint.getHost() == null)) {
            throw new IllegalArgumentException("S3 endpoint must be an absolute http(s) URL: " + endpoint);
        }
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw new IllegalArgumentException(
                    "S3 access key id and secret access key must be set together, or both left out for the default chain");
        }
        if (accessKeyId != null && (accessKeyId.isBlank() || secretAccessKey.isBlank())) {
            throw new IllegalArgumentException("S3 access key id and secret access key must not be blank");
        }
        prefix = normalizedPrefix(prefix);
    }

    /** Settings for AWS itself with the default credentials chain. */
    public static S3Settings aws(String bucket, String region) {
        return new S3Settings(bucket, region, null, false, null, null, null);
    }

    /** The object key under which a blob key is stored. */
    String objectKey(String key) {
        return prefix + key;
    }

    /** Whether fixed credentials were given rather than the default chain. */
    boolean hasStaticCredentials() {
        return accessKeyId != null;
    }

    @Override
    public String toString() {
        return "S3Settings[bucket=%s, region=%s, endpoint=%s, pathStyle=%s, accessKeyId=%s, secretAccessKey=%s, prefix=%s]"
                .formatted(
                        bucket,
                        region,
                        Objects.requireNonNullElse(endpoint, "AWS"),
                        pathStyle,
                        accessKeyId,
                        secretAccessKey == null ? null : "***",
                        prefix);
    }

    private static String normalizedPrefix(String prefix) {
        if (prefix == null || prefix.isBlank()) {
            return "";
        }
        String trimmed = prefix.strip().replaceAll("^/+|/+$", "");
        return trimmed.isEmpty() ? "" : trimmed + "/";
    }
}
