package io.omniservice.core.carrier;

import io.omniservice.core.outbound.CarrierHttp;
import java.time.Clock;

/**
 * What the gateway lends every adapter: the clock to judge timestamps by, the replay guard, and the
 * HTTP client that outbound sends go through (one connection pool and timeout policy for all carriers).
 */
public record CarrierContext(Clock clock, ReplayGuard replayGuard, CarrierHttp http) {
    /** A context for adapters that only receive (tests of the inbound side). */
    public CarrierContext(Clock clock, ReplayGuard replayGuard) {
        this(clock, replayGuard, CarrierHttp.withTimeout(java.time.Duration.ofSeconds(10)));
    }
}
