package io.omniservice.carriers.twilio;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Twilio's {@code X-Twilio-Signature}: base64 of HMAC-SHA1, keyed with the account's auth token, over the
 * URL Twilio called followed by every POST parameter as name + value, sorted by name. A repeated name
 * contributes each distinct value once, values sorted, as twilio-node's validator does. JSON bodies are
 * not signed themselves: Twilio adds {@code bodySHA256} (hex SHA-256 of the body) to the URL and signs the
 * URL alone.
 */
final class TwilioSignature {
    static final String HEADER = "X-Twilio-Signature";
    static final String BODY_HASH_PARAMETER = "bodySHA256";

    private static final String HMAC_SHA1 = "HmacSHA1";

    private final SecretKeySpec key;

    TwilioSignature(String authToken) {
        this.key = new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), HMAC_SHA1);
    }

    /** The signature Twilio sends for {@code url} and the POST {@code params} (empty for GET and JSON). */
    String sign(String url, Map<String, List<String>> params) {
        try {
            Mac mac = Mac.getInstance(HMAC_SHA1);
            mac.init(key);
            byte[] digest = mac.doFinal(signedText(url, params).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is part of every JDK", e);
        }
    }

    /**
     * Whether {@code header} is the signature of this request. Besides the URL as called, the same URL with
     * its scheme's default port written out or left off is accepted: Twilio's own SDK validators try both
     * because Twilio's signing is not consistent about it. A non-default port is never dropped.
     */
    boolean matches(String url, Map<String, List<String>> params, String header) {
        byte[] presented = header.trim().getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (String candidate : urlVariants(url)) {
            // Every variant is compared, so the time taken does not depend on which one matched.
            match |= MessageDigest.isEqual(sign(candidate, params).getBytes(StandardCharsets.UTF_8), presented);
        }
        return match;
    }

    /** Hex SHA-256 of a JSON body, the value Twilio puts in {@code bodySHA256}. */
    static String bodyHash(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    static String signedText(String url, Map<String, List<String>> params) {
        StringBuilder text = new StringBuilder(url);
        // String order is UTF-16 code unit order, the order Java's and Node's SDK validators sort in.
        new TreeMap<>(params).forEach((name, values) -> {
            for (String value : new TreeSet<>(values)) {
                text.append(name).append(value);
            }
        });
        return text.toString();
    }

    /** The URL as called, and the same URL with the default port of its scheme added or removed. */
    static List<String> urlVariants(String url) {
        Set<String> variants = new LinkedHashSet<>();
        variants.add(url);
        int schemeEnd = url.indexOf("://");
        if (schemeEnd > 0) {
            String scheme = url.substring(0, schemeEnd).toLowerCase(java.util.Locale.ROOT);
            String defaultPort = "https".equals(scheme) ? "443" : "http".equals(scheme) ? "80" : null;
            int authorityStart = schemeEnd + 3;
            int authorityEnd = authorityStart;
            while (authorityEnd < url.length() && "/?#".indexOf(url.charAt(authorityEnd)) < 0) {
                authorityEnd++;
            }
            String authority = url.substring(authorityStart, authorityEnd);
            int colon = authority.lastIndexOf(':');
            boolean hasPort = colon > authority.lastIndexOf(']') && colon > authority.lastIndexOf('@');
            String head = url.substring(0, authorityStart);
            String tail = url.substring(authorityEnd);
            if (defaultPort != null && !hasPort) {
                variants.add(head + authority + ':' + defaultPort + tail);
            } else if (defaultPort != null && authority.substring(colon + 1).equals(defaultPort)) {
                variants.add(head + authority.substring(0, colon) + tail);
            }
        }
        return new ArrayList<>(variants);
    }
}
