package io.omniservice.server.trace;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.core.trace.Tracing;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.PlayedBandwidth;
import io.omniservice.server.support.RunningGateway;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One trace per message, recorded by the SDK's in-memory exporter: an inbound webhook through its workflow to
 * the subscriber's delivery, and an outbound message through the carrier's HTTP call to its status callback.
 * The played carrier and the receivers check the {@code traceparent} each request carried.
 */
class MessageTraceTest {
    private static final String SUBSCRIBER_SECRET = "subscriber-secret-0123456789";
    private static final String CLIENT_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN_ID = "00f067aa0ba902b7";

    @TempDir
    Path data;

    final InMemorySpanExporter spans = InMemorySpanExporter.create();
    OpenTelemetrySdk sdk;
    WireMockServer remote;
    RunningGateway gateway;

    @BeforeEach
    void start() {
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(spans))
                        .build())
                .build();
        remote =
                new WireMockServer(WireMockConfiguration.options().dynamicPort().globalTemplating(true));
        remote.start();
        PlayedBandwidth.accepts(remote);
        remote.stubFor(post(urlPathEqualTo("/events")).willReturn(aResponse().withStatus(200)));
        remote.stubFor(post(urlPathEqualTo("/callback")).willReturn(aResponse().withStatus(200)));
        String base = "http://localhost:" + remote.port();
        gateway =
                new RunningGateway(data, """
                carriers:
                  bandwidth:
                    default:
                      callbackUsername: bw-user
                      callbackPassword: bw-password
                      accountId: "9900000"
                      apiUsername: api-user
                      apiPassword: api-password
                      applicationId: 93de2206-9669-4e07-948d-329f4b722ee2
                      from: "+14155550198"
                      apiBaseUrl: %s
                outbound:
                  nodeId: trace-node
                  pollMillis: 20
                  retry: {maxAttempts: 3, initialBackoffMillis: 20, maxBackoffMillis: 100}
                processing:
                  pollMillis: 20
                """.formatted(base), ConfiguredCarriers.installedProviders(), Tracing.of(sdk));
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        remote.stop();
        sdk.close();
    }

    @Test
    void inboundMessageIsOneTraceFromTheWebhookThroughItsWorkflowToTheSubscriber() {
        HttpResponse<String> subscribed = api("/v1/subscriptions", """
                {"url": "http://localhost:%d/events", "events": ["message.received"], "secret": "%s"}""".formatted(remote.port(), SUBSCRIBER_SECRET));
        assertThat(subscribed.statusCode()).as(subscribed.body()).isEqualTo(201);

        HttpResponse<String> webhook = gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/bandwidth"))
                .header("Content-Type", "application/json")
                .header("Authorization", CarrierHttp.basicAuth("bw-user", "bw-password"))
                .POST(HttpRequest.BodyPublishers.ofString("""
                        [{"type":"message-received","time":"2026-11-25T12:00:00Z","description":"Incoming",
                          "to":"+14155550198","message":{"id":"bw-trace-1","time":"2026-11-25T12:00:00Z",
                          "to":["+14155550198"],"from":"+14155550100","text":"hello",
                          "applicationId":"93de2206-9669-4e07-948d-329f4b722ee2","owner":"+14155550198",
                          "direction":"in","segmentCount":1}}]""")));
        assertThat(webhook.statusCode()).as(webhook.body()).isEqualTo(200);

        SpanData delivery = awaitSpan(s -> s.getName().equals("event delivery"));
        SpanData server = only(s -> s.getName().equals("POST /webhooks/{carrier}"));
        assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(server.getParentSpanContext().isValid())
                .as("a carrier sends no trace: a new one")
                .isFalse();
        assertThat(server.getAttributes().asMap())
                .containsEntry(attribute("http.route"), "/webhooks/{carrier}")
                .containsEntry(attribute("http.response.status_code"), 200L);
        String traceId = server.getTraceId();

        SpanData commit = only(s -> s.getName().equals("commit"));
        assertThat(commit.getParentSpanId()).isEqualTo(server.getSpanId());
        String messageId = commit.getAttributes().get(Tracing.MESSAGE_ID);
        assertThat(messageId).isNotBlank();
        assertThat(commit.getAttributes().get(Tracing.CARRIER)).isEqualTo("bandwidth");

        // every step of the message's workflow, though it ran on a worker after the answer, continues the trace
        List<SpanData> steps = all(s -> s.getName().startsWith("workflow ")
                && messageId.equals(s.getAttributes().get(Tracing.MESSAGE_ID)));
        assertThat(steps).isNotEmpty();
        assertThat(steps).allSatisfy(step -> {
            assertThat(step.getTraceId()).isEqualTo(traceId);
            assertThat(step.getParentSpanId()).isEqualTo(server.getSpanId());
            assertThat(step.getAttributes().get(Tracing.EVENT_TYPE)).isEqualTo("message.received");
        });
        assertThat(steps)
                .extracting(s -> s.getAttributes()
                        .get(io.opentelemetry.api.common.AttributeKey.stringKey("omniservice.workflow.step")))
                .contains("notification");

        assertThat(delivery.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(delivery.getTraceId()).isEqualTo(traceId);
        assertThat(delivery.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(delivery.getAttributes().get(Tracing.MESSAGE_ID)).isEqualTo(messageId);
        assertThat(delivery.getAttributes().asMap()).containsEntry(attribute("http.response.status_code"), 200L);
        LoggedRequest received =
                remote.findAll(postRequestedFor(urlPathEqualTo("/events"))).getFirst();
        assertThat(received.getHeader("traceparent"))
                .isEqualTo("00-" + traceId + "-" + delivery.getSpanId() + "-"
                        + delivery.getSpanContext().getTraceFlags().asHex());
    }

    @Test
    void outboundMessageContinuesTheClientsTraceThroughTheCarrierCallToItsStatusCallback() {
        HttpResponse<String> accepted = gateway.send(HttpRequest.newBuilder(gateway.uri("/v1/messages"))
                .header("Authorization", "Bearer " + RunningGateway.API_KEY)
                .header("Content-Type", "application/json")
                .header("traceparent", "00-" + CLIENT_TRACE_ID + "-" + CLIENT_SPAN_ID + "-01")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"to": {"phoneNumber": "+14155550100"}, "content": {"type": "text", "text": "traced"},
                         "options": {"callbackUrl": "http://localhost:%d/callback"}}""".formatted(remote.port()))));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String messageId = json(accepted.body()).path("messageId").asText();

        SpanData callback = awaitSpan(s -> s.getName().equals("callback delivery"));
        SpanData server = only(s -> s.getName().equals("POST /v1/messages"));
        assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(server.getTraceId())
                .as("the client's traceparent is honoured")
                .isEqualTo(CLIENT_TRACE_ID);
        assertThat(server.getParentSpanId()).isEqualTo(CLIENT_SPAN_ID);
        assertThat(server.getAttributes().asMap()).containsEntry(attribute("http.response.status_code"), 202L);

        SpanData commit = only(s -> s.getName().equals("commit"));
        assertThat(commit.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(commit.getAttributes().get(Tracing.MESSAGE_ID)).isEqualTo(messageId);

        SpanData send = only(s -> s.getName().equals("send"));
        assertThat(send.getTraceId()).isEqualTo(CLIENT_TRACE_ID);
        assertThat(send.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(send.getAttributes().get(Tracing.MESSAGE_ID)).isEqualTo(messageId);
        assertThat(send.getAttributes().get(Tracing.STATUS)).isEqualTo("sent");
        assertThat(send.getAttributes().get(Tracing.CARRIER)).isEqualTo("bandwidth");

        SpanData attempt = only(s -> s.getName().equals("send attempt"));
        assertThat(attempt.getParentSpanId()).isEqualTo(send.getSpanId());
        assertThat(attempt.getAttributes().get(Tracing.ATTEMPT)).isEqualTo(1L);
        assertThat(attempt.getAttributes().get(Tracing.CARRIER)).isEqualTo("bandwidth");

        SpanData carrierCall = only(s -> s.getName().equals("POST") && s.getKind() == SpanKind.CLIENT);
        assertThat(carrierCall.getParentSpanId()).isEqualTo(attempt.getSpanId());
        assertThat(carrierCall.getAttributes().asMap())
                .containsEntry(attribute("http.response.status_code"), 202L)
                .containsEntry(attribute("server.address"), "localhost");
        LoggedRequest sent = remote.findAll(postRequestedFor(urlPathEqualTo(PlayedBandwidth.SEND_PATH)))
                .getFirst();
        assertThat(sent.getHeader("traceparent"))
                .as("the carrier sees the span of its own call")
                .isEqualTo("00-" + CLIENT_TRACE_ID + "-" + carrierCall.getSpanId() + "-01");

        List<SpanData> statusSteps = all(s -> s.getName().startsWith("workflow ")
                && "message.status".equals(s.getAttributes().get(Tracing.EVENT_TYPE)));
        assertThat(statusSteps).isNotEmpty().allSatisfy(step -> {
            assertThat(step.getTraceId()).isEqualTo(CLIENT_TRACE_ID);
            assertThat(step.getParentSpanId()).isEqualTo(server.getSpanId());
        });
        assertThat(callback.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(callback.getTraceId()).isEqualTo(CLIENT_TRACE_ID);
        assertThat(callback.getParentSpanId()).isEqualTo(server.getSpanId());
        LoggedRequest posted =
                remote.findAll(postRequestedFor(urlPathEqualTo("/callback"))).getFirst();
        assertThat(posted.getHeader("traceparent"))
                .isEqualTo("00-" + CLIENT_TRACE_ID + "-" + callback.getSpanId() + "-01");
        // the message shows its trace, for an operator to find it by
        assertThat(json(gateway.api("/v1/messages/" + messageId).body())
                        .path("metadata")
                        .path("traceParent")
                        .asText())
                .isEqualTo("00-" + CLIENT_TRACE_ID + "-" + server.getSpanId() + "-01");
    }

    @Test
    void aRetriedSendShowsEachAttemptAndTheFailureOfTheFirst() {
        // Bandwidth is down for the first call, then takes the message
        remote.stubFor(post(urlPathEqualTo(PlayedBandwidth.SEND_PATH))
                .atPriority(1)
                .inScenario("flaky")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse()
                        .withStatus(503)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"type\":\"service-unavailable\",\"description\":\"try again\"}"))
                .willSetStateTo("up"));
        HttpResponse<String> accepted = api("/v1/messages", """
                {"to": {"phoneNumber": "+14155550100"}, "content": {"type": "text", "text": "retried"}}""");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);

        SpanData send = awaitSpan(s -> s.getName().equals("send"));
        assertThat(send.getAttributes().get(Tracing.STATUS)).isEqualTo("sent");
        List<SpanData> attempts = all(s -> s.getName().equals("send attempt")).stream()
                .sorted(Comparator.comparing(s -> s.getAttributes().get(Tracing.ATTEMPT)))
                .toList();
        assertThat(attempts).hasSize(2).allSatisfy(a -> assertThat(a.getParentSpanId())
                .isEqualTo(send.getSpanId()));
        SpanData failed = attempts.get(0);
        assertThat(failed.getAttributes().get(Tracing.ATTEMPT)).isEqualTo(1L);
        assertThat(failed.getAttributes().get(Tracing.STATUS)).isEqualTo("retryable");
        assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(failed.getEvents()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("exception"));
        assertThat(attempts.get(1).getAttributes().get(Tracing.ATTEMPT)).isEqualTo(2L);
        assertThat(attempts.get(1).getAttributes().get(Tracing.STATUS)).isEqualTo("sent");
        // each attempt's carrier call is its own client span, and the carrier saw each one's traceparent
        List<String> calls = all(s -> s.getName().equals("POST") && s.getKind() == SpanKind.CLIENT).stream()
                .map(SpanData::getSpanId)
                .toList();
        assertThat(remote.findAll(postRequestedFor(urlPathEqualTo(PlayedBandwidth.SEND_PATH))))
                .extracting(r -> r.getHeader("traceparent").split("-")[2])
                .hasSize(2)
                .containsExactlyInAnyOrderElementsOf(calls);
    }

    private HttpResponse<String> api(String path, String body) {
        return gateway.send(HttpRequest.newBuilder(gateway.uri(path))
                .header("Authorization", "Bearer " + RunningGateway.API_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static io.opentelemetry.api.common.AttributeKey<?> attribute(String name) {
        return name.equals("http.response.status_code")
                ? io.opentelemetry.api.common.AttributeKey.longKey(name)
                : io.opentelemetry.api.common.AttributeKey.stringKey(name);
    }

    private List<SpanData> all(Predicate<SpanData> which) {
        return spans.getFinishedSpanItems().stream().filter(which).toList();
    }

    private SpanData only(Predicate<SpanData> which) {
        List<SpanData> found = all(which);
        assertThat(found).as("spans: %s", spans.getFinishedSpanItems()).hasSize(1);
        return found.getFirst();
    }

    private SpanData awaitSpan(Predicate<SpanData> which) {
        return await(() -> all(which).stream().findFirst().orElse(null));
    }

    private static <T> T await(Supplier<T> probe) {
        return io.omniservice.server.support.Conditions.await(probe, Duration.ofSeconds(20));
    }

    private static JsonNode json(String text) {
        return io.omniservice.server.support.Conditions.json(text);
    }
}
