package io.omniservice.server.metrics;

import io.micrometer.core.instrument.Counter;
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
 * webhooks by carrier and outcome, and the JVM's own. Tag values come from fixed sets (route templates,
 * not paths), so a client cannot grow the number of series.
 */
public final class GatewayMetrics implements AutoCloseable {
    /** Prometheus text exposition format 0.0.4, which every scraper accepts. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();

    public GatewayMetrics() {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
    }

    public void httpRequest(String method, String route, int status, Duration duration) {
        Timer.builder("http.server.requests")
                .description("HTTP requests by method, route template and status")
                .tag("method", method)
                .tag("route", route)
                .tag("status", Integer.toString(status))
                .register(registry)
                .record(duration);
    }

    /** One webhook handled: {@code carrier} is a known wire name or {@code other}, outcome a fixed word. */
    public void webhook(String carrier, String outcome) {
        Counter.builder("omniservice.webhooks")
                .description("Carrier webhooks by carrier and outcome")
                .tag("carrier", carrier)
                .tag("outcome", outcome)
                .register(registry)
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

    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
