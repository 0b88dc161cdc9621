package io.omniservice.media.fetch;

import java.time.Duration;
import java.util.Objects;

/**
 * How long and how much a {@link SafeFetcher} will spend on one download: a slow or huge answer must cost
 * the gateway a bounded amount of time and disk, whoever chose the URL.
 *
 * @param connectTimeout to open the TCP/TLS connection
 * @param requestTimeout for one whole attempt: headers and body, every redirect hop included
 * @param maxBytes the largest body kept; more is refused as {@code too_large}
 * @param maxRedirects redirects followed before {@code too_many_redirects}
 * @param attempts tries in total for transient failures (timeouts, connection errors, 5xx, 408, 429)
 */
public record FetchLimits(
        Duration connectTimeout, Duration requestTimeout, long maxBytes, int maxRedirects, int attempts) {
    public FetchLimits {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive, got " + connectTimeout);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive, got " + requestTimeout);
        }
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
        }
        if (maxRedirects < 0) {
            throw new IllegalArgumentException("maxRedirects must be 0 or more, got " + maxRedirects);
        }
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
        }
    }

    /** 5 s to connect, 30 s per attempt, 100 MiB, 5 redirects, 2 attempts. */
    public static FetchLimits defaults() {
        return new FetchLimits(Duration.ofSeconds(5), Duration.ofSeconds(30), 100L << 20, 5, 2);
    }

    public FetchLimits withMaxBytes(long bytes) {
        return new FetchLimits(connectTimeout, requestTimeout, bytes, maxRedirects, attempts);
    }
}
