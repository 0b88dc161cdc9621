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
import java.nio.file.Files;
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
 * the carrier receives them.
 *
 * <p>After warming up (saturated rounds until steady, see {@link Warmup}), three runs: as fast as
 * {@code --concurrency} connections can post (throughput), a paced {@code --rate} per second (the gateway's added
 * latency when it is not saturated: from the moment a client starts its POST to the moment the carrier has the
 * send, both on this JVM's clock), and accepting alone (scheduled an hour ahead, nothing sent); then an idle
 * window with those jobs waiting, for the CPU the dispatcher's polls cost.
 *
 * <p>The saturated runs post with {@code wrk} ({@code --wrk-script}, bench/outbound-sends.lua): a client that costs
 * less per request than the gateway, so that the rate measures the gateway. This JVM's HTTP client cost 150–250 µs of
 * CPU a send beside the gateway's 510–680 on 2 cores, and took that CPU from the gateway it measured. The paced run
 * keeps the Java client, which knows when each of its requests started; at 1,000/s its cost leaves the gateway
 * the CPU it needs.
 */
public final class OutboundLoad {

    private final Map<String, Long> postedAt = new ConcurrentHashMap<>();
    private final Map<String, Long> arrivedAt = new ConcurrentHashMap<>();
    private final AtomicLong carrierIds = new AtomicLong();
    private final AtomicLong arrivals = new AtomicLong();
    private final AtomicLong lastArrival = new AtomicLong(Long.MIN_VALUE);

    private static final String USAGE = "java -cp bench/target/omniservice-bench.jar io.omniservice.bench.OutboundLoad"
            + " [--target URL] [--carrier-port N] [--api-key K] [--concurrency N] [--seconds N] [--rate N]"
            + " [--warmup N] [--max-rounds N] [--gateway-pid PID] [--wrk-script FILE] [--wrk-threads N]"
            + " [--recipients N]";

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
                "gateway-pid",
                "wrk-script",
                "wrk-threads",
                "recipients");
        int pid = flags.number("gateway-pid", 0, 0);
        Warmup warmup = new Warmup(
                flags.seconds("warmup", 5, 1),
                flags.number("max-rounds", 16, 1),
                pid > 0 ? new GatewayCpu(Path.of("/proc"), pid) : null);
        URI target = flags.uri("target", "http://127.0.0.1:18080");
        String apiKey = flags.text("api-key", "bench-api-key");
        int concurrency = flags.number("concurrency", 64, 1);
        Wrk wrk = new Wrk(
                target,
                apiKey,
                Path.of(flags.text("wrk-script", "bench/outbound-sends.lua")),
                flags.number("wrk-threads", 2, 1),
                concurrency,
                flags.number("recipients", 640_000, 1));
        new OutboundLoad()
                .run(
                        target,
                        flags.number("carrier-port", 18090, 1),
                        apiKey,
                        concurrency,
                        flags.number("seconds", 15, 1),
                        warmup,
                        wrk,
                        flags.number("rate", 1000, 1));
    }

    /**
     * How wrk is run: {@code threads} threads over {@code connections} connections, with {@code script}, sending to
     * {@code recipients} numbers in turn (fewer make longer conversations).
     */
    private record Wrk(URI target, String apiKey, Path script, int threads, int connections, int recipients) {
        List<String> command(Duration duration, String scheduledAt) {
            List<String> command = new ArrayList<>(List.of(
                    "wrk",
                    "-t" + threads,
                    "-c" + connections,
                    "-d" + duration.toSeconds() + "s",
                    "--timeout",
                    "10s",
                    "-s",
                    script.toString(),
                    target.toString(),
                    "--",
                    apiKey,
                    Integer.toString(threads),
                    Integer.toString(recipients)));
            if (scheduledAt != null) {
                command.add(scheduledAt);
            }
            return command;
        }
    }

    /**
     * Saturated rounds of {@code round} each, until two in a row send at rates within {@link #STEADY_RATE} of each
     * other and, when the gateway's process is known ({@code gateway}), its JIT compilers took under
     * {@link #COMPILED_JIT_PERCENT} % of its CPU in the last. A fixed 5 s warm-up had measured the compilers on a
     * slower machine: 390–555 sends/s saturated, below the 750–960 of the paced run that followed, and 1,520
     * after 40 s of warm-up.
     */
    private record Warmup(Duration round, int maxRounds, GatewayCpu gateway) {}

    private void run(
            URI target, int carrierPort, String apiKey, int concurrency, int seconds, Warmup warmup, Wrk wrk, int rate)
            throws Exception {
        HttpServer carrier = carrier(carrierPort);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        System.out.printf(
                Locale.ROOT,
                "outbound: target %s, carrier on :%d, %d cores; saturated runs by wrk -t%d -c%d to %d recipients%n",
                target,
                carrierPort,
                Runtime.getRuntime().availableProcessors(),
                wrk.threads(),
                wrk.connections(),
                wrk.recipients());
        Duration window = Duration.ofSeconds(seconds);
        try {
            warmUp(wrk, warmup);
            GatewayCpu.Ticks gatewayBefore =
                    warmup.gateway() == null ? null : warmup.gateway().now();
            long toolBefore = toolCpuNanos();
            long wrkBefore = childrenCpuNanos();
            long databaseBefore = GatewayCpu.processesNamed(Path.of("/proc"), "postgres");
            WrkWindow saturated = posted(wrk, window, null);
            long wrkNanos = childrenCpuNanos() - wrkBefore;
            long databaseTicks = GatewayCpu.processesNamed(Path.of("/proc"), "postgres") - databaseBefore;
            System.out.printf(
                    Locale.ROOT,
                    "saturated %7d accepted (%6.0f/s) %5d refused  %7d sent (%6.0f sends/s)  answered p50 %7.2f ms"
                            + "  p99 %7.2f ms (wrk)%n",
                    saturated.accepted(),
                    saturated.accepted() / saturated.postingSeconds(),
                    saturated.refused(),
                    saturated.sent(),
                    saturated.sendRate(),
                    saturated.p50Micros() / 1e3,
                    saturated.p99Micros() / 1e3);
            reportCpu(
                    saturated,
                    warmup.gateway(),
                    gatewayBefore,
                    toolCpuNanos() - toolBefore,
                    wrkNanos,
                    databaseTicks * GatewayCpu.MICROS_PER_TICK);
            report("paced", load(client, target, apiKey, concurrency, window, rate));
            // accepting alone: scheduled an hour ahead, so nothing is sent while the clock runs
            WrkWindow accepting = posted(
                    wrk, window, java.time.Instant.now().plusSeconds(3600).toString());
            System.out.printf(
                    Locale.ROOT,
                    "accept    %7d accepted (%6.0f/s), scheduled an hour ahead: the API and its commit alone%n",
                    accepting.accepted(),
                    accepting.accepted() / accepting.postingSeconds());
            idle(window, warmup.gateway());
        } finally {
            carrier.stop(0);
        }
    }

    /**
     * What the gateway (and PostgreSQL) spend for {@code window} with nothing to send and the jobs the accept run
     * scheduled waiting: the dispatcher's polls, which should not grow with the jobs scheduled ahead.
     */
    private static void idle(Duration window, GatewayCpu gateway) throws IOException, InterruptedException {
        if (gateway == null) {
            return;
        }
        GatewayCpu.Ticks before = gateway.now();
        long databaseBefore = GatewayCpu.processesNamed(Path.of("/proc"), "postgres");
        Thread.sleep(window);
        double seconds = window.toNanos() / 1e9;
        double gatewayMicros = (gateway.now().process() - before.process()) * GatewayCpu.MICROS_PER_TICK;
        double databaseMicros =
                (GatewayCpu.processesNamed(Path.of("/proc"), "postgres") - databaseBefore) * GatewayCpu.MICROS_PER_TICK;
        System.out.printf(
                Locale.ROOT,
                "idle      %.0f s with the accept run's jobs scheduled ahead: gateway %.1f %% of a core, PostgreSQL"
                        + " %.1f %%%n",
                seconds,
                gatewayMicros / 1e4 / seconds,
                databaseMicros / 1e4 / seconds);
    }

    /** Bandwidth's {@code POST /api/v2/users/{accountId}/messages}, recording when each of our messages arrives. */
    private HttpServer carrier(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/api/v2/users/", exchange -> {
            long now = System.nanoTime();
            String tag = field(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), "tag");
            arrivedAt.putIfAbsent(tag, now);
            arrivals.incrementAndGet();
            lastArrival.accumulateAndGet(now, Math::max);
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

    /** Posts from this JVM for {@code duration}, paced at {@code rate} a second. */
    private Window load(HttpClient client, URI target, String apiKey, int concurrency, Duration duration, int rate)
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
        long drainUntil = stopped + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < drainUntil && !arrivedAt.keySet().containsAll(ids)) {
            Thread.sleep(50);
        }
        return new Window(start, stopped, accepted.get(), refused.get(), List.copyOf(ids));
    }

    private void warmUp(Wrk wrk, Warmup warmup) throws Exception {
        double previous = -1;
        for (int round = 1; round <= warmup.maxRounds(); round++) {
            GatewayCpu.Ticks before =
                    warmup.gateway() == null ? null : warmup.gateway().now();
            double rate = posted(wrk, warmup.round(), null).sendRate();
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
     * A wrk run: what wrk counted ({@code accepted}: answered 202; {@code refused}: any other answer or a socket
     * error), when it posted, and what the carrier received from its start ({@code sent}, the last at
     * {@code lastArrival}).
     */
    record WrkWindow(
            long start,
            long end,
            long accepted,
            long refused,
            long sent,
            long lastArrival,
            long p50Micros,
            long p99Micros) {
        double postingSeconds() {
            return (end - start) / 1e9;
        }

        /** Sends the carrier received a second, from the window's start to its last arrival. */
        double sendRate() {
            return sent == 0 ? 0 : sent / ((lastArrival - start) / 1e9);
        }
    }

    /**
     * Posts with wrk for {@code duration}, scheduled at {@code scheduledAt} when it is not null; then, unless
     * scheduled, waits until the carrier has received as many sends as wrk had accepted and no more come for
     * {@link #QUIET} (those in flight when wrk stopped come too), at most 30 s.
     */
    private WrkWindow posted(Wrk wrk, Duration duration, String scheduledAt) throws IOException, InterruptedException {
        long arrivedBefore = arrivals.get();
        long start = System.nanoTime();
        Process process = new ProcessBuilder(wrk.command(duration, scheduledAt))
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        long end = System.nanoTime();
        Map<String, Long> summary = wrkSummary(output);
        if (exit != 0 || summary == null) {
            throw new IllegalStateException("wrk exited " + exit + " without its summary:\n" + output);
        }
        long refused = summary.get("non2xx")
                + summary.get("connect")
                + summary.get("read")
                + summary.get("write")
                + summary.get("timeout");
        if (refused > 0) {
            System.err.printf(Locale.ROOT, "outbound: %d requests refused or failed in a wrk run%n", refused);
        }
        long accepted = summary.get("answered") - summary.get("non2xx");
        if (scheduledAt == null) {
            long drainUntil = end + Duration.ofSeconds(30).toNanos();
            long seen = -1;
            long seenAt = System.nanoTime();
            while (System.nanoTime() < drainUntil) {
                long now = arrivals.get() - arrivedBefore;
                if (now != seen) {
                    seen = now;
                    seenAt = System.nanoTime();
                } else if (seen >= accepted && System.nanoTime() - seenAt >= QUIET.toNanos()) {
                    break;
                }
                Thread.sleep(20);
            }
        }
        return new WrkWindow(
                start,
                end,
                accepted,
                refused,
                arrivals.get() - arrivedBefore,
                lastArrival.get(),
                summary.get("p50us"),
                summary.get("p99us"));
    }

    /** How long the carrier must receive nothing more after a wrk run before its sends count as all in. */
    private static final Duration QUIET = Duration.ofMillis(300);

    /** The {@code sends:} line of bench/outbound-sends.lua's done(), as numbers by key; null without one. */
    static Map<String, Long> wrkSummary(String output) {
        for (String line : output.split("\n")) {
            if (line.startsWith("sends: ")) {
                Map<String, Long> values = new java.util.HashMap<>();
                for (String pair : line.substring("sends: ".length()).strip().split(" ")) {
                    int equals = pair.indexOf('=');
                    values.put(pair.substring(0, equals), Long.parseLong(pair.substring(equals + 1)));
                }
                return values;
            }
        }
        return null;
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

    /** This JVM's CPU time so far: the carrier's and the paced client's. */
    private static long toolCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The CPU time of this JVM's children that ended so far (the wrk runs), from /proc/self/stat. */
    private static long childrenCpuNanos() throws IOException {
        return (long) (GatewayCpu.childrenTicks(Files.readString(Path.of("/proc/self/stat")))
                * GatewayCpu.MICROS_PER_TICK
                * 1_000);
    }

    /**
     * The CPU each side spent per message the carrier received in a window: the gateway's (when its process is known)
     * and the load's (wrk's and this JVM's, which plays the carrier). A rate moves with what else the machine does;
     * CPU per send moves far less, so it is what tells two builds apart, and the load's share says how much of the
     * machine the measurement itself took. PostgreSQL's processes on this machine, when there are any, are counted
     * apart ({@code databaseMicros}): on that store much of a send's work is theirs.
     */
    private void reportCpu(
            WrkWindow w,
            GatewayCpu gateway,
            GatewayCpu.Ticks before,
            long toolNanos,
            long wrkNanos,
            double databaseMicros)
            throws IOException {
        double seconds = (w.lastArrival() - w.start()) / 1e9;
        if (w.sent() == 0 || seconds <= 0) {
            return;
        }
        String gatewayPart = "";
        if (gateway != null) {
            double gatewayMicros = (gateway.now().process() - before.process()) * GatewayCpu.MICROS_PER_TICK;
            gatewayPart = String.format(
                    Locale.ROOT,
                    "gateway %.0f µs a send (%.2f cores), ",
                    gatewayMicros / w.sent(),
                    gatewayMicros / 1e6 / seconds);
        }
        // PostgreSQL's own background processes tick a little on a machine where it idles: shown once it did work
        String databasePart = databaseMicros / 1e6 / seconds < 0.05
                ? ""
                : String.format(
                        Locale.ROOT,
                        ", PostgreSQL %.0f µs a send (%.2f cores)",
                        databaseMicros / w.sent(),
                        databaseMicros / 1e6 / seconds);
        System.out.printf(
                Locale.ROOT,
                "cpu       %swrk %.0f µs a send (%.2f cores), carrier %.0f µs a send (%.2f cores)%s%n",
                gatewayPart,
                wrkNanos / 1e3 / w.sent(),
                wrkNanos / 1e9 / seconds,
                toolNanos / 1e3 / w.sent(),
                toolNanos / 1e9 / seconds,
                databasePart);
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
