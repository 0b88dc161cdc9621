package io.omniservice.server.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.config.SecretSource;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A configuration as {@link ConfigLoader} read it, able to read itself again with the current values of the
 * secrets it refers to (a rotated secret), so the gateway can put new credentials to work without a restart.
 * Closing it releases the secret source's connection.
 */
public final class LoadedConfig implements AutoCloseable {
    private final GatewayConfig config;
    private final ObjectNode unresolved;
    private final SecretSource source;
    private final Map<String, String> fromSecrets;

    LoadedConfig(GatewayConfig config, ObjectNode unresolved, SecretSource source, Map<String, String> fromSecrets) {
        this.config = config;
        this.unresolved = unresolved;
        this.source = source;
        this.fromSecrets = Map.copyOf(fromSecrets);
    }

    public GatewayConfig config() {
        return config;
    }

    /** How often to read again: the secrets' cache time; empty when no value came from a secret. */
    public Optional<Duration> refreshInterval() {
        return fromSecrets.isEmpty() ? Optional.empty() : Optional.of(source.refreshInterval());
    }

    /** The keys whose values came from secrets (their values are not told). */
    public Set<String> keysFromSecrets() {
        return new TreeSet<>(fromSecrets.keySet());
    }

    /**
     * The configuration with its secrets read again (each secret at most once per cache time). A key whose
     * secret cannot be read this time keeps the value in use.
     *
     * @throws io.omniservice.core.config.ConfigException when the new values make a configuration that cannot
     *     work (a rotated credential that its carrier refuses, a signing secret too short): the caller keeps
     *     the one in use
     */
    public LoadedConfig reread() {
        ObjectNode tree = unresolved.deepCopy();
        Map<String, String> values = ConfiguredSecrets.resolve(tree, source, fromSecrets);
        return new LoadedConfig(ConfigLoader.bind(new ConfigSection("", tree)), unresolved, source, values);
    }

    /** The keys whose secret values differ between {@code earlier} and this. */
    public Set<String> changedSince(LoadedConfig earlier) {
        Set<String> changed = new TreeSet<>();
        fromSecrets.forEach((key, value) -> {
            if (!Objects.equals(value, earlier.fromSecrets.get(key))) {
                changed.add(key);
            }
        });
        return changed;
    }

    @Override
    public void close() {
        if (source instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException("the secret source did not close: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "LoadedConfig[keysFromSecrets=" + keysFromSecrets() + "]";
    }
}
