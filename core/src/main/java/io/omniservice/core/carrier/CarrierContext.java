package io.omniservice.core.carrier;

import java.time.Clock;

/** What the gateway lends every adapter: the clock to judge timestamps by and the replay guard. */
public record CarrierContext(Clock clock, ReplayGuard replayGuard) {}
