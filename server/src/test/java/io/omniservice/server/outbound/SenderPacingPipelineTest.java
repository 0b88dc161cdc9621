package io.omniservice.server.outbound;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.Conditions;
import io.omniservice.server.support.PlayedBandwidth;
import io.omniservice.server.support.PlayedCarriers;
import io.omniservice.server.support.RunningGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-sender pacing end to end: a campaign through one Bandwidth number paced at 5 messages per second, as the
 * played carrier's request log shows it, beside a {@code high} message to another recipient.
 */
class SenderPacingPipelineTest {
    private static final int MPS = 5;

    @TempDir
    Path data;

    @RegisterExtension
    final PlayedCarriers played = new PlayedCarriers();

    WireMockServer carriers;
    RunningGateway gateway;

    @BeforeEach
    void start() {
        carriers = played.server();
    }

    private void startGateway() {
        String base = played.baseUrl();
        gateway = played.gateway(new RunningGateway(
                data,
                1 << 20,
                PlayedBandwidth.bandwidthYaml(base) + """
                outbound:
                  nodeId: test-node
                  pollMillis: 20
                  retry: {maxAttempts: 3, initialBackoffMillis: 20, maxBackoffMillis: 100, maxRetryAfterSeconds: 5}
                  pacing:
                    enabled: true
                    recoverSeconds: 60
                    senders:
                      - {carrier: bandwidth, account: default, from: "+14155550198", mps: %d}
                """.formatted(MPS),
                ConfiguredCarriers.installedProviders()));
    }

    private String send(String to, String text, String priority) {
        HttpResponse<String> accepted = gateway.send(HttpRequest.newBuilder(gateway.uri("/v1/messages"))
                .header("Authorization", "Bearer " + RunningGateway.API_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"to": {"phoneNumber": "%s"}, "content": {"type": "text", "text": "%s"},
                         "options": {"priority": "%s"}}""".formatted(to, text, priority))));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return json(accepted.body()).path("messageId").asText();
    }

    private List<LoggedRequest> sends() {
        return PlayedBandwidth.sends(carriers);
    }

    private static JsonNode json(String text) {
        return Conditions.json(text);
    }

    private static <T> T await(Supplier<T> probe) {
        return Conditions.await(probe, Duration.ofSeconds(60));
    }

    @Test
    void aCampaignKeepsItsSendersRateAndAHighMessageToAnotherRecipientGoesNext() {
        PlayedBandwidth.accepts(carriers);
        startGateway();
        // 12 s of sends at 5/s: long enough that the high message comes in the middle however slow the machine
        int campaign = 60;
        for (int i = 0; i < campaign; i++) {
            send("+1415555%04d".formatted(1000 + i), "campaign " + i, "low");
        }
        await(() -> sends().size() >= 3 ? true : null);
        int before = sends().size();
        send("+14155559999", "your code is 123456", "high");
        int accepted = sends().size();

        await(() -> sends().size() == campaign + 1 ? true : null);
        List<LoggedRequest> log = sends();
        int highAt = -1;
        for (int i = 0; i < log.size(); i++) {
            if (log.get(i).getBodyAsString().contains("your code is")) {
                highAt = i;
            }
        }
        // once accepted it waits at most for the sends already under way, then takes the next turn: not
        // behind the campaign's rest
        assertThat(highAt).isBetween(before, accepted + 2);
        assertThat(campaign - accepted).as("the campaign still had sends to go").isGreaterThan(10);
        assertThat(PlayedBandwidth.busiestSecond(log))
                .as(
                        "arrivals (ms): %s",
                        log.stream()
                                .map(r -> r.getLoggedDate().getTime()
                                        - log.getFirst().getLoggedDate().getTime())
                                .toList())
                .isLessThanOrEqualTo(MPS);
        long took = log.getLast().getLoggedDate().getTime()
                - log.getFirst().getLoggedDate().getTime();
        assertThat(took).as("61 sends at 5/s").isGreaterThanOrEqualTo(campaign * 1000L / MPS);
    }

    @Test
    void aCarriers429SlowsTheSenderDownBeyondItsRetryAfter() {
        carriers.stubFor(post(urlPathEqualTo(PlayedBandwidth.SEND_PATH))
                .inScenario("throttle")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse()
                        .withStatus(429)
                        .withHeader("Retry-After", "1")
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"type\":\"max-message-queue-size-exceeded\",\"description\":\"slow down\"}"))
                .willSetStateTo("open"));
        carriers.stubFor(post(urlPathEqualTo(PlayedBandwidth.SEND_PATH))
                .inScenario("throttle")
                .whenScenarioStateIs("open")
                .willReturn(PlayedBandwidth.accepted()));
        startGateway();
        send("+14155552000", "first", "normal");
        await(() -> sends().size() >= 2 ? true : null);
        for (int i = 1; i < 6; i++) {
            send("+1415555%04d".formatted(2000 + i), "m" + i, "normal");
        }

        await(() -> sends().size() >= 7 ? true : null);
        List<LoggedRequest> log = sends();
        long afterThrottle = log.get(1).getLoggedDate().getTime()
                - log.get(0).getLoggedDate().getTime();
        assertThat(afterThrottle).as("Retry-After: 1").isGreaterThanOrEqualTo(1000);
        // then at half the rate: no more than 2 (of 5) in any second of the carrier's log
        assertThat(PlayedBandwidth.busiestSecond(log.subList(1, log.size()))).isLessThanOrEqualTo(2);
    }
}
