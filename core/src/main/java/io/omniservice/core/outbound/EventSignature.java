package io.omniservice.core.outbound;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code Omniservice-Signature} header on every POST we make to a user's URL (status callbacks,
 * subscriptions): {@code t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>}. The receiver
 * recomputes it over the raw body and rejects old timestamps, so a captured request cannot be replayed.
 */
public final class EventSignature {
    public static final String HEADER = "Omniservice-Signature";

    private EventSignature() {}

    public static String header(String secret, long unixSeconds, byte[] body) {
        return "t=" + unixSeconds + ",v1=" + hex(secret, unixSeconds, body);
    }

    /**
     * One {@code v1} per secret, newest first: while a rotated secret overlaps the new one, a receiver that
     * knows either finds a matching signature.
     */
    public static String header(java.util.List<String> secrets, long unixSeconds, byte[] body) {
        StringBuilder header = new StringBuilder("t=").append(unixSeconds);
        for (String secret : secrets) {
            header.append(",v1=").append(hex(secret, unixSeconds, body));
        }
        return header.toString();
    }

    static String hex(String secret, long unixSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((unixSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
