package io.omniservice.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
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
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability invariant: a webhook answered 200 is stored, once, even when the gateway is killed with
 * kill -9 while webhooks are arriving, and a carrier's retry after the restart stores nothing new.
 */
class DurabilityTest {
    @TempDir
    Path directory;

    @Test
    void everyAcknowledgedWebhookSurvivesKillNineExactlyOnce() throws Exception {
        survivesKillNine(directory, GatewayProcess.Setup.embedded());
    }

    /** Webhooks posted to a node set up as {@code setup} until 500 are answered, then kill -9, restart, check. */
    static void survivesKillNine(Path directory, GatewayProcess.Setup setup) throws Exception {
        Instant since = Instant.now().minusSeconds(5);
        try (GatewayProcess gateway = GatewayProcess.start(directory, setup)) {
            SignedWebhooks webhooks = new SignedWebhooks(gateway);
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicInteger refused = new AtomicInteger();
            HttpClient client = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            // Posters go on until the kill takes the gateway away; on a loaded machine 500 answers may take a while.
            long stopAt = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            List<Thread> posters = new ArrayList<>();
            for (int p = 0; p < 32; p++) {
                int poster = p;
                posters.add(Thread.ofVirtual().start(() -> {
                    for (int n = 0; System.nanoTime() < stopAt; n++) {
                        String sid = "SM%016d%016d".formatted(poster, n);
                        try {
                            HttpResponse<Void> answer = client.send(
                                    webhooks.twilioSms(sid, "+1650555%04d".formatted(poster), "message " + n),
                                    HttpResponse.BodyHandlers.discarding());
                            if (answer.statusCode() == 200) {
                                acknowledged.add(sid);
                            } else {
                                refused.incrementAndGet();
                            }
                        } catch (Exception gatewayGone) {
                            return;
                        }
                    }
                }));
            }
            while (acknowledged.size() < 500) {
                assertThat(System.nanoTime())
                        .as("500 webhooks answered within two minutes")
                        .isLessThan(stopAt);
                Thread.sleep(20);
            }
            gateway.kill();
            for (Thread poster : posters) {
                poster.join();
            }
            assertThat(refused.get()).as("webhooks refused before the kill").isZero();

            gateway.restart();
            GatewayApi api = new GatewayApi(gateway);
            String range = "since=" + GatewayApi.encode(since.toString()) + "&until="
                    + GatewayApi.encode(Instant.now().plusSeconds(5).toString());
            Map<String, Long> stored = api.all("/v1/messages?carrier=twilio&" + range).stream()
                    .map(m -> m.get("carrierMessageId").asText())
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));

            assertThat(stored.keySet())
                    .as("every acknowledged webhook is stored")
                    .containsAll(acknowledged);
            assertThat(stored.values()).as("each stored exactly once").allMatch(count -> count == 1);

            // The carrier never saw some answers and retries everything after the restart: nothing new is stored.
            List<String> retried = acknowledged.stream().limit(100).toList();
            for (String sid : retried) {
                int poster = Integer.parseInt(sid.substring(2, 18));
                assertThat(api.send(webhooks.twilioSms(sid, "+1650555%04d".formatted(poster), "retry"))
                                .statusCode())
                        .isEqualTo(200);
            }
            List<JsonNode> after = api.all("/v1/messages?carrier=twilio&" + range);
            assertThat(after).hasSize(stored.size());
            System.out.printf(
                    "durability: %d acknowledged before kill -9, %d stored after restart (%d committed but unanswered)%n",
                    acknowledged.size(), stored.size(), stored.size() - acknowledged.size());
        }
    }
}
