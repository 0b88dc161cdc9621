package io.omniservice.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Posts correctly signed Twilio and WhatsApp webhooks concurrently against a running gateway and prints
 * webhooks/s with p50/p99 latency, after measuring {@code GET /health/live} the same way as the ceiling.
 * Every request carries a new carrier message id, so every 200 is a fresh durable commit.
 */
public final class WebhookLoad {

    private record Options(
            URI target,
            String publicBaseUrl,
            int concurrency,
            Duration duration,
            Duration warmup,
            String twilioAccountSid,
            String twilioAuthToken,
            String whatsappAppSecret,
            List<String> scenarios,
            int presigned) {}

    /** One kind of request the load sends. */
    private interface Scenario {
        HttpRequest next();
    }

    private record Result(String name, long ok, long failed, double seconds, long[] latenciesNanos) {
        double rate() {
            return ok / seconds;
        }

        double percentileMillis(double p) {
            return Percentile.millis(latenciesNanos, p);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = parse(args);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        System.out.printf(
                Locale.ROOT,
                "target %s, %d concurrent, %ds per scenario after %ds warm-up, %d cores%n",
                options.target(),
                options.concurrency(),
                options.duration().toSeconds(),
                options.warmup().toSeconds(),
                Runtime.getRuntime().availableProcessors());
        List<Result> results = new ArrayList<>();
        for (String name : options.scenarios()) {
            Scenario scenario = presigned(scenario(name, options), name, options.presigned());
            run(client, scenario, options.concurrency(), options.warmup());
            Result result = run(client, scenario, options.concurrency(), options.duration());
            results.add(new Result(name, result.ok(), result.failed(), result.seconds(), result.latenciesNanos()));
            print(results.getLast());
        }
        Result health = results.stream()
                .filter(r -> r.name().equals("health"))
                .findFirst()
                .orElse(null);
        if (health != null) {
            for (Result r : results) {
                if (r != health) {
                    System.out.printf(
                            Locale.ROOT,
                            "%-9s %.0f%% of the health-check rate%n",
                            r.name(),
                            100 * r.rate() / health.rate());
                }
            }
        }
        if (results.stream().anyMatch(r -> r.failed() > 0)) {
            System.exit(1);
        }
    }

    private static void print(Result r) {
        System.out.printf(
                Locale.ROOT,
                "%-9s %8d ok %5d failed  %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms%n",
                r.name(),
                r.ok(),
                r.failed(),
                r.rate(),
                r.percentileMillis(0.50),
                r.percentileMillis(0.99));
    }

