package io.omniservice.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The event benchmark: subscribes a local receiver ({@link EventSubscriber}) to {@code message.received}, posts
 * signed webhooks at a steady {@code --rate}, and measures from the moment each webhook is sent to the moment its
 * event arrives, matched by {@code data.carrierMessageId}.
 *
 * <p>With {@code --load wrk} (the default) {@code wrk} posts WhatsApp webhooks ({@code bench/whatsapp-paced.lua}),
 * each signed as it goes and carrying its slot in the schedule (wall clock) in its message id: wrk costs the machine far
 * less than the gateway, so the rate holds and the latency is the gateway's. It warms up in rounds ({@code --min-rounds} at
 * least) until p99 holds within 20 % two rounds in a row, then measures. {@code --load java} posts signed Twilio webhooks from this JVM,
 * timed on its clock; it costs more than the gateway at high rates and falls behind its own schedule.
 */
public final class EventLatency {

    private static final String USAGE = "java -cp bench/target/omniservice-bench.jar io.omniservice.bench.EventLatency"
            + " [--target URL] [--public-base-url URL] [--subscriber-port N] [--api-key K] [--twilio-account-sid SID]"
            + " [--twilio-auth-token T] [--rate N] [--concurrency N] [--seconds N] [--warmup N] [--drain N]"
            + " [--presigned N] [--load wrk|java] [--whatsapp-app-secret S] [--wrk-threads N] [--wrk-connections N]"
            + " [--round-seconds N] [--min-rounds N] [--max-rounds N] [--senders N] [--minutes N]";
    /** How long wrk goes on after the measured window, so every webhook of the window is answered before it stops. */
    private static final int TAIL_SECONDS = 2;

    private record Webhook(String messageSid, HttpRequest request) {}

    private final URI target;
    private final String publicBaseUrl;
    private final int subscriberPort;
    private final String apiKey;
    private final String twilioAccountSid;
    private final String twilioAuthToken;
    private final int rate;
    private final int concurrency;
    private final Duration duration;
    private final Duration warmup;
    private final Duration drain;
    private final int presigned;
    private final boolean javaLoad;
    private final String whatsappSecret;
    private final int wrkThreads;
    private final int wrkConnections;
    private final Duration round;
    private final int minRounds;
    private final int maxRounds;
    private final int minutes;
    private final int senders;
    /** This JVM's {@link System#nanoTime} and the wall clock in microseconds, read together at the start. */
    private final long baseNanos = System.nanoTime();

    private final long baseMicros = wallMicros();

    private final Map<String, Long> sentAt = new ConcurrentHashMap<>();
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong maxLag = new AtomicLong();
    private volatile long measureFrom = Long.MAX_VALUE;

    private EventLatency(Flags flags) {
        target = flags.uri("target", "http://127.0.0.1:18080");
        publicBaseUrl = flags.text("public-base-url", target.toString());
        subscriberPort = flags.number("subscriber-port", 18091, 0);
        apiKey = flags.text("api-key", "bench-api-key");
        twilioAccountSid = flags.text("twilio-account-sid", "AC00000000000000000000000000000000");
        twilioAuthToken = flags.text("twilio-auth-token", "bench-twilio-auth-token");
        rate = flags.number("rate", 1000, 1);
        concurrency = flags.number("concurrency", 64, 1);
        duration = flags.seconds("seconds", 30, 1);
        warmup = flags.seconds("warmup", 5, 0);
        drain = flags.seconds("drain", 10, 0);
        presigned = flags.number("presigned", 200_000, 0);
        String load = flags.text("load", "wrk");
        if (!load.equals("wrk") && !load.equals("java")) {
            throw flags.fail("--load is wrk or java, not " + load);
        }
        javaLoad = load.equals("java");
        whatsappSecret = flags.text("whatsapp-app-secret", "bench-whatsapp-app-secret");
        wrkThreads = flags.number("wrk-threads", 1, 1);
        wrkConnections = flags.number("wrk-connections", 64, 1);
        round = flags.seconds("round-seconds", 5, 1);
        // --max-rounds 0: no warm-up (the soak, whose every minute is a run of its own)
        maxRounds = flags.number("max-rounds", 12, 0);
        minRounds = Math.min(maxRounds, flags.number("min-rounds", 5, 1));
        senders = flags.number("senders", 5_000, 1);
        minutes = flags.number("minutes", 0, 0);
        if (minutes > 0 && javaLoad) {
            throw flags.fail("--minutes needs --load wrk");
        }
        if (subscriberPort > 65535) {
            throw flags.fail("--subscriber-port must be a port number");
        }
    }

