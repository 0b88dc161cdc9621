package io.omniservice.server.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.config.ConfigException;
import io.omniservice.core.trace.Tracing;
import io.omniservice.server.config.ConfigLoader;
import io.omniservice.server.config.GatewayConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code tracing:} and {@code logging:} sections, and what they make. */
class ConfiguredTracingTest {
    private static final String MINIMAL = """
            server: {port: 0, publicBaseUrl: "https://gw.example.com"}
            storage: {mode: embedded, embedded: {path: ./data}}
            api: {keys: [{name: tests, key: test-api-key-0123456789}]}
            """;

    private static GatewayConfig parse(String extra) {
        return new ConfigLoader(Map.of()).parse(MINIMAL + extra);
    }

    @Test
    void byDefaultNoSdkIsMadeAndEverySpanIsANoOp() {
        GatewayConfig config = parse("");
        assertThat(config.telemetry()).isEqualTo(GatewayConfig.Telemetry.OFF);
        assertThat(config.logging()).isEqualTo(GatewayConfig.Logging.TEXT);
        try (ConfiguredTracing tracing = ConfiguredTracing.open(config.telemetry())) {
            assertThat(tracing.hasSdk()).isFalse();
            assertThat(tracing.tracing()).isSameAs(Tracing.OFF);
            assertThat(tracing.tracing().enabled()).isFalse();
            assertThat(tracing.tracing().span("send").startSpan().isRecording()).isFalse();
        }
    }

    @Test
    void enabledTracingMakesAnSdkThatExportsOverOtlpToTheConfiguredEndpoint() {
        GatewayConfig config = parse("""
                tracing:
                  enabled: true
                  serviceName: gateway-eu
                  sampleRatio: 0.25
                  otlp:
                    endpoint: http://collector.internal:4318/v1/traces
                    headers: {Authorization: "Bearer otlp-token"}
                    timeoutSeconds: 3
                logging: {format: json}
                """);
        GatewayConfig.Telemetry telemetry = config.telemetry();
        assertThat(telemetry.enabled()).isTrue();
        assertThat(telemetry.serviceName()).isEqualTo("gateway-eu");
        assertThat(telemetry.sampleRatio()).isEqualTo(0.25);
        assertThat(telemetry.otlpEndpoint()).isEqualTo(URI.create("http://collector.internal:4318/v1/traces"));
        assertThat(telemetry.otlpHeaders()).containsEntry("Authorization", "Bearer otlp-token");
        assertThat(telemetry.otlpTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(telemetry.toString()).doesNotContain("otlp-token");
        assertThat(config.logging().format()).isEqualTo(GatewayConfig.Logging.Format.JSON);
        // nothing listens there: closing gives up on the export after its timeout, and the SDK is made all the same
        try (ConfiguredTracing tracing = ConfiguredTracing.open(telemetry)) {
            assertThat(tracing.hasSdk()).isTrue();
            assertThat(tracing.tracing().enabled()).isTrue();
        }
    }

    @Test
    void badValuesAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> parse("tracing: {enabled: true, sampleRatio: 1.5}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tracing.sampleRatio");
        assertThatThrownBy(() -> parse("tracing: {enabled: true, otlp: {endpoint: collector:4318}}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tracing.otlp.endpoint");
        assertThatThrownBy(() -> parse("tracing: {enabeld: true}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tracing.enabeld");
        assertThatThrownBy(() -> parse("logging: {format: xml}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("logging.format");
        assertThatThrownBy(() -> parse("logging: {requests: some}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("logging.requests");
    }
}