    private static Result run(HttpClient client, Scenario scenario, int concurrency, Duration duration)
            throws InterruptedException {
        long deadline = System.nanoTime() + duration.toNanos();
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<long[]> perWorker = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < concurrency; i++) {
            long[][] mine = {new long[1 << 14]};
            int[] count = {0};
            Thread worker = Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < deadline) {
                    HttpRequest request = scenario.next();
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
                        long elapsed = System.nanoTime() - t0;
                        if (response.statusCode() == 200) {
                            ok.incrementAndGet();
                            if (count[0] == mine[0].length) {
                                mine[0] = java.util.Arrays.copyOf(mine[0], mine[0].length * 2);
                            }
                            mine[0][count[0]++] = elapsed;
                        } else {
                            failed.incrementAndGet();
                            if (failed.get() <= 3) {
                                System.err.println(
                                        "unexpected status " + response.statusCode() + " for " + request.uri());
                            }
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        if (failed.get() <= 3) {
                            System.err.println("request failed: " + e);
                        }
                    }
                }
                synchronized (perWorker) {
                    perWorker.add(java.util.Arrays.copyOf(mine[0], count[0]));
                }
            });
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long[] all = perWorker.stream()
                .flatMapToLong(java.util.Arrays::stream)
                .sorted()
                .toArray();
        return new Result("", ok.get(), failed.get(), seconds, all);
    }

    /**
     * Builds and signs the scenario's requests before the clock starts, so the load tool's own HMAC work
     * is not taken from the two cores the gateway runs on; when they run out it signs on the fly.
     */
    private static Scenario presigned(Scenario live, String name, int count) {
        if (name.equals("health") || count == 0) {
            return live;
        }
        long started = System.nanoTime();
        HttpRequest[] ready = new HttpRequest[count];
        for (int i = 0; i < count; i++) {
            ready[i] = live.next();
        }
        System.out.printf(
                Locale.ROOT, "%-9s %d requests signed in %.1f s%n", name, count, (System.nanoTime() - started) / 1e9);
        AtomicLong taken = new AtomicLong();
        return () -> {
            long index = taken.getAndIncrement();
            if (index < count) {
                HttpRequest request = ready[(int) index];
                ready[(int) index] = null;
                return request;
            }
            if (index == count) {
                System.err.println(name + ": the " + count + " pre-signed requests ran out; signing on the fly"
                        + " (raise --presigned)");
            }
            return live.next();
        };
    }

    private static Scenario scenario(String name, Options o) {
        return switch (name) {
            case "health" -> {
                HttpRequest request = HttpRequest.newBuilder(o.target().resolve("/health/live"))
                        .GET()
                        .build();
                yield () -> request;
            }
            case "twilio" -> () -> twilio(o);
            case "whatsapp" -> () -> whatsapp(o);
            default -> throw new IllegalArgumentException("unknown scenario " + name + " (health, twilio, whatsapp)");
        };
    }

    private static HttpRequest twilio(Options o) {
        return TwilioWebhook.inboundSms(
                        o.target(),
                        o.publicBaseUrl(),
                        o.twilioAccountSid(),
                        o.twilioAuthToken(),
                        TwilioWebhook.newMessageSid())
                .build();
    }

    /** A WhatsApp Cloud API text message notification, signed with X-Hub-Signature-256. */
    private static HttpRequest whatsapp(Options o) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String waId = "1650555" + (1000 + random.nextInt(9000));
        String body = """
                {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":\
                {"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",\
                "phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},\
                "wa_id":"%s"}],"messages":[{"from":"%s","id":"wamid.%s","timestamp":"%d","type":"text",\
                "text":{"body":"Does it come in another color?"}}]},"field":"messages"}]}]}""".formatted(waId, waId, hex(24), Instant.now().getEpochSecond());
        String signature = "sha256=" + HexFormat.of().formatHex(Hmac.sign("HmacSHA256", o.whatsappAppSecret(), body));
        return HttpRequest.newBuilder(o.target().resolve("/webhooks/whatsapp"))
                .header("Content-Type", "application/json")
                .header("X-Hub-Signature-256", signature)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    private static Options parse(String[] args) {
        Flags flags = new Flags(
                args,
                "java -jar bench/target/omniservice-bench.jar [--target URL] [--public-base-url URL]"
                        + " [--concurrency N] [--seconds N] [--warmup N] [--scenarios health,twilio,whatsapp]"
                        + " [--twilio-account-sid SID] [--twilio-auth-token T] [--whatsapp-app-secret S]"
                        + " [--presigned N]",
                "target",
                "public-base-url",
                "concurrency",
                "seconds",
                "warmup",
                "scenarios",
                "twilio-account-sid",
                "twilio-auth-token",
                "whatsapp-app-secret",
                "presigned");
        URI target = flags.uri("target", "http://127.0.0.1:8080");
        return new Options(
                target,
                flags.text("public-base-url", target.toString()),
                flags.number("concurrency", 64, 1),
                flags.seconds("seconds", 15, 1),
                flags.seconds("warmup", 5, 0),
                flags.text("twilio-account-sid", env("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000")),
                flags.text("twilio-auth-token", env("TWILIO_AUTH_TOKEN", "dev-twilio-auth-token")),
                flags.text("whatsapp-app-secret", env("WHATSAPP_APP_SECRET", "dev-whatsapp-app-secret")),
                List.of(flags.text("scenarios", "health,twilio,whatsapp").split(",")),
                flags.number("presigned", 200_000, 0));
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
