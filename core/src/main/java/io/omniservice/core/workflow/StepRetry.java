package io.omniservice.core.workflow;

import java.time.Duration;

/** How often a failing step runs again and how long it waits in between (doubling from {@code initial}). */
public record StepRetry(int maxAttempts, Duration initial, Duration max) {
    public StepRetry {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    /** The wait after the {@code failures}-th failure. */
    public Duration backoff(int failures) {
        long millis = initial.toMillis() << Math.min(Math.max(failures - 1, 0), 30);
        return Duration.ofMillis(Math.min(millis, max.toMillis()));
    }
}
