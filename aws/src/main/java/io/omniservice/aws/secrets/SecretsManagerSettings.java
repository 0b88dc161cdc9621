package io.omniservice.aws.secrets;

import java.net.URI;
import java.time.Duration;

/**
 * How to reach Secrets Manager ({@code secrets.secretsManager} in the configuration): the region (null: the
 * SDK's chain, such as {@code AWS_REGION}), another endpoint (null: AWS's own; a stand-in in tests), static
 * credentials (null: the SDK's default chain, such as the task role), and how long a secret is used before it
 * is read again.
 */
public record SecretsManagerSettings(
        String region, URI endpoint, String accessKeyId, String secretAccessKey, Duration cacheTtl) {
    public static final Duration DEFAULT_CACHE_TTL = Duration.ofMinutes(5);

    public SecretsManagerSettings {
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw new IllegalArgumentException("give both accessKeyId and secretAccessKey, or neither");
        }
        if (cacheTtl == null || cacheTtl.isNegative() || cacheTtl.isZero()) {
            throw new IllegalArgumentException("the cache time must be positive");
        }
    }

    /** AWS's endpoint in the SDK's region, with the SDK's credentials, cached for five minutes. */
    public static SecretsManagerSettings defaults() {
        return new SecretsManagerSettings(null, null, null, null, DEFAULT_CACHE_TTL);
    }

    @Override
    public String toString() {
        return "SecretsManagerSettings[region=" + region + ", endpoint=" + endpoint + ", accessKeyId="
                + (accessKeyId == null ? "default chain" : accessKeyId) + ", cacheTtl=" + cacheTtl + "]";
    }
}
