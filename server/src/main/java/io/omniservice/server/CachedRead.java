package io.omniservice.server;

import io.omniservice.core.outbound.OutboundStore;
import io.omniservice.core.outbound.RoutingRule;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Routing rules as selection reads them on every send: cached for a second, dropped at once when this
 * node changes them (other nodes see a change within the second).
 */
final class RoutingRuleCache {
    private static final Duration TTL = Duration.ofSeconds(1);

    private final OutboundStore store;
    private final Clock clock;
    private volatile List<RoutingRule> rules;
    private volatile Instant loadedAt = Instant.MIN;

    RoutingRuleCache(OutboundStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    List<RoutingRule> current() {
        Instant now = clock.instant();
        if (rules == null || now.isAfter(loadedAt.plus(TTL))) {
            rules = store.routingRules();
            loadedAt = now;
        }
        return rules;
    }

    void invalidate() {
        rules = null;
    }
}
