package io.omniservice.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The campaign benchmark for per-sender pacing: plays Bandwidth's send API on a local port, queues a campaign
 * of {@code --messages} normal messages spread over {@code --senders} from-numbers (each paced by the gateway
 * at {@code --mps}), and while it drains posts a {@code high} transactional message to another recipient every
 * {@code --high-every-ms}. Reports the high messages' added latency (POST started → carrier has it) p50/p99
 * and, from the carrier's own log of arrivals, the most sends of one sender in any one-second window.
 */
public final class CampaignLoad {
    private static final String USAGE = "CampaignLoad [--target URL] [--carrier-port N] [--api-key KEY]"
            + " [--messages N] [--senders N] [--mps N] [--high-every-ms N] [--concurrency N]";

    /** Carrier arrivals: the message's tag, its from number, and when (this JVM's nanoTime). */
    private record Arrival(String tag, String from, long at) {}

    private final List<Arrival> arrivals = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Long> arrivedAt = new ConcurrentHashMap<>();
    private final AtomicLong carrierIds = new AtomicLong();

    public static void main(String[] args) throws Exception {
        Flags flags = new Flags(
                args,
                USAGE,
                "target",
                "carrier-port",
                "api-key",
                "messages",
                "senders",
                "mps",
                "high-every-ms",
                "concurrency");
        new CampaignLoad()
                .run(
                        flags.uri("target", "http://127.0.0.1:18080"),
                        flags.number("carrier-port", 18090, 1),
                        flags.text("api-key", "bench-api-key"),
                        flags.number("messages", 10_000, 1),
                        flags.number("senders", 5, 1),
                        flags.number("mps", 1, 1),
                        flags.number("high-every-ms", 1_000, 10),
                        flags.number("concurrency", 32, 1));
    }

    static String sender(int i) {
        return "+1415555%04d".formatted(7000 + i);
    }

    private void run(
            URI target,
            int carrierPort,
            String apiKey,
            int messages,
            int senders,
            int mps,
            int highEveryMs,
            int concurrency)
            throws Exception {
        HttpServer carrier = carrier(carrierPort);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        double drainSeconds = (double) messages / (senders * mps);
        System.out.printf(
                Locale.ROOT,
                "campaign: %d messages over %d senders at %d/s each (%.0f s to drain), a high message every %d ms;"
                        + " %d cores%n",
                messages,
                senders,
                mps,
                drainSeconds,
                highEveryMs,
                Runtime.getRuntime().availableProcessors());
        try {
            long start = System.nanoTime();
            AtomicInteger next = new AtomicInteger();
            List<Thread> posters = new ArrayList<>();
            for (int c = 0; c < concurrency; c++) {
                posters.add(Thread.ofVirtual().start(() -> {
                    for (int n; (n = next.getAndIncrement()) < messages; ) {
                        post(client, target, apiKey, "+1650%07d".formatted(n), sender(n % senders), "normal", "c" + n);
                    }
                }));
            }
            for (Thread t : posters) {
                t.join();
            }
            double queuedIn = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "queued    %d campaign messages in %.1f s%n", messages, queuedIn);
            Map<String, Long> highPosted = new ConcurrentHashMap<>();
            int h = 0;
            while (arrivedAt.size() < messages + highPosted.size()
                    && System.nanoTime() - start < (long) ((drainSeconds * 1.5 + 60) * 1e9)) {
                if (countCampaign() < messages) {
                    String tag = "h" + h;
                    long t0 = System.nanoTime();
                    if (post(client, target, apiKey, "+1651%07d".formatted(h), sender(h % senders), "high", tag)) {
                        highPosted.put(tag, t0);
                    }
                    h++;
                }
                Thread.sleep(highEveryMs);
            }
            long[] latencies = highPosted.entrySet().stream()
                    .filter(e -> arrivedAt.containsKey(e.getKey()))
                    .mapToLong(e -> arrivedAt.get(e.getKey()) - e.getValue())
                    .sorted()
                    .toArray();
            double took = (lastArrival() - start) / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "sent      %d of %d campaign messages in %.1f s (%.2f/s; %d senders x %d/s = %d/s)%n",
                    countCampaign(),
                    messages,
                    took,
                    countCampaign() / took,
                    senders,
                    mps,
                    senders * mps);
            System.out.printf(
                    Locale.ROOT,
                    "high      %d of %d sent beside it, added latency p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                    latencies.length,
                    highPosted.size(),
                    Percentile.millis(latencies, 0.50),
                    Percentile.millis(latencies, 0.99),
                    Percentile.millis(latencies, 1.0));
            System.out.printf(
                    Locale.ROOT,
                    "rate      most sends of one sender in any one-second window: %d (limit %d)%n",
                    busiestSecond(),
                    mps);
        } finally {
            carrier.stop(0);
        }
    }

    private long countCampaign() {
        return arrivedAt.keySet().stream().filter(t -> t.startsWith("c")).count();
    }

    private long lastArrival() {
        synchronized (arrivals) {
            return arrivals.stream().mapToLong(Arrival::at).max().orElse(System.nanoTime());
        }
    }

    /** The most arrivals of one from-number in any window [t, t + 1 s), t an arrival of that sender. */
    int busiestSecond() {
        Map<String, List<Long>> bySender = new ConcurrentHashMap<>();
        synchronized (arrivals) {
            for (Arrival a : arrivals) {
                bySender.computeIfAbsent(a.from(), f -> new ArrayList<>()).add(a.at());
            }
        }
        int most = 0;
        for (List<Long> times : bySender.values()) {
            Collections.sort(times);
            int j = 0;
            for (int i = 0; i < times.size(); i++) {
                while (times.get(i) - times.get(j) >= 1_000_000_000L) {
                    j++;
                }
                most = Math.max(most, i - j + 1);
            }
        }
        return most;
    }

    private boolean post(
            HttpClient client, URI target, String apiKey, String to, String from, String priority, String tag) {
        String body = ("{\"to\":{\"phoneNumber\":\"%s\"},\"from\":{\"phoneNumber\":\"%s\"},"
                        + "\"content\":{\"type\":\"text\",\"text\":\"%s\"},\"options\":{\"priority\":\"%s\"}}")
                .formatted(to, from, tag, priority);
        try {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(target.resolve("/v1/messages"))
                            .header("Authorization", "Bearer " + apiKey)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 202) {
                System.err.println("unexpected " + response.statusCode() + ": " + response.body());
                return false;
            }
            return true;
        } catch (IOException | InterruptedException e) {
            System.err.println("request failed: " + e);
            return false;
        }
    }

    /** Bandwidth's send API; the message's text is its tag here, so the carrier knows which message came. */
    private HttpServer carrier(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/api/v2/users/", exchange -> {
            long now = System.nanoTime();
            String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String tag = OutboundLoad.field(request, "text");
            String from = OutboundLoad.field(request, "from");
            if (arrivedAt.putIfAbsent(tag, now) == null) {
                arrivals.add(new Arrival(tag, from, now));
            }
            byte[] answer = ("{\"id\":\"campaign" + carrierIds.incrementAndGet() + "\",\"owner\":\"" + from
                            + "\",\"segmentCount\":1,\"direction\":\"out\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(202, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
        return server;
    }
}
