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

/**
 * The event benchmark: subscribes a local receiver ({@link EventSubscriber}) to {@code message.received}, posts
 * signed Twilio webhooks at a steady {@code --rate}, and measures from the moment each webhook is sent to the
 * moment its event arrives, both on this JVM's clock, matched by {@code data.carrierMessageId} = the MessageSid.
 */
public final class EventLatency {

    private static final String USAGE = "java -cp bench/target/omniservice-bench.jar io.omniservice.bench.EventLatency"
            + " [--target URL] [--public-base-url URL] [--subscriber-port N] [--api-key K] [--twilio-account-sid SID]"
            + " [--twilio-auth-token T] [--rate N] [--concurrency N] [--seconds N] [--warmup N] [--drain N]"
            + " [--presigned N]";

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
                "presigned");
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
                "events: target %s, subscriber %s, %d webhooks/s for %ds after %ds warm-up, %d cores%n",
                target,
                subscriber.url(),
                rate,
                duration.toSeconds(),
                warmup.toSeconds(),
                Runtime.getRuntime().availableProcessors());
        String subscription = null;
        try {
            try {
                subscription = subscribe(client, subscriber);
            } catch (IOException | RuntimeException e) {
                System.err.println("events: cannot subscribe: " + e);
                return 1;
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
        System.out.printf(
                Locale.ROOT,
                "events    webhook-to-event latency  p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  max %7.2f ms%n",
                Percentile.millis(latencies, 0.50),
                Percentile.millis(latencies, 0.90),
                Percentile.millis(latencies, 0.99),
                Percentile.millis(latencies, 1.0));
        return failed.get() + lost + subscriber.badSignatures() + subscriber.malformed() > 0 ? 1 : 0;
    }
}
