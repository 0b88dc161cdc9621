package io.omniservice.aws.secrets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.config.SecretSource;
import io.omniservice.core.config.SecretUnavailableException;
import io.omniservice.core.json.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

/**
 * Configuration values from AWS Secrets Manager ({@link SecretsManagerReference}), each secret read with
 * {@code GetSecretValue} at most once per cache time, however many keys of it the configuration uses. A
 * rotated secret is seen once its cached value is older than the cache time. When a secret that was read
 * before cannot be read again (the service does not answer, the secret was deleted), its last value stays in
 * use, the failure is logged, and it is tried again after at most a minute: a running gateway keeps working.
 * A secret that has never been read is an error.
 */
public final class SecretsManagerSource implements SecretSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SecretsManagerSource.class);
    private static final Duration MAX_RETRY_WAIT = Duration.ofMinutes(1);

    /** A secret's string as last read, and when to read it again. */
    private record Cached(String value, Instant readAgainAt) {}

    private final Supplier<SecretsManagerClient> connect;
    private final Duration cacheTtl;
    private final Clock clock;
    private final Map<String, Cached> cache = new HashMap<>();
    private SecretsManagerClient client;

    public SecretsManagerSource(SecretsManagerClient client, Duration cacheTtl, Clock clock) {
        this(() -> client, cacheTtl, clock);
    }

    private SecretsManagerSource(Supplier<SecretsManagerClient> connect, Duration cacheTtl, Clock clock) {
        this.connect = connect;
        this.cacheTtl = cacheTtl;
        this.clock = clock;
    }

    /**
     * A source with its own client, built from {@code settings} when the first secret is read: a gateway
     * whose configuration refers to no secret never looks for AWS credentials or a region.
     */
    public static SecretsManagerSource connect(SecretsManagerSettings settings, Clock clock) {
        return new SecretsManagerSource(() -> client(settings), settings.cacheTtl(), clock);
    }

    private static SecretsManagerClient client(SecretsManagerSettings settings) {
        SecretsManagerClientBuilder builder =
                SecretsManagerClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder());
        if (settings.region() != null) {
            builder.region(Region.of(settings.region()));
        }
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        builder.credentialsProvider(
                settings.accessKeyId() != null
                        ? StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()))
                        : DefaultCredentialsProvider.builder().build());
        builder.overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(10)));
        return builder.build();
    }

    @Override
    public boolean isReference(String value) {
        return SecretsManagerReference.isReference(value);
    }

    @Override
    public String resolve(String reference) {
        SecretsManagerReference parsed = SecretsManagerReference.parse(reference);
        String secret = secretString(parsed.secretId());
        return parsed.jsonKey() == null ? secret : valueOfKey(parsed, secret);
    }

    @Override
    public Duration refreshInterval() {
        return cacheTtl;
    }

    private synchronized String secretString(String secretId) {
        Instant now = clock.instant();
        Cached cached = cache.get(secretId);
        if (cached != null && now.isBefore(cached.readAgainAt())) {
            return cached.value();
        }
        try {
            String value = read(secretId);
            cache.put(secretId, new Cached(value, now.plus(cacheTtl)));
            return value;
        } catch (SecretUnavailableException e) {
            if (cached == null) {
                throw e;
            }
            Duration wait = cacheTtl.compareTo(MAX_RETRY_WAIT) < 0 ? cacheTtl : MAX_RETRY_WAIT;
            LOG.warn("{}; its last value stays in use, read again in {}", e.getMessage(), wait);
            cache.put(secretId, new Cached(cached.value(), now.plus(wait)));
            return cached.value();
        }
    }

    private String read(String secretId) {
        if (client == null) {
            try {
                client = connect.get();
            } catch (SdkException e) {
                // what a build can miss: a region, given neither in the settings nor by the environment
                throw new SecretUnavailableException(
                        secretId,
                        "secret '" + secretId + "' cannot be read: no Secrets Manager client (" + e.getMessage()
                                + "; is a region set, such as AWS_REGION?)");
            }
        }
        GetSecretValueResponse response;
        try {
            response = client.getSecretValue(b -> b.secretId(secretId));
        } catch (ResourceNotFoundException e) {
            throw new SecretUnavailableException(
                    secretId, "secret '" + secretId + "' does not exist in Secrets Manager (" + reason(e) + ")");
        } catch (SecretsManagerException e) {
            throw new SecretUnavailableException(
                    secretId, "secret '" + secretId + "' could not be read from Secrets Manager: " + reason(e));
        } catch (SdkException e) {
            throw new SecretUnavailableException(
                    secretId, "secret '" + secretId + "' could not be read from Secrets Manager: " + e.getMessage());
        }
        if (response.secretString() == null) {
            throw new SecretUnavailableException(
                    secretId, "secret '" + secretId + "' holds binary data; only a secret string can be used");
        }
        return response.secretString();
    }

    private static String reason(SecretsManagerException e) {
        var details = e.awsErrorDetails();
        if (details == null) {
            return "HTTP " + e.statusCode();
        }
        return details.errorCode() + (details.errorMessage() == null ? "" : ": " + details.errorMessage());
    }

    /** One key of a JSON secret; parse errors are told without their text, which would quote the secret. */
    private static String valueOfKey(SecretsManagerReference reference, String secret) {
        String id = reference.secretId();
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(secret);
        } catch (JsonProcessingException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            throw new SecretUnavailableException(
                    id,
                    "secret '" + id + "' is not a JSON object, so it has no key '" + reference.jsonKey()
                            + "' (leave out '#" + reference.jsonKey() + "' to use the whole secret)");
        }
        JsonNode value = json.get(reference.jsonKey());
        if (value == null || value.isNull()) {
            throw new SecretUnavailableException(id, "secret '" + id + "' has no key '" + reference.jsonKey() + "'");
        }
        if (value.isContainerNode()) {
            throw new SecretUnavailableException(
                    id,
                    reference.describe() + " holds a JSON " + (value.isArray() ? "list" : "object") + ", not a value");
        }
        return value.asText();
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
        }
    }
}
