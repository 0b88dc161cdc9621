package io.omniservice.server;

import io.omniservice.core.access.SigningSecrets;
import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierRegistry;
import io.omniservice.core.config.ConfigException;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.config.GatewayConfig;
import io.omniservice.server.config.LoadedConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts rotated secrets to work without a restart: every refresh interval the configuration's secrets are read
 * again; the carrier accounts whose settings changed are rebuilt and swapped into the registry together
 * (requests in flight finish on the adapters they found), and the signing secrets of callbacks and forwards
 * take their new values. Any other key whose secret changed is logged as taking effect at the next restart.
 * A new configuration that cannot work is logged, and the one in use stays. Where nothing may run on its own
 * (a Lambda function instance, frozen between invocations), no thread is started: the caller asks
 * {@link #refreshIfDue} on each invocation, and the secrets are read again on the first one after the interval,
 * as AWS's own caching client does.
 */
final class SecretRotation implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SecretRotation.class);
    /** The keys whose new values {@link SigningSecrets} takes without a restart. */
    private static final Pattern SIGNING_KEY =
            Pattern.compile("outbound\\.callbacks\\.signingSecret|api\\.keys\\[\\d+]\\.signingSecret");

    private final CarrierRegistry carriers;
    private final Iterable<CarrierProvider> providers;
    private final CarrierContext context;
    private final SigningSecrets signing;
    private final Duration interval;
    private final Clock clock;
    private volatile Instant readAt;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    private LoadedConfig inUse;

    SecretRotation(
            LoadedConfig loaded,
            CarrierRegistry carriers,
            Iterable<CarrierProvider> providers,
            CarrierContext context,
            SigningSecrets signing,
            Clock clock) {
        this.inUse = loaded;
        this.clock = clock;
        this.readAt = clock.instant();
        this.carriers = carriers;
        this.providers = providers;
        this.context = context;
        this.signing = signing;
        this.interval = loaded.refreshInterval()
                .orElseThrow(() -> new IllegalArgumentException("no value of this configuration comes from a secret"));
        this.thread = Thread.ofPlatform()
                .name("omniservice-secret-rotation")
                .daemon(true)
                .unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        try {
            while (!stop.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
                try {
                    refresh();
                } catch (RuntimeException e) {
                    LOG.error("secrets not read again: {}", e.toString());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@link #refresh} when the refresh interval has passed since the secrets were last read, on the caller's
     * thread; nothing otherwise. A failure to read them is logged and tried again after the next interval: the
     * request that found them due goes on with the values in use.
     */
    Set<String> refreshIfDue() {
        if (clock.instant().isBefore(readAt.plus(interval))) {
            return Set.of();
        }
        synchronized (this) {
            if (clock.instant().isBefore(readAt.plus(interval))) {
                return Set.of(); // another invocation's thread read them meanwhile
            }
            try {
                return refresh();
            } catch (RuntimeException e) {
                LOG.error("secrets not read again, the values in use stay: {}", e.toString());
                return Set.of();
            }
        }
    }

    /** Reads the secrets again and applies what changed; returns the keys whose values changed. */
    synchronized Set<String> refresh() {
        readAt = clock.instant();
        LoadedConfig next;
        try {
            next = inUse.reread();
        } catch (ConfigException e) {
            LOG.error(
                    "rotated secrets make a configuration that cannot work, the one in use stays: {}", e.getMessage());
            return Set.of();
        }
        Set<String> changed = next.changedSince(inUse);
        if (changed.isEmpty()) {
            return changed;
        }
        GatewayConfig before = inUse.config();
        GatewayConfig after = next.config();
        try {
            List<CarrierAdapter> rebuilt =
                    ConfiguredCarriers.rebuildChanged(before.carriers(), after.carriers(), providers, context);
            carriers.replace(rebuilt);
            rebuilt.forEach(adapter -> LOG.info(
                    "carrier account {}/{} rebuilt with its rotated secrets",
                    adapter.type().wireName(),
                    adapter.account()));
        } catch (ConfigException e) {
            LOG.error("a carrier refused its rotated secrets, every carrier keeps the ones in use: {}", e.getMessage());
        }
        signing.reconfigure(Gateway.configuredSigningSecrets(after), Gateway.gatewaySigningSecret(after));
        for (String key : changed) {
            if (!key.startsWith("carriers.") && !SIGNING_KEY.matcher(key).matches()) {
                LOG.warn("{} changed in its secret; the gateway uses the new value after a restart", key);
            }
        }
        inUse = next;
        return changed;
    }

    @Override
    public void close() {
        stop.countDown();
        try {
            if (thread.getState() != Thread.State.NEW) { // the gateway may close before it started
                thread.join(Duration.ofSeconds(15));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        inUse.close();
    }
}
