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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The outbound benchmark: plays Bandwidth's send API on a local port (answering 202 at once, as the real
 * API does before it delivers), posts {@code POST /v1/messages} to the gateway, and measures sends/s as
 * the carrier receives them and the gateway's added latency: from the moment the client starts its POST
 * to the moment the carrier has the send, both on this JVM's clock.
 *
 * <p>After warming up (saturated rounds until steady, see {@link Warmup}), three runs: as fast as
 * {@code --concurrency} clients can post (throughput), a paced {@code --rate} per second (latency when the gateway
 * is not saturated), and accepting alone (scheduled an hour ahead, nothing sent).
 */
public final class OutboundLoad {

    private final Map<String, Long> postedAt = new ConcurrentHashMap<>();
    private final Map<String, Long> arrivedAt = new ConcurrentHashMap<>();
    private final AtomicLong carrierIds = new AtomicLong();

    private static final String USAGE = "java -cp bench/target/omniservice-bench.jar io.omniservice.bench.OutboundLoad"
            + " [--target URL] [--carrier-port N] [--api-key K] [--concurrency N] [--seconds N] [--rate N]"
            + " [--warmup N] [--max-rounds N] [--gateway-pid PID]";

    /** Two warm-up rounds in a row whose rates differ by at most this share are steady. */
    private static final double STEADY_RATE = 0.10;

    /** The JIT compilers' share of the gateway's CPU in a round, in percent, under which it counts as compiled. */
    private static final int COMPILED_JIT_PERCENT = 5;

    public static void main(String[] args) throws Exception {
        Flags flags = new Flags(
                args,
                USAGE,
                "target",
                "carrier-port",
                "api-key",
                "concurrency",
                "seconds",
                "rate",
                "warmup",
                "max-rounds",
                "gateway-pid");
        int pid = flags.number("gateway-pid", 0, 0);
        Warmup warmup = new Warmup(
                flags.seconds("warmup", 5, 1),
                flags.number("max-rounds", 16, 1),
                pid > 0 ? new GatewayCpu(Path.of("/proc"), pid) : null);
        new OutboundLoad()
                .run(
                        flags.uri("target", "http://127.0.0.1:18080"),
                        flags.number("carrier-port", 18090, 1),
                        flags.text("api-key", "bench-api-key"),
                        flags.number("concurrency", 64, 1),
                        flags.number("seconds", 15, 1),
                        warmup,
                        flags.number("rate", 1000, 1));
    }

    /**
     * Saturated rounds of {@code round} each, until two in a row send at rates within {@link #STEADY_RATE} of each
     * other and, when the gateway's process is known ({@code gateway}), its JIT compilers took under
     * {@link #COMPILED_JIT_PERCENT} % of its CPU in the last. A fixed 5 s warm-up had measured the compilers on a
     * slower machine: 390–555 sends/s saturated, below the 750–960 of the paced run that followed, and 1,520
     * after 40 s of warm-up.
     */
    private record Warmup(Duration round, int maxRounds, GatewayCpu gateway) {}

    private void run(URI target, int carrierPort, String apiKey, int concurrency, int seconds, Warmup warmup, int rate)
            throws Exception {
        HttpServer carrier = carrier(carrierPort);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        System.out.printf(
                Locale.ROOT,
                "outbound: target %s, carrier on :%d, %d cores%n",
                target,
                carrierPort,
                Runtime.getRuntime().availableProcessors());
        try {
            warmUp(client, target, apiKey, concurrency, warmup);
            report("saturated", load(client, target, apiKey, concurrency, Duration.ofSeconds(seconds), 0));
            report("paced", load(client, target, apiKey, concurrency, Duration.ofSeconds(seconds), rate));
            // accepting alone: scheduled an hour ahead, so nothing is sent while the clock runs
            Window accepting = load(
                    client,
                    target,
                    apiKey,
                    concurrency,
                    Duration.ofSeconds(seconds),
                    0,
                    ",\"options\":{\"scheduledAt\":\"" + java.time.Instant.now().plusSeconds(3600) + "\"}");
            System.out.printf(
                    Locale.ROOT,
                    "accept    %7d accepted (%6.0f/s), scheduled an hour ahead: the API and its commit alone%n",
                    accepting.accepted(),
                    accepting.accepted() / ((accepting.end() - accepting.start()) / 1e9));
        } finally {
            carrier.stop(0);
        }
    }

    /** Bandwidth's {@code POST /api/v2/users/{accountId}/messages}, recording when each of our messages arrives. */
    private HttpServer carrier(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/api/v2/users/", exchange -> {
            long now = System.nanoTime();
            String tag = field(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), "tag");
            arrivedAt.putIfAbsent(tag, now);
            byte[] answer = ("{\"id\":\"bench" + carrierIds.incrementAndGet()
                            + "\",\"owner\":\"+14155550198\",\"segmentCount\":1,\"direction\":\"out\",\"tag\":\"" + tag
                            + "\"}")
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

    private record Window(long start, long end, long accepted, long refused, List<String> ids) {}

    /** Posts for {@code duration}; {@code rate} 0 means as fast as the clients go. */
    private Window load(HttpClient client, URI target, String apiKey, int concurrency, Duration duration, int rate)
            throws InterruptedException {
        return load(client, target, apiKey, concurrency, duration, rate, "");
    }

