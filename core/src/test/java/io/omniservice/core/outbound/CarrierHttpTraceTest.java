package io.omniservice.core.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.omniservice.core.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a carrier sees of a trace: the {@code traceparent} of the span that called it, and nothing without one. */
class CarrierHttpTraceTest {
    final InMemorySpanExporter spans = InMemorySpanExporter.create();
    final List<String> received = new CopyOnWriteArrayList<>();
    OpenTelemetrySdk sdk;
    HttpServer carrier;
    URI endpoint;

    @BeforeEach
    void start() throws Exception {
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(spans))
                        .build())
                .build();
        carrier = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        carrier.createContext("/send", exchange -> {
            received.add(String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")));
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        carrier.start();
        endpoint = URI.create("http://127.0.0.1:" + carrier.getAddress().getPort() + "/send?account=a1");
    }

    @AfterEach
    void stop() {
        carrier.stop(0);
        sdk.close();
    }

    @Test
    void eachPostIsAClientSpanUnderTheAttemptAndTheCarrierGetsItsTraceparent() throws Exception {
        Tracing tracing = Tracing.of(sdk);
        CarrierHttp http = CarrierHttp.withTimeout(Duration.ofSeconds(5), tracing);
        Span attempt = tracing.span("send attempt").startSpan();
        try (Tracing.Active ignored = Tracing.activate(attempt, "msg_1")) {
            assertThat(http.post(endpoint, Map.of(), "application/json", "{}".getBytes())
                            .status())
                    .isEqualTo(503);
        }

        SpanData call = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.CLIENT)
                .findFirst()
                .orElseThrow();
        assertThat(call.getParentSpanId()).isEqualTo(attempt.getSpanContext().getSpanId());
        assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        // the URL without its query, which may name an account
        assertThat(call.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("url.full")))
                .isEqualTo("http://127.0.0.1:" + carrier.getAddress().getPort() + "/send");
        assertThat(received)
                .containsExactly("00-" + call.getTraceId() + "-" + call.getSpanId() + "-"
                        + call.getSpanContext().getTraceFlags().asHex());
    }

    @Test
    void aRequestBuiltElsewhereCarriesTheCurrentSpanToo() throws Exception {
        Span upload = Tracing.of(sdk).span("media upload").startSpan();
        try (Tracing.Active ignored = Tracing.activate(upload, null)) {
            CarrierHttp.exchange(
                    HttpClient.newHttpClient(),
                    HttpRequest.newBuilder(endpoint)
                            .header("traceparent", "00-11111111111111111111111111111111-2222222222222222-01")
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    "the media upload");
        }
        // the current span's, in place of whatever the request held
        assertThat(received)
                .singleElement()
                .asString()
                .contains(upload.getSpanContext().getSpanId());
    }

    @Test
    void withTracingOffNoTraceparentIsSentAndNoSpanIsRecorded() throws Exception {
        CarrierHttp.withTimeout(Duration.ofSeconds(5)).post(endpoint, Map.of(), "application/json", new byte[0]);
        assertThat(received).containsExactly("null");
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void aCarrierThatCannotBeReachedFailsTheSpan() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        CarrierHttp http = CarrierHttp.withTimeout(Duration.ofSeconds(5), Tracing.of(sdk));
        assertThatThrownBy(() -> http.post(
                        URI.create("http://127.0.0.1:" + closed + "/send"), Map.of(), "application/json", new byte[0]))
                .isInstanceOf(SendFailure.class);
        SpanData call = spans.getFinishedSpanItems().getFirst();
        assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(call.getEvents()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("exception"));
    }
}
