package io.omniservice.server.processing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.RunningGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rule pattern that backtracks exponentially on java.util.regex ({@code ^(?:(?:a|a)+)+b} against a run of
 * {@code a}s) once made {@code /health/live} take seconds; on RE2/J it costs what the text's length costs.
 */
class HostilePatternTest {
    private static final int MESSAGES = 6;

    @TempDir
    Path data;

    WireMockServer subscriber;
    RunningGateway gateway;

    @BeforeEach
    void start() {
        subscriber = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        subscriber.start();
        subscriber.stubFor(
                post(urlPathEqualTo("/events")).willReturn(aResponse().withStatus(200)));
        gateway = new RunningGateway(data, 1 << 20, """
                carriers:
                  bandwidth:
                    default:
                      callbackUsername: bw-user
                      callbackPassword: bw-password
                outbound:
                  pollMillis: 20
                processing:
                  pollMillis: 20
                """, ConfiguredCarriers.installedProviders());
    }

    @AfterEach
    void stop() {
        gateway.close();
        subscriber.stop();
    }

    @Test
    void aCatastrophicPatternNeitherStallsTheProcessNorItsMessages() {
        HttpResponse<String> rule = gateway.as(RunningGateway.API_KEY, "POST", "/v1/rules", """
                {"name": "hostile", "match": {"pattern": "^(?:(?:a|a)+)+b"},
                 "actions": [{"type": "tag", "tag": "hostile"}]}""");
        assertThat(rule.statusCode()).as(rule.body()).isEqualTo(201);
        HttpResponse<String> subscribed =
                gateway.as(RunningGateway.API_KEY, "POST", "/v1/subscriptions", """
                {"url": "http://127.0.0.1:%d/events", "events": ["message.received"]}""".formatted(subscriber.port()));
        assertThat(subscribed.statusCode()).as(subscribed.body()).isEqualTo(201);
        probeMillis(); // the first request of a client pays for its connection

        List<Long> probes = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            bandwidthInbound("bw-hostile-" + i, "a".repeat(30 + 2 * i));
            probes.add(probeMillis());
        }
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (subscriber.findAll(postRequestedFor(urlPathEqualTo("/events"))).size() < MESSAGES) {
            assertThat(System.nanoTime())
                    .as("every message processed within 20 s")
                    .isLessThan(deadline);
            probes.add(probeMillis());
        }
        for (int i = 0; i < 5; i++) {
            probes.add(probeMillis());
        }

        List<Long> sorted = probes.stream().sorted().toList();
        // the median carries the claim (a backtracking engine made every probe take seconds); the maximum only
        // has to stay far from that, since a shared 2-core CI machine can pause any one request
        assertThat(sorted.get(sorted.size() / 2)).as("median of %s", probes).isLessThan(100);
        assertThat(sorted.getLast()).as("slowest of %s", probes).isLessThan(1_000);
    }

    private long probeMillis() {
        long started = System.nanoTime();
        HttpResponse<String> live = gateway.get("/health/live");
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertThat(live.statusCode()).isEqualTo(200);
        return millis;
    }

    private void bandwidthInbound(String id, String text) {
        String body = "[{\"type\":\"message-received\",\"time\":\"2026-11-25T12:00:00Z\",\"description\":\"Incoming\","
                + "\"to\":\"+14155550198\",\"message\":{\"id\":\"" + id + "\",\"time\":\"2026-11-25T12:00:00Z\","
                + "\"to\":[\"+14155550198\"],\"from\":\"+14155550100\",\"text\":\"" + text + "\","
                + "\"applicationId\":\"93de2206-9669-4e07-948d-329f4b722ee2\",\"owner\":\"+14155550198\","
                + "\"direction\":\"in\",\"segmentCount\":1}}]";
        HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/bandwidth"))
                .header("Content-Type", "application/json")
                .header("Authorization", CarrierHttp.basicAuth("bw-user", "bw-password"))
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }
}
