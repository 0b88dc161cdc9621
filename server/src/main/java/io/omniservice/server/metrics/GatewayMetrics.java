package io.omniservice.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/**
 * The gateway's metrics in Prometheus form: HTTP request timings by method, route template and status,
 * webhooks by carrier and outcome, each carrier account's health and circuit breaker, dead letters waiting,
 * how long change events wait for their workflow, and the JVM's own. Tag values come from fixed sets (route
 * templates, not paths; configured carrier accounts), so a client cannot grow the number of series. The
 * dashboard and alert rules under {@code deploy/} read these names.
 */
public final class GatewayMetrics implements AutoCloseable {
    /** Prometheus text exposition format 0.0.4, which every scraper accepts. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final Timer eventLag;

    public GatewayMetrics() {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        this.eventLag = Timer.builder("omniservice.events.lag")
                .description("From a change event's commit until a worker takes it up to run its workflow")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofHours(1))
                .register(registry);
    }

    /** A change event taken up by a worker {@code lag} after it was committed. */
    public void eventLag(Duration lag) {
        eventLag.record(lag.isNegative() ? Duration.ZERO : lag);
    }

    /**
     * One carrier account able to send: {@code omniservice_carrier_up} (0 when its breaker has it down),
     * {@code omniservice_carrier_circuit_breaker_state} (1 for the breaker's current state, 0 for the others)
     * and {@code omniservice_carrier_failure_ratio} (failed share of its recent calls; NaN until there are
     * enough), all read at each scrape.
     */
    public void watchCarrier(
            String carrier,
            String account,
            java.util.function.BooleanSupplier up,
            java.util.function.Supplier<String> breakerState,
            java.util.function.DoubleSupplier failureRatio) {
        Gauge.builder("omniservice.carrier.up", () -> up.getAsBoolean() ? 1 : 0)
                .description("1 while the carrier account can be sent through, 0 while its circuit breaker has it down")
                .tag("carrier", carrier)
                .tag("account", account)
                .register(registry);
        for (String state : BREAKER_STATES) {
            Gauge.builder("omniservice.carrier.circuit.breaker.state", () -> state.equals(breakerState.get()) ? 1 : 0)
                    .description("1 for the state the carrier account's circuit breaker is in")
                    .tag("carrier", carrier)
                    .tag("account", account)
                    .tag("state", state)
                    .register(registry);
        }
        Gauge.builder("omniservice.carrier.failure.ratio", failureRatio::getAsDouble)
                .description("Failed share of the carrier account's recent sends, as its circuit breaker counts them")
                .tag("carrier", carrier)
                .tag("account", account)
                .register(registry);
    }

    /** The states {@code omniservice_carrier_circuit_breaker_state} reports, as Resilience4j names them. */
    public static final java.util.List<String> BREAKER_STATES =
            java.util.List.of("closed", "open", "half_open", "forced_open", "disabled", "metrics_only");

    /** Dead letters not yet replayed ({@code omniservice_dead_letters}), read at each scrape. */
    public void watchDeadLetters(java.util.function.IntSupplier waiting) {
        Gauge.builder("omniservice.dead.letters", waiting::getAsInt)
                .description("Dead letters waiting for a person to replay them (the newest 1000 are counted)")
                .register(registry);
    }

    /** Change events queued or running on this node ({@code omniservice_events_held}). */
    public void watchEventsHeld(java.util.function.IntSupplier held) {
        Gauge.builder("omniservice.events.held", held::getAsInt)
                .description("Change events queued or running on this node")
                .register(registry);
    }

    public void httpRequest(String method, String route, int status, Duration duration) {
        // looked up per request: building and registering a meter each time cost more than the request's routing
        requestTimers
                .computeIfAbsent(new RequestKey(method, route, status), key -> Timer.builder("http.server.requests")
                        .description("HTTP requests by method, route template and status")
                        .tag("method", key.method())
                        .tag("route", key.route())
                        .tag("status", Integer.toString(key.status()))
                        .register(registry))
                .record(duration);
    }

    private record RequestKey(String method, String route, int status) {}

    private final java.util.concurrent.ConcurrentHashMap<RequestKey, Timer> requestTimers =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final java.util.concurrent.ConcurrentHashMap<String, Counter> webhookCounters =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** One webhook handled: {@code carrier} is a known wire name or {@code other}, outcome a fixed word. */
    public void webhook(String carrier, String outcome) {
        webhookCounters
                .computeIfAbsent(carrier + "\n" + outcome, key -> Counter.builder("omniservice.webhooks")
                        .description("Carrier webhooks by carrier and outcome")
                        .tag("carrier", carrier)
                        .tag("outcome", outcome)
                        .register(registry))
                .increment();
    }

    /**
     * One attachment through the media checks: {@code direction} inbound (a carrier's) or outbound (a
     * client's {@code mediaUrl}); {@code status} stored, refused, quarantined, unavailable or failed.
     */
    public void media(String direction, String status) {
        Counter.builder("omniservice.media")
                .description("Attachments fetched and checked, by direction and what came of them")
                .tag("direction", direction)
                .tag("status", status)
                .register(registry)
                .increment();
    }

    /** A delivery receipt that came after the message was already sent again over another carrier. */
    public void duplicateDelivery() {
        Counter.builder("omniservice.duplicate.deliveries")
                .description("Receipts that came after a fallback on a missing receipt had sent the message again")
                .register(registry)
                .increment();
    }

    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