    private Window load(
            HttpClient client, URI target, String apiKey, int concurrency, Duration duration, int rate, String options)
            throws InterruptedException {
        long start = System.nanoTime();
        AtomicLong accepted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        Pacer pacer = new Pacer(start, duration, rate);
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < concurrency; c++) {
            int me = c;
            clients.add(Thread.ofVirtual().start(() -> {
                for (int n = 0; pacer.awaitNext() >= 0; n++) {
                    long t0 = System.nanoTime();
                    String body =
                            "{\"to\":{\"phoneNumber\":\"+1650%07d\"},\"content\":{\"type\":\"text\",\"text\":\"bench %d\"}}"
                                    .formatted(me * 10_000 + n % 10_000, n);
                    try {
                        HttpResponse<String> response = client.send(
                                HttpRequest.newBuilder(target.resolve("/v1/messages"))
                                        .header("Authorization", "Bearer " + apiKey)
                                        .header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString(body))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() == 202) {
                            String id = field(response.body(), "messageId");
                            postedAt.put(id, t0);
                            ids.add(id);
                            accepted.incrementAndGet();
                        } else if (refused.incrementAndGet() <= 3) {
                            System.err.println("unexpected " + response.statusCode() + ": " + response.body());
                        }
                    } catch (Exception e) {
                        if (refused.incrementAndGet() <= 3) {
                            System.err.println("request failed: " + e);
                        }
                    }
                }
            }));
        }
        for (Thread t : clients) {
            t.join();
        }
        long stopped = System.nanoTime();
        // let the sends of the last requests reach the carrier
        long drainUntil =
                stopped + Duration.ofSeconds(options.isEmpty() ? 30 : 0).toNanos();
        while (System.nanoTime() < drainUntil && !arrivedAt.keySet().containsAll(ids)) {
            Thread.sleep(50);
        }
        return new Window(start, stopped, accepted.get(), refused.get(), List.copyOf(ids));
    }

    private void warmUp(HttpClient client, URI target, String apiKey, int concurrency, Warmup warmup) throws Exception {
        double previous = -1;
        for (int round = 1; round <= warmup.maxRounds(); round++) {
            GatewayCpu.Ticks before =
                    warmup.gateway() == null ? null : warmup.gateway().now();
            double rate = sendRate(load(client, target, apiKey, concurrency, warmup.round(), 0));
            int jit = before == null ? 0 : warmup.gateway().now().jitPercentSince(before);
            System.out.printf(
                    Locale.ROOT,
                    "outbound: warm-up round %d: %.0f sends/s%s%n",
                    round,
                    rate,
                    before == null ? "" : ", JIT " + jit + " % of the gateway's CPU");
            if (steady(previous, rate, jit)) {
                return;
            }
            previous = rate;
        }
        System.err.printf(
                Locale.ROOT,
                "outbound: the rate or the JIT still moved after %d warm-up rounds; measuring anyway%n",
                warmup.maxRounds());
    }

    /**
     * Whether a warm-up round that sent {@code rate} per second, with the JIT compilers at {@code jitPercent} of the
     * gateway's CPU, ends the warm-up after a round that sent {@code previous} (negative: there was none).
     */
    static boolean steady(double previous, double rate, int jitPercent) {
        return previous > 0 && Math.abs(rate - previous) <= STEADY_RATE * previous && jitPercent < COMPILED_JIT_PERCENT;
    }

    /** What the carrier received of a window's messages per second, from the window's start to the last arrival. */
    private double sendRate(Window w) {
        long sent = w.ids().stream().filter(arrivedAt::containsKey).count();
        return sent / ((lastArrival(w) - w.start()) / 1e9);
    }

    private long lastArrival(Window w) {
        return w.ids().stream()
                .map(arrivedAt::get)
                .filter(java.util.Objects::nonNull)
                .mapToLong(Long::longValue)
                .max()
                .orElse(w.end());
    }

    private void report(String name, Window w) {
        long[] latencies = w.ids().stream()
                .filter(arrivedAt::containsKey)
                .mapToLong(id -> arrivedAt.get(id) - postedAt.get(id))
                .sorted()
                .toArray();
        double acceptSeconds = (w.end() - w.start()) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "%-9s %7d accepted (%6.0f/s) %5d refused  %7d sent (%6.0f sends/s)  added latency p50 %7.2f ms"
                        + "  p99 %7.2f ms%n",
                name,
                w.accepted(),
                w.accepted() / acceptSeconds,
                w.refused(),
                latencies.length,
                sendRate(w),
                Percentile.millis(latencies, 0.50),
                Percentile.millis(latencies, 0.99));
    }

    /**
     * A string field of a flat JSON object, as both sides write it ({@code "name":"value"}, no escapes in
     * ids): the load tool has no JSON library so that its jar runs alone.
     */
    static String field(String json, String name) {
        String key = "\"" + name + "\":\"";
        int from = json.indexOf(key);
        if (from < 0) {
            throw new IllegalArgumentException("no " + name + " in " + json);
        }
        from += key.length();
        return json.substring(from, json.indexOf('"', from));
    }
}
