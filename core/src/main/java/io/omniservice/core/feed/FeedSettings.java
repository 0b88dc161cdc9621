package io.omniservice.core.feed;

import java.time.Duration;

/**
 * How the processing workers lease: {@code lease} is how long a node holds an event before another may
 * take it, {@code maxInFlight} how many conversations it processes at once, {@code pollInterval} how
 * often it looks for events it was not handed (retries, other nodes' leftovers).
 */
public record FeedSettings(String nodeId, Duration lease, int maxInFlight, Duration pollInterval) {}
