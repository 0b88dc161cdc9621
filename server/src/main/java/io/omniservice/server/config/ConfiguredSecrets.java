package io.omniservice.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.omniservice.aws.secrets.SecretsManagerReference;
import io.omniservice.aws.secrets.SecretsManagerSettings;
import io.omniservice.aws.secrets.SecretsManagerSource;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.config.SecretSource;
import io.omniservice.core.config.SecretUnavailableException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Values of the configuration written as secret references ({@code secretsmanager:<secret-id>#<json-key>}),
 * replaced by what the secrets hold before the configuration is validated, so every check applies to the
 * real value. The {@code secrets} section says how to reach Secrets Manager; it is read first and cannot
 * itself refer to a secret.
 */
final class ConfiguredSecrets {
    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredSecrets.class);
    static final String SECTION = "secrets";

    private ConfiguredSecrets() {}

    /** The source the {@code secrets} section describes; it reaches no service until a reference is read. */
    static SecretSource source(ObjectNode root, Clock clock) {
        ConfigSection secrets = Optional.ofNullable(root.get(SECTION))
                .filter(node -> !node.isNull())
                .map(node -> ConfigSection.asSection(SECTION, node))
                .orElse(ConfigSection.asSection(SECTION, root.objectNode()));
        secrets.rejectUnknown(Set.of("secretsManager"));
        ConfigSection sm = secrets.section("secretsManager")
                .orElse(ConfigSection.asSection(secrets.keyPath("secretsManager"), root.objectNode()));
        sm.rejectUnknown(Set.of("region", "endpoint", "accessKeyId", "secretAccessKey", "cacheTtlSeconds"));
        for (String key : sm.fieldNames()) {
            if (sm.text(key).filter(SecretsManagerReference::isReference).isPresent()) {
                throw new ConfigException(sm.keyPath(key), "cannot itself come from a secret");
            }
        }
        URI endpoint = sm.text("endpoint")
                .map(raw -> endpoint(sm.keyPath("endpoint"), raw))
                .orElse(null);
        String keyId = sm.text("accessKeyId").orElse(null);
        String secretKey = sm.text("secretAccessKey").orElse(null);
        if ((keyId == null) != (secretKey == null)) {
            throw new ConfigException(
                    sm.keyPath("accessKeyId"), "give both accessKeyId and secretAccessKey, or neither");
        }
        Duration ttl = Duration.ofSeconds(
                sm.number("cacheTtlSeconds", SecretsManagerSettings.DEFAULT_CACHE_TTL.toSeconds(), 1, 86_400));
        return SecretsManagerSource.connect(
                new SecretsManagerSettings(sm.text("region").orElse(null), endpoint, keyId, secretKey, ttl), clock);
    }

    private static URI endpoint(String key, String raw) {
        try {
            URI uri = new URI(raw.trim());
            if (uri.getHost() != null && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new ConfigException(key, "must be an http(s) URL such as http://127.0.0.1:4566, got '" + raw + "'");
    }

    /**
     * Replaces each reference in {@code tree} (outside the {@code secrets} section) by its value.
     *
     * @param previous null at start-up, where a secret that cannot be read stops the start with an error naming
     *     the key and the secret; on a later reading, the values in use, which a key keeps when its secret
     *     cannot be read this time
     * @return each replaced key's path and value
     */
    static Map<String, String> resolve(ObjectNode tree, SecretSource source, Map<String, String> previous) {
        Map<String, String> resolved = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : tree.properties()) {
            if (!field.getKey().equals(SECTION)) {
                resolve(field.getValue(), field.getKey(), source, previous, resolved, value -> field.setValue(value));
            }
        }
        return resolved;
    }

    private static void resolve(
            JsonNode node,
            String path,
            SecretSource source,
            Map<String, String> previous,
            Map<String, String> resolved,
            java.util.function.Consumer<JsonNode> replace) {
        if (node instanceof ObjectNode object) {
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                resolve(field.getValue(), path + "." + field.getKey(), source, previous, resolved, field::setValue);
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                int at = i;
                resolve(array.get(i), path + "[" + i + "]", source, previous, resolved, v -> array.set(at, v));
            }
        } else if (node.isTextual() && source.isReference(node.asText())) {
            String value = value(node.asText(), path, source, previous);
            resolved.put(path, value);
            replace.accept(TextNode.valueOf(value));
        }
    }

    private static String value(String reference, String path, SecretSource source, Map<String, String> previous) {
        try {
            return source.resolve(reference);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(path, e.getMessage());
        } catch (SecretUnavailableException e) {
            String inUse = previous == null ? null : previous.get(path);
            if (inUse == null) {
                throw new ConfigException(path, "refers to " + reference + ", which cannot be used: " + e.getMessage());
            }
            LOG.warn("{}: {}; the value in use stays", path, e.getMessage());
            return inUse;
        }
    }
}
