package io.omniservice.acceptance;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbound half of the durability invariant: every send answered 202 reaches a carrier even when
 * the gateway is killed with kill -9 while sends are queued and in flight; a message reaches the
 * carrier twice only when its outcome was not yet stored at the kill (the documented resend window): a
 * message the API showed as {@code sent} before the kill is never sent again.
 */
class OutboundCrashTest {
    private static final Duration CARRIER_DELAY = Duration.ofMillis(200);
    private static final String SEND_PATH = "/api/v2/users/" + GatewayProcess.BANDWIDTH_ACCOUNT + "/messages";

    @TempDir
    Path directory;

    @Test
    void everyAcceptedSendReachesTheCarrierAfterKillNineAndOnlyUnstoredOnesRepeat() throws Exception {
        sendsSurviveKillNine(directory, GatewayProcess.Setup.embedded());
    }

    /**
     * Sends accepted by a node set up as {@code setup} (sending through a played Bandwidth), kill -9, restart,
     * check. Until the kill a reader asks the API for each accepted message's status: one it saw {@code sent}
     * had its outcome stored, and the job went in the same transaction, so the carrier must have it once.
     * How long before the kill a repeated message's first send was answered is printed, not asserted: it is
     * the time the store took to make that outcome durable, which a loaded machine's disk decides (1.2 s once
     * under CI, with other gateways' tests syncing beside it).
     */
    static void sendsSurviveKillNine(Path directory, GatewayProcess.Setup setup) throws Exception {
        WireMockServer bandwidth =
                new WireMockServer(WireMockConfiguration.options().dynamicPort().globalTemplating(true));
        bandwidth.start();
        bandwidth.stubFor(post(urlPathEqualTo(SEND_PATH))
                .willReturn(aResponse()
                        .withStatus(202)
                        .withFixedDelay((int) CARRIER_DELAY.toMillis())
                        .withHeader("Content-Type", "application/json")
                        .withBody("""
                                {"id":"{{randomValue length=30 type='ALPHANUMERIC'}}","owner":"+14155550198",
                                 "time":"2026-11-25T12:00:00.000Z","segmentCount":1,"direction":"out",
                                 "to":["{{jsonPath request.body '$.to[0]'}}"],"from":"+14155550198",
                                 "tag":"{{jsonPath request.body '$.tag'}}"}""")));
        try (GatewayProcess gateway =
                GatewayProcess.start(directory, setup.sendingThrough("http://127.0.0.1:" + bandwidth.port()))) {
            Set<String> accepted = ConcurrentHashMap.newKeySet();
            AtomicInteger refused = new AtomicInteger();
            HttpClient client = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            List<Thread> posters = new ArrayList<>();
            // messages the API answered as sent before the kill: their outcomes were stored
            Set<String> seenSent = ConcurrentHashMap.newKeySet();
            java.util.concurrent.atomic.AtomicBoolean killing = new java.util.concurrent.atomic.AtomicBoolean();
            Thread reader =
                    Thread.ofVirtual().start(() -> readStatusesUntilKilled(gateway, accepted, seenSent, killing));
            for (int p = 0; p < 16; p++) {
                int poster = p;
                posters.add(Thread.ofVirtual().start(() -> {
                    for (int n = 0; n < 100; n++) {
                        String body = """
                                {"to": {"phoneNumber": "+1650555%04d"}, "content": {"type": "text", "text": "m %d"}}""".formatted(poster * 100 + n % 40, n);
                        try {
                            HttpResponse<String> answer = client.send(
                                    HttpRequest.newBuilder(gateway.uri("/v1/messages"))
                                            .header("Authorization", "Bearer " + GatewayProcess.API_KEY)
                                            .header("Content-Type", "application/json")
                                            .POST(HttpRequest.BodyPublishers.ofString(body))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (answer.statusCode() == 202) {
                                accepted.add(GatewayApi.JSON
                                        .readTree(answer.body())
                                        .path("messageId")
                                        .asText());
                            } else {
                                refused.incrementAndGet();
                            }
                        } catch (Exception gatewayGone) {
                            return;
                        }
                    }
                }));
            }
            // kill once the carrier has some sends and more are queued and in flight behind them
            while (bandwidth
                                    .countRequestsMatching(postRequestedFor(urlPathEqualTo(SEND_PATH))
                                            .build())
                                    .getCount()
                            < 100
                    || accepted.size() < 300
                    || seenSent.size() < 20) {
                Thread.sleep(5);
            }
            Instant killedAt = Instant.now();
            killing.set(true);
            gateway.kill();
            reader.join();
            for (Thread poster : posters) {
                poster.join();
            }
            assertThat(refused.get()).as("requests refused before the kill").isZero();

            // the carrier logs a request when it gets to reading it, which lags under load: wait until the
            // killed process's requests are all logged, then note which they are
            int logged = -1;
            while (logged != bandwidth.getAllServeEvents().size()) {
                logged = bandwidth.getAllServeEvents().size();
                Thread.sleep(500);
            }
            Set<java.util.UUID> fromKilledProcess = bandwidth.getAllServeEvents().stream()
                    .map(e -> e.getRequest().getId())
                    .collect(Collectors.toSet());
            gateway.restart();
            GatewayApi api = new GatewayApi(gateway);
            // three minutes: on the AWS mode's emulators a 2-core machine took over one to send the last of them
            Instant restarted = Instant.now();
            Instant deadline = restarted.plusSeconds(180);
            List<String> unsent = new ArrayList<>(accepted);
            while (!unsent.isEmpty() && Instant.now().isBefore(deadline)) {
                List<String> still = new ArrayList<>();
                for (String id : unsent) {
                    JsonNode message = api.getJson("/v1/messages/" + id);
                    if (!"sent".equals(message.path("status").asText())) {
                        still.add(id);
                    }
                }
                unsent = still;
                Thread.sleep(100);
            }
            System.out.printf(
                    "outbound kill -9: %d accepted, %d not sent %d s after the restart%n",
                    accepted.size(),
                    unsent.size(),
                    Duration.between(restarted, Instant.now()).toSeconds());
            assertThat(unsent)
                    .as("accepted messages not sent after the restart")
                    .isEmpty();

            List<LoggedRequest> requests = bandwidth.findAll(postRequestedFor(urlPathEqualTo(SEND_PATH)));
            Map<String, List<LoggedRequest>> byMessage =
                    requests.stream().collect(Collectors.groupingBy(r -> tag(r.getBodyAsString())));
            assertThat(byMessage.keySet()).containsAll(accepted);
            Duration longestUnstored = Duration.ZERO;
            List<String> repeated = byMessage.entrySet().stream()
                    .filter(e -> e.getValue().size() > 1)
                    .map(Map.Entry::getKey)
                    .toList();
            for (String id : repeated) {
                List<LoggedRequest> sends = byMessage.get(id);
                assertThat(sends).as("sends of %s", id).hasSize(2);
                LoggedRequest first = sends.stream()
                        .min(java.util.Comparator.comparing(LoggedRequest::getLoggedDate))
                        .orElseThrow();
                assertThat(fromKilledProcess)
                        .as("a repeated message's first send came from the killed process")
                        .contains(first.getId());
                assertThat(seenSent)
                        .as("a message sent twice was shown as sent before the kill")
                        .doesNotContain(id);
                Duration unstored =
                        Duration.between(first.getLoggedDate().toInstant().plus(CARRIER_DELAY), killedAt);
                longestUnstored = unstored.compareTo(longestUnstored) > 0 ? unstored : longestUnstored;
            }
            System.out.printf(
                    "outbound kill -9: %d accepted, %d seen sent before the kill, %d carrier requests before the"
                            + " kill, %d after; %d messages sent twice (first attempt unanswered at the kill, or"
                            + " answered at most %d ms before it)%n",
                    accepted.size(),
                    seenSent.size(),
                    fromKilledProcess.size(),
                    requests.size() - fromKilledProcess.size(),
                    repeated.size(),
                    longestUnstored.toMillis());
        } finally {
            bandwidth.stop();
        }
    }

    /** Asks for each accepted message not yet seen sent, round after round, until the kill. */
    private static void readStatusesUntilKilled(
            GatewayProcess gateway,
            Set<String> accepted,
            Set<String> seenSent,
            java.util.concurrent.atomic.AtomicBoolean killing) {
        GatewayApi api = new GatewayApi(gateway);
        while (!killing.get()) {
            for (String id : List.copyOf(accepted)) {
                if (killing.get()) {
                    return;
                }
                if (seenSent.contains(id)) {
                    continue;
                }
                try {
                    if ("sent"
                            .equals(api.getJson("/v1/messages/" + id)
                                    .path("status")
                                    .asText())) {
                        seenSent.add(id);
                    }
                } catch (Exception | AssertionError gatewayGone) {
                    return;
                }
            }
            Thread.onSpinWait();
        }
    }

    private static String tag(String body) {
        try {
            return GatewayApi.JSON.readTree(body).path("tag").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