    public static void main(String[] args) throws Exception {
        Flags flags = new Flags(
                args,
                USAGE,
                "target",
                "public-base-url",
                "subscriber-port",
                "api-key",
                "twilio-account-sid",
                "twilio-auth-token",
                "rate",
                "concurrency",
                "seconds",
                "warmup",
                "drain",
                "presigned",
                "load",
                "whatsapp-app-secret",
                "wrk-threads",
                "wrk-connections",
                "round-seconds",
                "min-rounds",
                "max-rounds",
                "senders",
                "minutes");
        System.exit(new EventLatency(flags).run());
    }

    private int run() throws Exception {
        EventSubscriber subscriber;
        try {
            subscriber = new EventSubscriber(subscriberPort);
        } catch (IOException e) {
            System.err.println("events: cannot listen on 127.0.0.1:" + subscriberPort + ": " + e);
            return 1;
        }
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        System.out.printf(
                Locale.ROOT,
                "events: target %s, subscriber %s, %d webhooks/s for %ds after %s, load %s, %d cores%n",
                target,
                subscriber.url(),
                rate,
                duration.toSeconds(),
                javaLoad
                        ? warmup.toSeconds() + "s warm-up"
                        : "warming up in rounds of " + round.toSeconds() + "s until p99 is steady",
                javaLoad ? "this JVM (Twilio webhooks)" : "wrk (WhatsApp webhooks)",
                Runtime.getRuntime().availableProcessors());
        String subscription = null;
        try {
            try {
                subscription = subscribe(client, subscriber);
            } catch (IOException | RuntimeException e) {
                System.err.println("events: cannot subscribe: " + e);
                return 1;
            }
            if (!javaLoad) {
                return wrkLoad(subscriber);
            }
            load(client, subscriber);
            return report(subscriber);
        } finally {
            if (subscription != null) {
                unsubscribe(client, subscription);
            }
            subscriber.stop();
        }
    }

