package io.omniservice.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes signed WhatsApp Cloud API text-message webhooks to a file for {@code bench/whatsapp-webhooks.lua}
 * (wrk) to post, so that the load tool spends no CPU on signing while it is measured. One request a line:
 * the hex HMAC-SHA256 of the body with the app secret (what goes after {@code sha256=} in
 * {@code X-Hub-Signature-256}), a tab, then the body, a JSON document on one line. Every message id is new
 * ({@code wamid.<tag>-<n>}); senders are drawn from a fixed pool, so most messages join a conversation that
 * an earlier one started.
 */
public final class SignedWhatsAppRequests {
    private SignedWhatsAppRequests() {}

    public static void main(String[] args) throws IOException {
        Flags flags = new Flags(
                args,
                "java -cp bench/target/omniservice-bench.jar io.omniservice.bench.SignedWhatsAppRequests"
                        + " --out FILE [--count N] [--senders N] [--tag WORD] [--whatsapp-app-secret S]",
                "out",
                "count",
                "senders",
                "tag",
                "whatsapp-app-secret");
        String out = flags.text("out", null);
        if (out == null) {
            throw flags.fail("--out is required");
        }
        int count = flags.number("count", 200_000, 1);
        int senders = flags.number("senders", 5_000, 1);
        String tag = flags.text("tag", "bench");
        if (!tag.matches("[A-Za-z0-9_-]{1,32}")) {
            throw flags.fail("--tag must be 1-32 letters, digits, _ or -");
        }
        String secret = flags.text("whatsapp-app-secret", "bench-whatsapp-app-secret");
        long started = System.nanoTime();
        write(Path.of(out), count, senders, tag, secret);
        System.out.printf(
                Locale.ROOT,
                "%d signed WhatsApp webhooks (%d senders) written to %s in %.1f s%n",
                count,
                senders,
                out,
                (System.nanoTime() - started) / 1e9);
    }

    private static void write(Path out, int count, int senders, String tag, String secret) throws IOException {
        // a fixed seed: the same senders in the same order on every run, so runs compare
        SplittableRandom random = new SplittableRandom(20_240_601L + tag.hashCode());
        long timestamp = Instant.now().getEpochSecond();
        HexFormat hex = HexFormat.of();
        try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (int i = 0; i < count; i++) {
                String waId = Long.toString(16_505_500_000L + random.nextInt(senders));
                String body = """
                        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":\
                        {"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",\
                        "phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},\
                        "wa_id":"%s"}],"messages":[{"from":"%s","id":"wamid.%s-%d","timestamp":"%d","type":"text",\
                        "text":{"body":"Does it come in another color?"}}]},"field":"messages"}]}]}""".formatted(waId, waId, tag, i, timestamp);
                writer.write(hex.formatHex(Hmac.sign("HmacSHA256", secret, body)));
                writer.write('\t');
                writer.write(body);
                writer.write('\n');
            }
        }
    }
}
