package io.omniservice.server.trace;

import io.omniservice.core.trace.Tracing;
import io.omniservice.server.config.GatewayConfig;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Tracing} the configuration asks for ({@code tracing:}): {@link Tracing#OFF} without an SDK, no
 * exporter and no thread when it is off (the default); else the OpenTelemetry SDK exporting batches of spans
 * over OTLP, flushed when the gateway closes.
 */
public final class ConfiguredTracing implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredTracing.class);

    private final Tracing tracing;
    /** Null when tracing is off or the SDK belongs to the caller. */
    private final OpenTelemetrySdk sdk;

    private ConfiguredTracing(Tracing tracing, OpenTelemetrySdk sdk) {
        this.tracing = tracing;
        this.sdk = sdk;
    }

    /** What {@code telemetry} configures: nothing at all when it is off. */
    public static ConfiguredTracing open(GatewayConfig.Telemetry telemetry) {
        if (!telemetry.enabled()) {
            return new ConfiguredTracing(Tracing.OFF, null);
        }
        OtlpHttpSpanExporterBuilder exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(telemetry.otlpEndpoint().toString())
                .setTimeout(telemetry.otlpTimeout());
        telemetry.otlpHeaders().forEach(exporter::addHeader);
        ConfiguredTracing configured = withExporter(telemetry, exporter.build());
        LOG.info(
                "traces sampled at {} exported to {} as service {}",
                telemetry.sampleRatio(),
                telemetry.otlpEndpoint(),
                telemetry.serviceName());
        return configured;
    }

    /** An SDK sending {@code telemetry}'s sampled spans to {@code exporter} in batches. */
    static ConfiguredTracing withExporter(GatewayConfig.Telemetry telemetry, SpanExporter exporter) {
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault()
                        .merge(Resource.create(Attributes.of(
                                io.opentelemetry.api.common.AttributeKey.stringKey("service.name"),
                                telemetry.serviceName()))))
                // a trace that came in sampled (a client's traceparent) stays sampled; new ones by the ratio
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(telemetry.sampleRatio())))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
                .build();
        OpenTelemetrySdk sdk =
                OpenTelemetrySdk.builder().setTracerProvider(provider).build();
        return new ConfiguredTracing(Tracing.of(sdk), sdk);
    }

    /** Spans recorded by the caller's {@code tracing} (a test's in-memory exporter); nothing to close here. */
    public static ConfiguredTracing using(Tracing tracing) {
        return new ConfiguredTracing(tracing, null);
    }

    public Tracing tracing() {
        return tracing;
    }

    /** Whether an SDK was made (false when tracing is off). */
    public boolean hasSdk() {
        return sdk != null;
    }

    /** Exports what is still buffered (waiting at most a few seconds) and stops the exporter. */
    @Override
    public void close() {
        if (sdk != null) {
            sdk.getSdkTracerProvider().shutdown().join(5, TimeUnit.SECONDS);
        }
    }
}