    private String subscribe(HttpClient client, EventSubscriber subscriber) throws IOException, InterruptedException {
        String body = "{\"url\":\"%s\",\"events\":[\"message.received\"],\"secret\":\"%s\"}"
                .formatted(subscriber.url(), subscriber.secret());
        HttpResponse<String> response = client.send(
                api("/v1/subscriptions")
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        String id = response.statusCode() == 201
                ? JsonStrings.read(response.body(), "id").get("id")
                : null;
        if (id == null) {
            throw new IllegalStateException(
                    "POST /v1/subscriptions answered " + response.statusCode() + ": " + response.body());
        }
        return id;
    }

    private void unsubscribe(HttpClient client, String id) {
        try {
            int status = client.send(
                            api("/v1/subscriptions/" + id).DELETE().build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
            if (status / 100 != 2) {
                System.err.println("DELETE /v1/subscriptions/" + id + " answered " + status);
            }
        } catch (IOException | InterruptedException e) {
            System.err.println("DELETE /v1/subscriptions/" + id + " failed: " + e);
        }
    }

    private HttpRequest.Builder api(String path) {
        return HttpRequest.newBuilder(target.resolve(path))
                .header("Authorization", "Bearer " + apiKey)
                .timeout(Duration.ofSeconds(10));
    }

    /** Warm-up and measured window as one paced run, then up to {@code --drain} for the measured events. */
    private void load(HttpClient client, EventSubscriber subscriber) throws InterruptedException {
        Duration window = warmup.plus(duration);
        Webhook[] ready = presign((int) Math.min(presigned, (long) rate * window.toSeconds()));
        long start = System.nanoTime();
        measureFrom = start + warmup.toNanos();
        Pacer pacer = new Pacer(start, window, rate);
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < concurrency; c++) {
            clients.add(Thread.ofVirtual().start(() -> {
                for (long n = pacer.awaitNext(); n >= 0; n = pacer.awaitNext()) {
                    Webhook webhook = n < ready.length ? ready[(int) n] : webhook();
                    send(client, webhook, pacer.due(n));
                }
            }));
        }
        for (Thread t : clients) {
            t.join();
        }
        long drainUntil = System.nanoTime() + drain.toNanos();
        while (System.nanoTime() < drainUntil && !subscriber.arrivals().keySet().containsAll(measured(acknowledged))) {
            Thread.sleep(50);
        }
    }

    private void send(HttpClient client, Webhook webhook, long due) {
        long t0 = System.nanoTime();
        if (t0 >= measureFrom) {
            maxLag.accumulateAndGet(t0 - due, Math::max);
        }
        // before the request: the event may arrive before the webhook's answer does
        sentAt.put(webhook.messageSid(), t0);
        try {
            HttpResponse<String> response = client.send(webhook.request(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                acknowledged.add(webhook.messageSid());
            } else if (failed.incrementAndGet() <= 3) {
                System.err.println("webhook answered " + response.statusCode() + ": " + response.body());
            }
        } catch (IOException | InterruptedException e) {
            if (failed.incrementAndGet() <= 3) {
                System.err.println("webhook failed: " + e);
            }
        }
    }

    /** Signs the run's webhooks before the clock starts, so HMAC work is not taken from the gateway's cores. */
    private Webhook[] presign(int count) {
        long started = System.nanoTime();
        Webhook[] ready = new Webhook[count];
        for (int i = 0; i < count; i++) {
            ready[i] = webhook();
        }
        System.out.printf(
                Locale.ROOT, "events    %d webhooks signed in %.1f s%n", count, (System.nanoTime() - started) / 1e9);
        return ready;
    }

    private Webhook webhook() {
        String sid = TwilioWebhook.newMessageSid();
        HttpRequest request = TwilioWebhook.inboundSms(target, publicBaseUrl, twilioAccountSid, twilioAuthToken, sid)
                .timeout(Duration.ofSeconds(10))
                .build();
        return new Webhook(sid, request);
    }

    /** Sent in the measured window (after the warm-up); the rest are the warm-up's. */
    private boolean measured(String sid) {
        Long sent = sentAt.get(sid);
        return sent != null && sent >= measureFrom;
    }

    private List<String> measured(Collection<String> sids) {
        return sids.stream().filter(this::measured).toList();
    }

    private int report(EventSubscriber subscriber) {
        Map<String, Long> arrivals = Map.copyOf(subscriber.arrivals());
        List<String> sent = measured(sentAt.keySet());
        List<String> acked = measured(acknowledged);
        long[] latencies = sent.stream()
                .filter(arrivals::containsKey)
                .mapToLong(sid -> arrivals.get(sid) - sentAt.get(sid))
                .sorted()
                .toArray();
        long lost = acked.stream().filter(sid -> !arrivals.containsKey(sid)).count();
        long unmatched = subscriber.ignored()
                + arrivals.keySet().stream()
                        .filter(sid -> !sentAt.containsKey(sid))
                        .count();
        System.out.printf(
                Locale.ROOT,
                "events    %7d sent (%6.0f/s, start lag max %.2f ms)  %7d acknowledged  %5d failed%n",
                sent.size(),
                sent.size() / (duration.toNanos() / 1e9),
                maxLag.get() / 1e6,
                acked.size(),
                failed.get());
        System.out.printf(
                Locale.ROOT,
                "events    %7d received  %5d lost  %5d duplicates  %5d second events  %5d bad signatures"
                        + "  %5d unmatched  %5d malformed%n",
                latencies.length,
                lost,
                subscriber.duplicates(this::measured),
                subscriber.secondEvents(this::measured),
                subscriber.badSignatures(),
                unmatched,
                subscriber.malformed());
        printLatencies(latencies);
        return failed.get() + lost + subscriber.badSignatures() + subscriber.malformed() > 0 ? 1 : 0;
    }

    /**
     * The soak's load: {@code --minutes} windows of a minute back to back from this one process (so the receiver
     * stays as warm as the gateway), each followed by one {@code minute} line: its number, p99, lost events and
     * failed webhooks. Returns 1 if any minute lost or failed one.
     */
    private int minuteByMinute(EventSubscriber subscriber) throws IOException, InterruptedException {
        int result = 0;
        for (int minute = 1; minute <= minutes; minute++) {
            WrkRun run = wrk("m" + minute, Duration.ofMinutes(1));
            awaitEvents(subscriber, run, drain);
            long[] latencies = latencies(subscriber, run.tag());
            long lost = Math.max(0, run.get("measured") - latencies.length);
            long failed = failures(run);
            System.out.printf(
                    Locale.ROOT,
                    "minute %d p99 %.2f ms lost %d failed %d sent %d late %d%n",
                    minute,
                    Percentile.millis(latencies, 0.99),
                    lost,
                    failed,
                    run.get("measured"),
                    run.get("late"));
            System.out.flush();
            if (lost + failed > 0) {
                result = 1;
            }
        }
        return result + subscriber.badSignatures() + subscriber.malformed() > 0 ? 1 : 0;
    }

    private static long failures(WrkRun run) {
        return run.get("failed") + run.get("connect") + run.get("read") + run.get("write") + run.get("timeout");
    }

    private static void printLatencies(long[] sorted) {
        System.out.printf(
                Locale.ROOT,
                "events    webhook-to-event latency  p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  max %7.2f ms%n",
                Percentile.millis(sorted, 0.50),
                Percentile.millis(sorted, 0.90),
                Percentile.millis(sorted, 0.99),
                Percentile.millis(sorted, 1.0));
    }

    // ---- the load from wrk ---------------------------------------------------------------------------------

    /** What one wrk run printed on its {@code paced:} line: sent, measured, ok, failed, late, p99us, … */
    private record WrkRun(String tag, Map<String, Long> counts) {
        long get(String key) {
            return counts.getOrDefault(key, 0L);
        }
    }

    /** Warm-up rounds until p99 is steady, then the measured window; reports it. */
    private int wrkLoad(EventSubscriber subscriber) throws IOException, InterruptedException {
        double previous = -1;
        boolean steady = false;
        for (int n = 1; n <= maxRounds && !steady; n++) {
            WrkRun warm = wrk("w" + n, round);
            if (warm.get("ok") == 0) {
                System.err.printf(
                        Locale.ROOT,
                        "events: the gateway answered none of %d webhooks with 200 (see its log: BENCH_LOG=file)%n",
                        warm.get("sent"));
                return 1;
            }
            awaitEvents(subscriber, warm, Duration.ofSeconds(3));
            long[] latencies = latencies(subscriber, warm.tag());
            double p99 = Percentile.millis(latencies, 0.99);
            // the first rounds can agree while the JIT is still at work: a few rounds at least
            steady = n >= minRounds && previous > 0 && Math.abs(p99 - previous) <= 0.2 * previous;
            System.out.printf(
                    Locale.ROOT,
                    "events    warm-up round %2d: %6d webhooks, %5d events, p99 %8.2f ms%s%n",
                    n,
                    warm.get("measured"),
                    latencies.length,
                    p99,
                    steady ? " (steady)" : "");
            previous = p99;
        }
        if (!steady && maxRounds > 0) {
            System.out.printf(Locale.ROOT, "events    p99 was still moving after %d rounds%n", maxRounds);
        }
        if (minutes > 0) {
            return minuteByMinute(subscriber);
        }
        WrkRun run = wrk("m", duration);
        awaitEvents(subscriber, run, drain);
        long[] latencies = latencies(subscriber, run.tag());
        Predicate<String> measured = sid -> sid.startsWith("wamid." + run.tag() + "-");
        long lost = Math.max(0, run.get("measured") - latencies.length);
        long failed = failures(run);
        System.out.printf(
                Locale.ROOT,
                "events    %7d sent (%6.0f/s, %d over 10 ms behind their slot)  %7d answered 200 (with the tail)  %5d failed"
                        + "  webhook answered p50 %.2f ms p99 %.2f ms%n",
                run.get("measured"),
                run.get("measured") / (duration.toNanos() / 1e9),
                run.get("late"),
                run.get("ok"),
                failed,
                run.get("p50us") / 1e3,
                run.get("p99us") / 1e3);
        System.out.printf(
                Locale.ROOT,
                "events    %7d received  %5d lost  %5d duplicates  %5d second events  %5d bad signatures"
                        + "  %5d malformed%n",
                latencies.length,
                lost,
                subscriber.duplicates(measured),
                subscriber.secondEvents(measured),
                subscriber.badSignatures(),
                subscriber.malformed());
        printLatencies(latencies);
        return failed + lost + subscriber.badSignatures() + subscriber.malformed() > 0 ? 1 : 0;
    }

    /** Runs wrk for {@code window} and its tail, the webhooks of the window tagged {@code tag}. */
    private WrkRun wrk(String tag, Duration window) throws IOException, InterruptedException {
        List<String> command = List.of(
                "wrk",
                "-t" + wrkThreads,
                "-c" + wrkConnections,
                "-d" + (window.toSeconds() + TAIL_SECONDS) + "s",
                "--latency",
                "-s",
                "bench/whatsapp-paced.lua",
                target.toString(),
                "--",
                whatsappSecret,
                Integer.toString(rate),
                Integer.toString(wrkThreads),
                tag,
                Long.toString(window.toSeconds()),
                Integer.toString(senders));
        Process wrk = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(wrk.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int exit = wrk.waitFor();
        String line = output.lines()
                .filter(l -> l.startsWith("paced: "))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "wrk printed no summary (exit " + exit + "): " + String.join(" ", command) + "\n" + output));
        Map<String, Long> counts = new java.util.HashMap<>();
        for (String pair : line.substring("paced: ".length()).trim().split(" ")) {
            String[] kv = pair.split("=", 2);
            counts.put(kv[0], Long.parseLong(kv[1]));
        }
        return new WrkRun(tag, counts);
    }

    /** Waits up to {@code atMost} until every webhook of {@code run}'s window has its event. */
    private void awaitEvents(EventSubscriber subscriber, WrkRun run, Duration atMost) throws InterruptedException {
        long until = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < until && latencies(subscriber, run.tag()).length < run.get("measured")) {
            Thread.sleep(50);
        }
    }

    /**
     * Webhook → event of each event of the window {@code tag}, sorted, in nanoseconds: the id says when wrk sent
     * the webhook (wall clock, µs), and the arrival on this JVM's clock is put on the wall clock through the pair
     * read at the start.
     */
    private long[] latencies(EventSubscriber subscriber, String tag) {
        String prefix = "wamid." + tag + "-";
        return subscriber.arrivals().entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix))
                .mapToLong(e -> {
                    String id = e.getKey();
                    long sentMicros = Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
                    long arrivedMicros = baseMicros + (e.getValue() - baseNanos) / 1000;
                    return (arrivedMicros - sentMicros) * 1000;
                })
                .sorted()
                .toArray();
    }

    private static long wallMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }
}
