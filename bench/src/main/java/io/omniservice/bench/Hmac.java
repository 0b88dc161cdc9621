package io.omniservice.bench;

import java.nio.charset.StandardCharsets;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The HMACs the carriers and the gateway sign with (Twilio SHA-1, WhatsApp and Omniservice SHA-256). */
final class Hmac {
    private Hmac() {}

    /** The HMAC over the parts one after the other, keyed with the UTF-8 bytes of {@code key}. */
    static byte[] sign(String algorithm, String key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), algorithm));
            for (byte[] part : parts) {
                mac.update(part);
            }
            return mac.doFinal();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sign(String algorithm, String key, String data) {
        return sign(algorithm, key, data.getBytes(StandardCharsets.UTF_8));
    }
}
