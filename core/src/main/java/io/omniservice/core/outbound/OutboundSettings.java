package io.omniservice.core.outbound;

import java.time.Duration;

/**
 * How the outbound pipeline behaves; every value comes from {@code outbound.*} in the configuration.
 *
 * @param lease how long a node holds a send job; past it another node may send it again, so it must
 *     outlast every retry and fallback of one job
 * @param maxInFlight sends one node runs at once
 * @param pollInterval how often idle workers look for due jobs (scheduled ones, other nodes' work)
 * @param sendTimeout how long a carrier may take to answer one send before it counts as a retryable timeout
 * @param whatsAppWindow WhatsApp's customer-service window for free-form messages
 */
public record OutboundSettings(
        Duration lease,
        int maxInFlight,
        Duration pollInterval,
        Duration sendTimeout,
        Retry retry,
        Breaker breaker,
        Callbacks callbacks,
        Duration whatsAppWindow) {

    /**
     * Retries of one carrier before falling back: {@code maxAttempts} calls in all, waits growing from
     * {@code initialBackoff} by {@code multiplier} up to {@code maxBackoff}, each randomized by ±50%; a
     * carrier's {@code Retry-After} is honoured up to {@code maxRetryAfter}, beyond it the next carrier is tried.
     */
    public record Retry(
            int maxAttempts, Duration initialBackoff, double multiplier, Duration maxBackoff, Duration maxRetryAfter) {}

    /**
     * Each carrier account's circuit breaker: it opens when {@code failureRatePercent} of the last
     * {@code window} calls (at least {@code minimumCalls}) failed in a retryable way, stays open for
     * {@code openFor}, then lets {@code halfOpenCalls} trial calls decide whether to close again.
     */
    public record Breaker(
            int window, int minimumCalls, float failureRatePercent, Duration openFor, int halfOpenCalls) {}

    /**
     * POSTs to {@code callbackUrl}: signed with {@code signingSecret}, tried {@code maxAttempts} times with
     * waits doubling from {@code initialBackoff} up to {@code maxBackoff}, then dead-lettered. Every POST to a
     * client's URL (callbacks, events, forwards) goes to a public address, or one in {@code allowedNetworks}
     * (CIDRs), and at most {@code concurrency} of them run at once; the rest wait their turn.
     */
    public record Callbacks(
            String signingSecret,
            int maxAttempts,
            Duration initialBackoff,
            Duration maxBackoff,
            Duration timeout,
            Events events,
            java.util.List<String> allowedNetworks,
            int concurrency) {
        public static final int DEFAULT_CONCURRENCY = 16;

        public Callbacks {
            allowedNetworks = java.util.List.copyOf(allowedNetworks);
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
            }
        }

        public Callbacks withEvents(Events newEvents) {
            return new Callbacks(
                    signingSecret,
                    maxAttempts,
                    initialBackoff,
                    maxBackoff,
                    timeout,
                    newEvents,
                    allowedNetworks,
                    concurrency);
        }
    }

    /**
     * Deliveries to subscriptions and rule forwards: retried with doubling waits from {@code initialBackoff}
     * up to {@code maxBackoff} for {@code retryFor} after the event, then dead-lettered.
     */
    public record Events(Duration initialBackoff, Duration maxBackoff, Duration retryFor) {
        public static Events defaults() {
            return new Events(Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofHours(24));
        }
    }

    public static OutboundSettings defaults(String callbackSecret) {
        return new OutboundSettings(
                Duration.ofMinutes(5),
                256,
                Duration.ofMillis(200),
                Duration.ofSeconds(10),
                new Retry(3, Duration.ofMillis(500), 2.0, Duration.ofSeconds(10), Duration.ofSeconds(60)),
                new Breaker(20, 10, 50f, Duration.ofSeconds(30), 3),
                new Callbacks(
                        callbackSecret,
                        10,
                        Duration.ofSeconds(1),
                        Duration.ofMinutes(10),
                        Duration.ofSeconds(10),
                        Events.defaults(),
                        java.util.List.of(),
                        Callbacks.DEFAULT_CONCURRENCY),
                Duration.ofHours(24));
    }
}
