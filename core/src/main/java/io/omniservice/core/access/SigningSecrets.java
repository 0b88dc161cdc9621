package io.omniservice.core.access;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which secrets sign the deliveries made for a client (status callbacks, rule forwards): the one the
 * configuration gives that client's key, else the one it rotated in through the API (read through a short
 * cache, so a rotation on one node reaches the others within {@link #CACHE}), else, for the gateway's own
 * deliveries and the single client of a one-key configuration, the gateway's secret. A client with none
 * cannot ask for signed deliveries: it is told to rotate one in first.
 */
public final class SigningSecrets {
    /** How long a stored secret is used before it is read again. */
    public static final Duration CACHE = Duration.ofSeconds(10);

    /** How long a rotated-out secret still signs. */
    public static final Duration OVERLAP = Duration.ofHours(24);

    /** Where a client's secret comes from, for {@code GET /v1/clients/me}. */
    public enum Source {
        CONFIGURED,
        ROTATED,
        GATEWAY,
        NONE
    }

    private record Cached(Optional<ClientSecret> secret, Instant readAt) {}

    /** What the configuration gives; replaced whole when a secret it was read from is rotated. */
    private record Configured(Map<String, String> byClient, String gatewaySecret) {}

    private volatile Configured configuration;
    private final String gatewayClient;
    private final ClientSecretStore store;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    /**
     * @param configured secrets the configuration gives by client id
     * @param gatewayClient the one client that signs with the gateway's secret (a one-key configuration's
     *     key), or null
     * @param gatewaySecret signs the gateway's own deliveries (the configuration file's rules)
     */
    public SigningSecrets(
            Map<String, String> configured,
            String gatewayClient,
            String gatewaySecret,
            ClientSecretStore store,
            Clock clock) {
        this.configuration = new Configured(Map.copyOf(configured), gatewaySecret);
        this.gatewayClient = gatewayClient;
        this.store = store;
        this.clock = clock;
    }

    /** The secrets to sign with now, newest first; empty when the client has none. */
    public List<String> of(String client) {
        Configured now = configuration;
        if (client == null) {
            return List.of(now.gatewaySecret());
        }
        String fromConfig = now.byClient().get(client);
        if (fromConfig != null) {
            return List.of(fromConfig);
        }
        Optional<ClientSecret> stored = stored(client);
        if (stored.isPresent()) {
            return stored.get().signingAt(clock.instant());
        }
        return client.equals(gatewayClient) ? List.of(now.gatewaySecret()) : List.of();
    }

    /**
     * Signs with these from now on: the configuration's secrets were read again (a secret store rotated
     * them). The clients with a configured secret stay the same ones; only their values change.
     */
    public void reconfigure(Map<String, String> configured, String gatewaySecret) {
        this.configuration = new Configured(Map.copyOf(configured), gatewaySecret);
    }

    public Source source(String client) {
        if (configuration.byClient().containsKey(client)) {
            return Source.CONFIGURED;
        }
        if (stored(client).isPresent()) {
            return Source.ROTATED;
        }
        return client.equals(gatewayClient) ? Source.GATEWAY : Source.NONE;
    }

    /** Whether the configuration fixes the client's secret (it cannot be rotated through the API). */
    public boolean configured(String client) {
        return configuration.byClient().containsKey(client);
    }

    /** Makes {@code fresh} the client's secret at once on this node (others within {@link #CACHE}). */
    public ClientSecret rotate(String client, String fresh) {
        ClientSecret rotated = store.rotateClientSecret(client, fresh, OVERLAP);
        cache.put(client, new Cached(Optional.of(rotated), clock.instant()));
        return rotated;
    }

    private Optional<ClientSecret> stored(String client) {
        Instant now = clock.instant();
        Cached cached = cache.get(client);
        if (cached == null || cached.readAt().plus(CACHE).isBefore(now)) {
            if (cache.size() > 10_000) {
                cache.clear(); // JWT subjects are unbounded; a re-read is cheap
            }
            cached = new Cached(store.clientSecret(client), now);
            cache.put(client, cached);
        }
        return cached.secret();
    }
}
