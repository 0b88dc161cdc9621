package io.omniservice.server.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** {@code logging.format: json} on the logging configuration the jar ships with. */
class LogFormatTest {
    LoggerContext context;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @BeforeEach
    void configureAsShipped() throws Exception {
        context = new LoggerContext();
        // the MDC the gateway's code writes through SLF4J (the test JVM's logback)
        context.setMDCAdapter(org.slf4j.MDC.getMDCAdapter());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(Path.of("src/main/resources/logback.xml").toFile());
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    private List<String> lines() {
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private void capture() {
        var appender = (OutputStreamAppender<?>)
                context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDOUT");
        appender.setOutputStream(out);
    }

    @Test
    void jsonLinesCarryTheTraceSpanAndMessageOfTheStageThatLogged() throws Exception {
        LogFormat.useJson(context);
        capture();
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(InMemorySpanExporter.create()))
                        .build())
                .build()) {
            Span span = Tracing.of(sdk).span("send").startSpan();
            assertThat(span.getSpanContext().isValid()).isTrue();
            try (Tracing.Active ignored = Tracing.activate(span, "msg_01JTRACE")) {
                context.getLogger("io.omniservice.test").info("sent to {}", "twilio");
            }
            context.getLogger("io.omniservice.test").warn("after the span");

            List<String> lines = lines();
            assertThat(lines).hasSize(2);
            JsonNode traced = Json.MAPPER.readTree(lines.get(0));
            assertThat(traced.path("level").asText()).isEqualTo("INFO");
            assertThat(traced.path("loggerName").asText()).isEqualTo("io.omniservice.test");
            assertThat(traced.path("formattedMessage").asText()).isEqualTo("sent to twilio");
            JsonNode mdc = traced.path("mdc");
            assertThat(mdc.path("trace_id").asText())
                    .isEqualTo(span.getSpanContext().getTraceId());
            assertThat(mdc.path("span_id").asText())
                    .isEqualTo(span.getSpanContext().getSpanId());
            assertThat(mdc.path("message_id").asText()).isEqualTo("msg_01JTRACE");
            // the span's ids leave the MDC with it
            JsonNode after = Json.MAPPER.readTree(lines.get(1));
            assertThat(after.path("formattedMessage").asText()).isEqualTo("after the span");
            assertThat(after.path("mdc").path("trace_id").isMissingNode()).isTrue();
            assertThat(after.path("mdc").path("message_id").isMissingNode()).isTrue();
        }
    }

    @Test
    void textStaysTheShippedPattern() {
        capture();
        context.getLogger("io.omniservice.test").info("plain line");
        assertThat(lines())
                .singleElement()
                .asString()
                .endsWith(" INFO  [" + Thread.currentThread().getName() + "] io.omniservice.test - plain line");
    }
}
