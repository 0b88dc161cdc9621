package io.omniservice.carriers.whatsapp;

import io.omniservice.core.carrier.WebhookRejection;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Meta's webhook signature: {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with
 * the app secret>}. Checked on the bytes as received, before any parsing, in constant time.
 */
final class WhatsAppSignature {
    static final String HEADER = "X-Hub-Signature-256";
    private static final String PREFIX = "sha256=";
    private static final String ALGORITHM = "HmacSHA256";
    private static final int DIGEST_HEX_LENGTH = 64;

    private final SecretKeySpec key;

    WhatsAppSignature(String appSecret) {
        this.key = new SecretKeySpec(appSecret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }

    /** The header value Meta sends for {@code body}. */
    String sign(byte[] body) {
        return PREFIX + HexFormat.of().formatHex(digest(body));
    }

    void verify(String header, byte[] body) throws WebhookRejection {
        if (header == null || header.isBlank()) {
            throw WebhookRejection.unauthorized("the " + HEADER + " header is missing");
        }
        String value = header.trim();
        if (!value.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
                || value.length() != PREFIX.length() + DIGEST_HEX_LENGTH) {
            throw WebhookRejection.forbidden("the " + HEADER + " header is not sha256=<64 hex digits>");
        }
        byte[] presented;
        try {
            presented = HexFormat.of().parseHex(value, PREFIX.length(), value.length());
        } catch (IllegalArgumentException e) {
            throw WebhookRejection.forbidden("the " + HEADER + " header is not sha256=<64 hex digits>");
        }
        if (!MessageDigest.isEqual(digest(body), presented)) {
            throw WebhookRejection.forbidden("the " + HEADER + " signature does not match the body");
        }
    }

    private byte[] digest(byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
