package io.omniservice.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The receiving end of a {@code message.received} subscription on {@code 127.0.0.1:<port>/events}: checks each
 * POST's {@code Omniservice-Signature}, answers at once, and notes when the first event of each carrier message
 * id arrived on this JVM's {@link System#nanoTime} clock.
 */
final class EventSubscriber {
    private static final Duration SIGNATURE_TOLERANCE = Duration.ofMinutes(5);

    private final String secret = UUID.randomUUID().toString();
    private final HttpServer server;
    private final Map<String, Long> arrivals = new ConcurrentHashMap<>();
    private final Set<String> eventIds = ConcurrentHashMap.newKeySet();
    private final Queue<String> duplicates = new ConcurrentLinkedQueue<>();
    private final Queue<String> secondEvents = new ConcurrentLinkedQueue<>();
    private final AtomicLong badSignatures = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();

    EventSubscriber(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/events", this::receive);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/events";
    }

    String secret() {
        return secret;
    }

    /** Carrier message id to the arrival of its first event. */
    Map<String, Long> arrivals() {
        return Collections.unmodifiableMap(arrivals);
    }

    /** Deliveries of an event id already received, among the messages {@code counted} accepts. */
    long duplicates(Predicate<String> counted) {
        return duplicates.stream().filter(counted).count();
    }

    /** Further events (new event ids) for a message already received, among those {@code counted} accepts. */
    long secondEvents(Predicate<String> counted) {
        return secondEvents.stream().filter(counted).count();
    }

    long badSignatures() {
        return badSignatures.get();
    }

    long malformed() {
        return malformed.get();
    }

    /** Signed, well-formed events that are not {@code message.received} or lack an id or carrierMessageId. */
    long ignored() {
        return ignored.get();
    }

    void stop() {
        server.stop(0);
    }

    private void receive(HttpExchange exchange) throws IOException {
        long now = System.nanoTime();
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        int status = "POST".equals(exchange.getRequestMethod())
                ? event(now, exchange.getRequestHeaders().getFirst("Omniservice-Signature"), body)
                : 405;
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    /** 401 for a bad signature, else 200: what we could not use is counted, and a retry would not help. */
    private int event(long now, String signature, byte[] body) {
        if (!signed(signature, body)) {
            badSignatures.incrementAndGet();
            return 401;
        }
        Map<String, String> event;
        try {
            event = JsonStrings.read(new String(body, StandardCharsets.UTF_8), "id", "type", "data.carrierMessageId");
        } catch (IllegalArgumentException e) {
            if (malformed.incrementAndGet() <= 3) {
                System.err.println("malformed event (" + e.getMessage() + ")");
            }
            return 200;
        }
        String id = event.get("id");
        String sid = event.get("data.carrierMessageId");
        if (!"message.received".equals(event.get("type")) || id == null || sid == null) {
            ignored.incrementAndGet();
        } else if (!eventIds.add(id)) {
            duplicates.add(sid);
        } else if (arrivals.putIfAbsent(sid, now) != null) {
            secondEvents.add(sid);
        }
        return 200;
    }

    /** {@code t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>}: any v1 matching, t within 5 min. */
    private boolean signed(String header, byte[] body) {
        if (header == null) {
            return false;
        }
        String t = null;
        List<String> v1 = new ArrayList<>();
        for (String part : header.split(",")) {
            String[] pair = part.trim().split("=", 2);
            if (pair.length == 2 && pair[0].equals("t")) {
                t = pair[1];
            } else if (pair.length == 2 && pair[0].equals("v1")) {
                v1.add(pair[1].toLowerCase(Locale.ROOT));
            }
        }
        if (t == null
                || !t.matches("\\d{1,12}")
                || Math.abs(Instant.now().getEpochSecond() - Long.parseLong(t)) > SIGNATURE_TOLERANCE.toSeconds()) {
            return false;
        }
        byte[] expected = HexFormat.of()
                .formatHex(Hmac.sign("HmacSHA256", secret, (t + ".").getBytes(StandardCharsets.UTF_8), body))
                .getBytes(StandardCharsets.UTF_8);
        return v1.stream().anyMatch(v -> MessageDigest.isEqual(expected, v.getBytes(StandardCharsets.UTF_8)));
    }
}
