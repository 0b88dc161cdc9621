package io.omniservice.media.sign;

import io.omniservice.core.media.MediaKeys;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks the gateway's own media links, {@code GET /media/{key}?expires=<unix>&signature=<hex>},
 * so a carrier or a browser can fetch one stored file for a limited time without credentials, and nobody
 * can reach another file or stretch the time by editing the URL.
 *
 * <p>The signature is HMAC-SHA256 in lower-case hex over {@code "omniservice-media-v1\n" + key + "\n" +
 * expires}: the key is fixed-length hex and neither part can hold a newline, so no two (key, expiry) pairs
 * share a signed string. A link is valid up to and including its {@code expires} second. Only content keys
 * are signed or accepted; quarantined files are never handed out.
 */
public final class MediaSigner {
    /** What {@link #verify} found; only {@link #VALID} may be served, the rest answer 403. */
    public enum Verdict {
        VALID,
        /** Correctly signed but past its expiry. */
        EXPIRED,
        /** Well-formed, but not signed with our secret for this key and expiry. */
        BAD_SIGNATURE,
        /** A parameter is missing or not in the form we issue; nothing was computed. */
        MALFORMED
    }

    public static final int MIN_SECRET_BYTES = 32;

    private static final String ALGORITHM = "HmacSHA256";
    private static final String CONTEXT = "omniservice-media-v1\n";
    // Exactly what url() writes: no sign, no leading zeros, at most 19 digits (then parsed for overflow).
    private static final Pattern EXPIRES = Pattern.compile("0|[1-9][0-9]{0,18}");
    private static final Pattern SIGNATURE = Pattern.compile("[0-9a-f]{64}");
    private static final HexFormat HEX = HexFormat.of();

    private final SecretKeySpec secret;
    private final String base;
    private final Clock clock;

    /**
     * @param secret at least 32 random bytes, shared by every gateway that serves the same links
     * @param publicBaseUrl where clients reach the gateway, may include a path ({@code https://gw.example.com/omni/})
     */
    public MediaSigner(byte[] secret, URI publicBaseUrl, Clock clock) {
        if (secret == null || secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("media signing secret must be at least " + MIN_SECRET_BYTES
                    + " bytes, got " + (secret == null ? "none" : secret.length));
        }
        this.secret = new SecretKeySpec(secret.clone(), ALGORITHM);
        this.base = baseOf(publicBaseUrl);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A link to {@code key} valid for {@code ttl} from now, the expiry rounded up to a whole second. */
    public URI url(String key, Duration ttl) {
        if (!MediaKeys.isContentKey(key)) {
            throw new IllegalArgumentException("only content keys (64 lower-case hex digits) can be signed: " + key);
        }
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("media link lifetime must be positive: " + ttl);
        }
        Instant until = clock.instant().plus(ttl);
        long expires = until.getNano() == 0 ? until.getEpochSecond() : until.getEpochSecond() + 1;
        String expiresText = Long.toString(expires);
        return URI.create(base + "media/" + key + "?expires=" + expiresText + "&signature="
                + HEX.formatHex(mac(key, expiresText)));
    }

    /**
     * Checks the parts of a request to {@code /media/{key}}, as received (not yet parsed). The signature is
     * checked before the expiry, so a forged link only ever learns that it is bad.
     */
    public Verdict verify(String key, String expires, String signature) {
        if (!MediaKeys.isContentKey(key)
                || expires == null
                || !EXPIRES.matcher(expires).matches()
                || signature == null
                || !SIGNATURE.matcher(signature).matches()) {
            return Verdict.MALFORMED;
        }
        long expiresAt;
        try {
            expiresAt = Long.parseLong(expires);
        } catch (NumberFormatException tooLarge) {
            return Verdict.MALFORMED;
        }
        if (!MessageDigest.isEqual(mac(key, expires), HEX.parseHex(signature))) {
            return Verdict.BAD_SIGNATURE;
        }
        // Instant stops short of Long.MAX_VALUE seconds; anything beyond it is as good as never.
        Instant expiry = Instant.ofEpochSecond(Math.min(expiresAt, Instant.MAX.getEpochSecond()));
        return clock.instant().isAfter(expiry) ? Verdict.EXPIRED : Verdict.VALID;
    }

    private byte[] mac(String key, String expires) {
        try {
            // A Mac is not thread-safe and cheap to make; one per call keeps the signer shareable.
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(secret);
            return mac.doFinal((CONTEXT + key + "\n" + expires).getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime, yet unavailable", e);
        }
    }

    private static String baseOf(URI publicBaseUrl) {
        Objects.requireNonNull(publicBaseUrl, "publicBaseUrl");
        String scheme = publicBaseUrl.getScheme();
        if (!publicBaseUrl.isAbsolute()
                || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))
                || publicBaseUrl.getHost() == null
                || publicBaseUrl.getRawQuery() != null
                || publicBaseUrl.getRawFragment() != null) {
            throw new IllegalArgumentException(
                    "public base URL must be an absolute http(s) URL without query or fragment: " + publicBaseUrl);
        }
        String text = publicBaseUrl.toString();
        return text.endsWith("/") ? text : text + "/";
    }
}
